// Shared set-up of the browser tests: Debian's chromium driven by playwright-core, headless, with no
// network beyond the application under test.
import { chromium } from "playwright-core";
import { mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BASE = process.env.ACUNUM_URL;
if (!BASE) { throw new Error("ACUNUM_URL is not set"); }

export async function launch() {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "acunum-chromium-")), {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
    locale: "fr-FR",
  });
}

export function check(condition, message) {
  if (!condition) { throw new Error(message); }
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/// Checks a page with axe-core (WCAG 2.1 A and AA) on a computer and on a 390 px phone, and that it
/// fits the phone's width; what is wrong goes into `problems`.
export async function axeAudit(page, path, problems) {
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

/// Logs in through the login page.
export async function login(page, email, password) {
  await page.goto(`${BASE}/connexion`);
  await page.getByLabel("Adresse e-mail").fill(email);
  await page.getByLabel("Mot de passe").fill(password);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.getByRole("navigation", { name: "Navigation principale" }).waitFor();
}
