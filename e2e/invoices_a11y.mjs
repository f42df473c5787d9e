// The money pages checked by axe-core (WCAG 2.1 A and AA) on a computer and on a 390 px phone:
// the coordinator's invoices, one invoice, the accounting page, and the client contact's documents
// with their invoices. Each page must also fit the phone's width (no sideways scrolling).
import { launch, BASE, check, axeAudit, login as loginWith } from "./lib.mjs";

const env = (name) => { const v = process.env[name]; if (!v) { throw new Error(`${name} is not set`); } return v; };
const login = (page, email) => loginWith(page, email, env("ACUNUM_PASSWORD"));
const audit = axeAudit;

const context = await launch();
const problems = [];
try {
  const page = context.pages()[0] || await context.newPage();
  await login(page, env("ACUNUM_LOGIN"));
  await page.goto(`${BASE}/factures`);
  const first = await page.locator('main a[href^="/factures/"]').first().getAttribute("href");
  check(first, "an invoice is listed");
  for (const path of ["/factures", first, "/comptabilite"]) {
    await audit(page, path, problems);
  }
  await context.clearCookies();
  await login(page, env("ACUNUM_CLIENT_LOGIN"));
  await audit(page, "/mes-documents", problems);
  check(await page.getByRole("link", { name: /FA-\d{4}-\d{4}/ }).count() > 0 || await page.getByText(/FA-\d{4}-\d{4}/).count() > 0,
    "the client contact sees their invoices");
} finally {
  await context.close();
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("ok: invoice pages pass axe-core on a computer and a phone");
