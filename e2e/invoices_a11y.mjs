// The money pages checked by axe-core (WCAG 2.1 A and AA) on a computer and on a 390 px phone:
// the coordinator's invoices, one invoice, the accounting page, and the client contact's documents
// with their invoices. Each page must also fit the phone's width (no sideways scrolling).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { launch, BASE, check } from "./lib.mjs";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const env = (name) => { const v = process.env[name]; if (!v) { throw new Error(`${name} is not set`); } return v; };

async function login(page, email) {
  await page.goto(`${BASE}/connexion`);
  await page.getByLabel("Adresse e-mail").fill(email);
  await page.getByLabel("Mot de passe").fill(env("ACUNUM_PASSWORD"));
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.getByRole("navigation", { name: "Navigation principale" }).waitFor();
}

async function audit(page, path, problems) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    const r = await page.goto(`${BASE}${path}`);
    check(r.status() === 200, `${path}: ${r.status()}`);
    // Run through the DevTools protocol: the page's security policy forbids injected scripts.
    await page.evaluate(AXE);
    const result = await page.evaluate(() => window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    }));
    console.error(`${path} @${width}: ${result.passes.length} rules passed, ${result.violations.length} violations`);
    for (const v of result.violations) {
      problems.push(`${path} @${width}px: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
    }
    if (width === 390) {
      const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
      if (!fits) { problems.push(`${path} @390px: wider than the screen`); }
    }
  }
}

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
