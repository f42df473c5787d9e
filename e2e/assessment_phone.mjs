// Positioning on a phone: a participant opens the questionnaire from their page, sends it with an
// answer missing (the error is shown and what was chosen stays), completes it and sends it again;
// then the coordination's pages (the group's profile, one person's progress, the evidence, the
// questionnaire's editor) and the participant's are checked by axe-core on a computer and a phone.
import { launch, BASE, check, axeAudit, login } from "./lib.mjs";

const env = (name) => { const v = process.env[name]; if (!v) { throw new Error(`${name} is not set`); } return v; };
const context = await launch();
const problems = [];
try {
  const phone = context.pages()[0] || await context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(`${BASE}${env("ACUNUM_PARTICIPANT")}`);
  await phone.getByRole("link", { name: "Répondre au questionnaire" }).click();
  await phone.getByRole("heading", { level: 1, name: /Positionnement/ }).waitFor();
  const questionnaire = new URL(phone.url()).pathname;
  await axeAudit(phone, questionnaire, problems);
  await phone.setViewportSize({ width: 390, height: 844 });
  // The first question answered, then sent: the others are asked for, the first stays chosen.
  const first = phone.getByRole("group", { name: /en quoi le numérique change mon travail/ });
  await first.getByLabel("2 — Je sais un peu").check();
  await phone.getByRole("button", { name: "Envoyer mes réponses" }).click();
  await phone.locator(".error-summary").waitFor();
  check(await first.getByLabel("2 — Je sais un peu").isChecked(), "the answer given is kept");
  const box = await phone.getByRole("button", { name: "Envoyer mes réponses" }).boundingBox();
  check(box.height >= 44, `a button a finger can hit (${box.height} px)`);
  for (const group of await phone.locator("fieldset.choices").all()) {
    const choices = group.locator("input");
    if (!(await choices.first().isChecked()) && (await group.locator("input:checked").count()) === 0) {
      await choices.first().check();
    }
  }
  await phone.getByLabel("Qu'attendez-vous de cette formation ?").fill("Comprendre les réseaux sociaux de nos usagers");
  await phone.getByRole("button", { name: "Envoyer mes réponses" }).click();
  await phone.getByText("vos réponses sont enregistrées").first().waitFor();
  check(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), "the page fits a phone screen");

  const desk = await context.newPage();
  await login(desk, env("ACUNUM_LOGIN"), env("ACUNUM_PASSWORD"));
  await desk.goto(`${BASE}${env("ACUNUM_GROUP")}`);
  await desk.getByText("Comprendre les réseaux sociaux de nos usagers").waitFor();
  check(await desk.locator("svg.chart").count() >= 1, "the group's chart is drawn");
  for (const path of [env("ACUNUM_GROUP"), env("ACUNUM_PERSON"), env("ACUNUM_EVIDENCE"), env("ACUNUM_EDITOR")]) {
    await axeAudit(desk, path, problems);
  }
} finally {
  await context.close();
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("ok: positioning on a phone, and its pages pass axe-core");
