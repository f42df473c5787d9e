// Émargement in a real browser: the intervenant opens signing for the half-day on a computer, the
// participant signs with a finger-drawn signature on a phone-sized screen, the sheet shows it.
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
  await desk.goto(`${BASE}${env("ACUNUM_SHEET")}`);
  await desk.getByRole("button", { name: "Ouvrir la signature" }).first().click();
  await desk.getByText("La signature est ouverte").waitFor();
  const code = (await desk.locator("p.code").first().textContent()).trim();
  check(/^\d{6}$/.test(code), `a six-digit code is shown, not ${code}`);
  check(await desk.locator(".qr svg").count() === 1, "the QR code is shown");

  const phone = await context.newPage();
  await phone.setViewportSize({ width: 375, height: 740 });
  await phone.goto(`${BASE}${env("ACUNUM_PARTICIPANT")}`);
  await phone.getByRole("heading", { name: /Signer ma présence/ }).waitFor();
  await phone.getByLabel("Code affiché dans la salle").fill(code);
  const canvas = phone.locator("canvas[data-signature]").first();
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  check(box.width <= 375, "the signature pad fits the screen");
  await phone.mouse.move(box.x + 20, box.y + box.height / 2);
  await phone.mouse.down();
  for (let i = 1; i <= 12; i++) {
    await phone.mouse.move(box.x + 20 + i * (box.width - 40) / 12, box.y + box.height / 2 + (i % 2 ? -25 : 25));
  }
  await phone.mouse.up();
  await phone.getByRole("button", { name: "Signer", exact: true }).click();
  await phone.getByText("Merci, votre présence est signée.").waitFor();
  check(await phone.getByRole("heading", { name: /Signer ma présence/ }).count() === 0, "nothing left to sign");
  check(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), "the page fits a phone screen");

  await desk.reload();
  await desk.locator("img.sig").first().waitFor();
  console.log("ok: signing on a phone");
} finally {
  await context.close();
}
