// A coordinator logs in with the demo account and creates a client, in a real browser.
import { launch, BASE, check } from "./lib.mjs";

const context = await launch();
try {
  const page = context.pages()[0] || await context.newPage();
  await page.goto(`${BASE}/clients`);
  check(page.url().includes("/connexion"), `expected the login page, got ${page.url()}`);
  await page.getByLabel("Adresse e-mail").fill("coordination@demo.acunum.fr");
  await page.getByLabel("Mot de passe").fill("acunum-demo-2026");
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(`${BASE}/clients`);
  await page.getByRole("link", { name: "Ajouter un client" }).click();
  await page.getByLabel("Nom de la structure").fill("Mutuelle des Charentes");
  await page.getByLabel("Type de structure").selectOption("entreprise");
  await page.getByLabel("Secteur professionnel").selectOption("finance");
  // A wrong SIRET first: the message appears next to the field and nothing typed is lost.
  await page.getByLabel("SIRET").fill("123 456 789 00000");
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await page.getByText("Ce SIRET n'existe pas").first().waitFor();
  check(await page.getByLabel("Nom de la structure").inputValue() === "Mutuelle des Charentes", "the name was lost");
  await page.getByLabel("SIRET").fill("");
  await page.getByLabel("Code postal").fill("16000");
  await page.getByLabel("Commune").fill("Angoulême");
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await page.getByText("Le client « Mutuelle des Charentes » est enregistré.").waitFor();
  await page.getByRole("navigation", { name: "Navigation principale" }).getByRole("link", { name: "Clients" }).click();
  await page.getByLabel("Rechercher un client").fill("mutuelle");
  await page.getByRole("button", { name: "Rechercher" }).click();
  await page.getByRole("link", { name: "Mutuelle des Charentes" }).waitFor();
  // The same page on a phone-sized screen keeps its content readable.
  await page.setViewportSize({ width: 375, height: 740 });
  await page.reload();
  await page.getByRole("link", { name: "Mutuelle des Charentes" }).waitFor();
  console.log("ok: logged in and created a client");
} finally {
  await context.close();
}
