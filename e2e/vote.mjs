// The committee's vote in a real browser: the coordinator opens a vote on three topics of the usage
// training, two members vote on phone-sized screens, the vote is closed, the tie is explained by the
// shown rule, and the result becomes the programme.
import { launch, BASE, check } from "./lib.mjs";

const env = (name) => { const v = process.env[name]; if (!v) { throw new Error(`${name} is not set`); } return v; };
const context = await launch();
try {
  const desk = context.pages()[0] || await context.newPage();
  await desk.goto(`${BASE}/connexion`);
  await desk.getByLabel("Adresse e-mail").fill(env("ACUNUM_LOGIN"));
  await desk.getByLabel("Mot de passe").fill(env("ACUNUM_PASSWORD"));
  await desk.getByRole("button", { name: "Se connecter" }).click();
  await desk.getByRole("navigation", { name: "Navigation principale" }).waitFor();
  await desk.goto(`${BASE}${env("ACUNUM_CYCLE")}`);
  await desk.getByRole("link", { name: "Comité de pilotage et plan d'action" }).click();
  await desk.getByRole("link", { name: /Choix des thèmes/ }).click();
  for (const topic of ["Revue de presse", "Newsletters", "Microblogage"]) {
    await desk.getByLabel(topic, { exact: true }).check();
  }
  await desk.getByLabel("Nombre de thèmes retenus").fill("1");
  await desk.getByLabel("Coches par membre, au plus").fill("1");
  await desk.getByRole("button", { name: "Ouvrir le vote" }).click();
  await desk.getByText("Le vote est ouvert").waitFor();
  const votePage = desk.url();

  const phone = await context.newPage();
  await phone.setViewportSize({ width: 375, height: 740 });
  for (const [link, topic] of [[env("ACUNUM_MEMBER1"), "Newsletters"], [env("ACUNUM_MEMBER2"), "Microblogage"]]) {
    await phone.goto(`${BASE}${link}`);
    await phone.getByLabel(topic, { exact: true }).check();
    await phone.getByRole("button", { name: "Voter" }).click();
    await phone.getByText("Merci, votre bulletin est enregistré.").waitFor();
    check(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), "the ballot fits a phone screen");
  }

  await desk.goto(votePage);
  desk.once("dialog", (d) => d.accept());
  await desk.getByRole("button", { name: "Clore le vote maintenant" }).click();
  await desk.getByText("Égalité départagée").waitFor();
  check((await desk.locator(".warning").textContent()).includes("le plus haut dans le menu"), "the tie-break rule is shown");
  await desk.getByRole("button", { name: "En faire le programme de la formation aux usages" }).click();
  await desk.getByText("Programme de la formation aux usages : Newsletters.").waitFor();
  console.log("ok: the committee's vote");
} finally {
  await context.close();
}
