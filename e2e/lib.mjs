// Shared set-up of the browser tests: Debian's chromium driven by playwright-core, headless, with no
// network beyond the application under test.
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
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
