// Phase 1 of a cycle in a real browser: open a cycle, enrol the group, plan the culture training,
// move to phase 1, send the convocations, and read a participant's page on a phone-sized screen.
import { launch, BASE, check } from "./lib.mjs";

const context = await launch();
try {
  const page = context.pages()[0] || await context.newPage();
  await page.goto(`${BASE}/connexion`);
  await page.getByLabel("Adresse e-mail").fill("coordination@demo.acunum.fr");
  await page.getByLabel("Mot de passe").fill("acunum-demo-2026");
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.getByRole("navigation", { name: "Navigation principale" }).getByRole("link", { name: "Cycles" }).click();
  await page.getByRole("link", { name: "Ouvrir un cycle" }).click();
  await page.getByLabel("Client (structure principale)").selectOption({ label: "Coopérative agricole des Deux-Charentes" });
  await page.getByLabel("Intitulé du cycle").fill("Cycle ACUNUM de la coopérative");
  await page.getByLabel("Territoire (TICA)").fill("Sud Charente");
  await page.getByRole("button", { name: "Ouvrir le cycle" }).click();
  await page.getByText("Le cycle « Cycle ACUNUM de la coopérative » est ouvert").waitFor();
  const cycleUrl = page.url();

  await page.getByRole("link", { name: "Groupe mixte et comité" }).click();
  const people = [["Marc", "Lefèvre", "marc@coop.test", "Responsable SI", "Informatique", "Coopérative"],
                  ["Julie", "Blanc", "julie@mairie.test", "Secrétaire générale", "Direction", "Mairie de Barbezieux"]];
  for (const [first, last, email, job, service, structure] of people) {
    await page.getByLabel("Prénom").fill(first);
    await page.locator("#f-last_name").fill(last);
    await page.getByLabel("E-mail").fill(email);
    await page.getByLabel("Métier").fill(job);
    await page.getByLabel("Service").fill(service);
    await page.getByLabel("Structure").fill(structure);
    await page.getByRole("button", { name: "Inscrire" }).click();
    await page.getByText(`${first} ${last} est inscrit·e.`).waitFor();
  }
  await page.goto(cycleUrl);
  await page.getByRole("link", { name: "Planifier" }).first().click();
  await page.getByLabel("Date de la première séance").fill("2031-03-03");
  await page.getByLabel("Heure de début").fill("09:00");
  await page.locator("#f-room_id").selectOption({ index: 1 });
  await page.getByRole("button", { name: "Planifier les séances" }).click();
  await page.getByText("4 séances planifiées.").waitFor();
  check(await page.locator("svg.timeline rect[rx='2']").count() === 4, "the timeline draws the four days");
  await page.getByRole("button", { name: "Passer au temps 1" }).click();
  await page.getByText("Le cycle passe au temps 1").waitFor();
  await page.getByRole("button", { name: "Envoyer les convocations" }).first().click();
  await page.getByText("2 convocations dans la file d'envoi").waitFor();

  await page.getByRole("link", { name: "Groupe mixte et comité" }).click();
  const personal = await page.getByRole("link", { name: "Page personnelle" }).first().getAttribute("href");
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(personal.replace(/^https?:\/\/[^/]+/, BASE));
  await page.getByRole("heading", { name: /Bonjour/ }).waitFor();
  check(await page.locator("ol.agenda li").count() === 4, "the participant sees the four days");
  check(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), "the page fits a phone screen");
  console.log("ok: phase 1 of a cycle");
} finally {
  await context.close();
}
