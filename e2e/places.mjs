// A coordinator imports a real file of places, reads the report, searches around a commune with the
// map, then finds the intervenant nearest to a client and starts a quote with them — in a real browser.
import { launch, BASE, check } from "./lib.mjs";

const file = process.env.PLACES_FILE;
const clientId = process.env.CLIENT_ID;
const context = await launch();
try {
  const page = context.pages()[0] || await context.newPage();
  await page.goto(`${BASE}/lieux`);
  await page.getByLabel("Adresse e-mail").fill("coordination@demo.acunum.fr");
  await page.getByLabel("Mot de passe").fill("acunum-demo-2026");
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(`${BASE}/lieux`);
  await page.getByRole("link", { name: "Importer un fichier de lieux" }).click();
  await page.getByLabel("Fichier de lieux").setInputFiles(file);
  await page.getByRole("button", { name: "Importer" }).click();
  await page.waitForURL(/\/lieux\/imports\/\d+$/);
  await page.getByRole("heading", { name: /Rapport d'import/ }).waitFor();
  const summary = await page.getByRole("status").innerText();
  check(summary.includes("188 ligne(s)"), `report: ${summary}`);
  check(summary.includes("188 lieu(x) créé(s)"), `report: ${summary}`);

  // Search around a commune: a list by distance and the map.
  await page.getByRole("navigation", { name: "Navigation principale" }).getByRole("link", { name: "Lieux" }).click();
  await page.getByLabel("Près de (commune ou code postal)").fill("Cognac");
  await page.getByLabel("Nombre de lieux").fill("5");
  await page.getByRole("button", { name: "Chercher" }).click();
  await page.getByRole("heading", { name: /Les lieux les plus proches de Cognac/ }).waitFor();
  const items = page.locator("ol.places li");
  check(await items.count() === 5, `expected 5 places, got ${await items.count()}`);
  check(await page.locator("svg.carte .m-origine").count() === 1, "the search point is on the map");
  check(await page.locator("svg.carte .m-lieu").count() === 5, "the places are on the map");
  check(await page.locator("svg.carte path.dep").count() > 90, "France and its départements are drawn");
  const first = await items.first().getByRole("link").innerText();
  await items.first().getByRole("link").click();
  await page.getByRole("heading", { name: first }).waitFor();

  // On a phone the list stays readable.
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(`${BASE}/lieux?pres_de=16100&n=3`);
  check(await page.locator("ol.places li").count() === 3, "three places on the phone");
  await page.setViewportSize({ width: 1280, height: 900 });

  // The nearest intervenant who knows the client's sector, then a quote with them.
  await page.goto(`${BASE}/clients/${clientId}`);
  await page.getByRole("link", { name: "Intervenants et lieux proches" }).click();
  await page.getByRole("heading", { name: "Qui connaissent le secteur" }).waitFor();
  await page.getByRole("link", { name: "Faire un devis avec Sam Santé" }).click();
  await page.waitForURL(/\/devis\/nouveau\?client=\d+&intervenant=\d+/);
  const chosen = await page.getByLabel("Intervenant·e (pour les frais de déplacement)").locator("option:checked").innerText();
  check(chosen.includes("Sam Santé"), `chosen: ${chosen}`);
  check(await page.getByLabel("Frais de déplacement", { exact: true }).inputValue() === "per_km", "travel per km");
  console.log("ok: imported places, searched around Cognac, found an intervenant and started a quote");
} finally {
  await context.close();
}
