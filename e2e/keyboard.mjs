// Keyboard journeys, with no pointer: logging in, creating a client, drafting a quote, and the
// participant confirming their presence on a phone (the code, then the box for those who cannot draw
// a signature). Each step moves with Tab and acts with the keyboard only.
import { launch, BASE, check } from "./lib.mjs";

const env = (name) => { const v = process.env[name]; if (!v) { throw new Error(`${name} is not set`); } return v; };

/// Presses Tab until the focus is on the element with this id (at most 300 times).
async function tabTo(page, id) {
  for (let i = 0; i < 300; i++) {
    if (await page.evaluate((want) => document.activeElement && document.activeElement.id === want, id)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached #${id}`);
}

/// Picks an option of the focused select by typing its first letters.
async function pick(page, text) {
  await page.keyboard.type(text);
}

const context = await launch();
try {
  const page = context.pages()[0] || await context.newPage();
  await page.goto(`${BASE}/connexion`);
  await tabTo(page, "f-email");
  await page.keyboard.type(env("ACUNUM_LOGIN"));
  await page.keyboard.press("Tab");
  await page.keyboard.type(env("ACUNUM_PASSWORD"));
  await page.keyboard.press("Enter");
  await page.getByRole("navigation", { name: "Navigation principale" }).waitFor();

  await page.goto(`${BASE}/clients/nouveau`);
  await tabTo(page, "f-name");
  await page.keyboard.type("Mairie au clavier");
  await tabTo(page, "f-kind");
  await pick(page, "Coll");
  await tabTo(page, "f-sector");
  await pick(page, "Adm");
  await tabTo(page, "f-name");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Mairie au clavier" }).waitFor();

  await page.goto(`${BASE}/devis/nouveau`);
  await tabTo(page, "f-client_id");
  await pick(page, "Mairie au");
  const box = await page.locator('input[type="checkbox"][id^="f-m"]').first().getAttribute("id");
  await tabTo(page, box);
  await page.keyboard.press("Space");
  // Enter in a select does not submit: go to the button.
  const submit = await page.evaluate(() => {
    const b = [...document.querySelectorAll("button[type=submit]")].find((x) => x.textContent.includes("Enregistrer le devis"));
    b.id = b.id || "envoyer-devis";
    return b.id;
  });
  await tabTo(page, submit);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/devis\/\d+$/);
  check(await page.getByText("Mairie au clavier").count() > 0, "the quote is for the client made at the keyboard");

  // A participant confirms their presence on a phone, without drawing.
  const phone = await context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(`${BASE}${env("ACUNUM_PARTICIPANT")}`);
  const code = phone.getByLabel("Code affiché dans la salle");
  const id = await code.first().getAttribute("id");
  await tabTo(phone, id);
  await phone.keyboard.type(env("ACUNUM_CODE"));
  await tabTo(phone, "f-confirm");
  await phone.keyboard.press("Space");
  await phone.keyboard.press("Enter");
  await phone.getByText("Merci, votre présence est signée.").waitFor();
  console.log("ok: login, a client, a quote and a presence, at the keyboard");
} finally {
  await context.close();
}
