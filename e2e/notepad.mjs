// Two people edit one notepad live in two browsers: what one types appears at the other's, with
// their names among those present; a phone-sized screen shows the same text.
import { launch, BASE, check } from "./lib.mjs";

const path = process.env.NOTEPAD_PATH;

const cspErrors = [];

async function login(context, email) {
  const page = context.pages()[0] || await context.newPage();
  page.on("console", (m) => { if (m.type() === "error" && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
  await page.goto(`${BASE}/connexion`);
  await page.getByLabel("Adresse e-mail").fill(email);
  await page.getByLabel("Mot de passe").fill("acunum-demo-2026");
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(`${BASE}/`);
  await page.goto(`${BASE}${path}`);
  await page.locator("#editeur .ql-editor").waitFor();
  await page.getByText("Connecté").waitFor();
  return page;
}

const a = await launch();
const b = await launch();
try {
  const pa = await login(a, "coordination@demo.acunum.fr");
  const pb = await login(b, "camille.durand@demo.acunum.fr");
  check((await pa.locator("#editeur .ql-editor h1").innerText()).includes("bloc-notes"), "the template's title is shown");
  // A types at the end of the text; B sees it.
  await pa.locator("#editeur .ql-editor").click();
  await pa.keyboard.press("Control+End");
  await pa.keyboard.type("Écrit par Claire dans le navigateur A");
  await pb.locator("#editeur .ql-editor").getByText("Écrit par Claire dans le navigateur A").waitFor({ timeout: 10000 });
  // B answers; A sees it.
  await pb.locator("#editeur .ql-editor").click();
  await pb.keyboard.press("Control+End");
  await pb.keyboard.press("Enter");
  await pb.keyboard.type("Réponse de Camille");
  await pa.locator("#editeur .ql-editor").getByText("Réponse de Camille").waitFor({ timeout: 10000 });
  // Presence: each sees the other's name.
  await pa.locator("#presents").getByText("Camille Durand").waitFor({ timeout: 10000 });
  await pb.locator("#presents").getByText("Claire Martin").waitFor({ timeout: 10000 });
  // A bold heading from the toolbar reaches B with its format.
  await pa.keyboard.press("Enter");
  await pa.keyboard.press("Control+b");
  await pa.keyboard.type("Important");
  await pb.locator("#editeur .ql-editor strong").getByText("Important").waitFor({ timeout: 10000 });
  // B's cursor is drawn at A's, with B's name; no style refused by the security policy.
  await pa.locator(".rc-caret .rc-flag").getByText("Camille Durand").waitFor({ state: "attached", timeout: 10000 });
  // In French, named, and left from the keyboard with Escape then Tab.
  check(await pa.getByRole("button", { name: "Gras" }).count() === 1, "the toolbar speaks French");
  check(await pa.getByRole("toolbar", { name: "Mise en forme" }).count() === 1, "a named toolbar");
  check(await pa.getByRole("textbox", { name: "Texte du bloc-notes" }).count() === 1, "a named editor");
  await pa.locator("#editeur .ql-editor").click();
  await pa.keyboard.press("Escape");
  await pa.keyboard.press("Tab");
  check(await pa.evaluate(() => !document.activeElement.closest(".ql-editor")), "Escape then Tab leaves the text");
  check(cspErrors.length === 0, `no refusal by the security policy: ${cspErrors.join(" | ")}`);
  // On a phone the notepad stays usable.
  await pb.setViewportSize({ width: 375, height: 740 });
  await pb.reload();
  await pb.locator("#editeur .ql-editor").getByText("Réponse de Camille").waitFor();
  console.log("ok: two browsers edited one notepad live");
} finally {
  await a.close();
  await b.close();
}
