// The crawl of the gate: for each role (coordination, intervenant, client contact, a participant
// on a 390 × 844 phone, and the public pages), every page reachable by links from its home page
// (up to a limit) is checked by axe-core (WCAG 2.1 A and AA), and the console is watched for
// refusals by the security policy. Prints the counts; fails on any violation or refusal.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { launch, BASE, login } from "./lib.mjs";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const env = (name) => { const v = process.env[name]; if (!v) { throw new Error(`${name} is not set`); } return v; };
const LIMIT = Number(process.env.CRAWL_LIMIT || "400");
// Not pages: downloads, logging out, live connections.
const SKIP = /(\.pdf|\.csv|\.zip|\.ics|\.md|\.html$|\.json|\.xml|\.opml|\/pdf$|\/convention$|\/deconnexion|\/calendrier\/|\/ws\/|\/fichier$|\/xml$|\/txt$|\/feuille$|\/emargement$|\/feuille-vierge|\/logo\/|\/static\/|\/api\/|\/flux|\/export)/;

async function crawl(page, start, width, problems, csp) {
  await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
  const seen = new Set();
  const queue = [start];
  let pages = 0;
  while (queue.length && pages < LIMIT) {
    const path = queue.shift();
    if (seen.has(path)) continue;
    seen.add(path);
    let r;
    try { r = await page.goto(`${BASE}${path}`); } catch { continue; } // a download, not a page
    if (!r || r.status() !== 200 || !(r.headers()["content-type"] || "").startsWith("text/html")) continue;
    pages += 1;
    await page.evaluate(AXE);
    const result = await page.evaluate(() => window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    }));
    for (const v of result.violations) {
      problems.push(`${path} @${width}px: ${v.id} (${v.impact}) ${v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", ")}`);
    }
    if (width === 390 && !(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1))) {
      problems.push(`${path} @390px: wider than the screen`);
    }
    for (const href of await page.$$eval("a[href]", (as) => as.map((a) => a.getAttribute("href")))) {
      if (!href || !href.startsWith("/") || href.startsWith("//")) continue;
      const clean = href.split("#")[0];
      if (!clean || SKIP.test(clean) || seen.has(clean)) continue;
      queue.push(clean);
    }
  }
  csp.pages += pages;
  return pages;
}

const problems = [];
const csp = { errors: [], pages: 0 };
const context = await launch();
try {
  const page = context.pages()[0] || await context.newPage();
  page.on("console", (m) => { if (m.type() === "error" && /Content Security Policy/i.test(m.text())) csp.errors.push(`${page.url()}: ${m.text()}`); });
  const counts = {};
  counts.public = 0;
  for (const start of env("ACUNUM_PUBLIC").split(",")) counts.public += await crawl(page, start, 1280, problems, csp);
  for (const [role, email] of [["coordination", env("ACUNUM_COORDINATOR")], ["intervenant", env("ACUNUM_INTERVENANT")], ["client", env("ACUNUM_CLIENT")]]) {
    await context.clearCookies();
    await page.setViewportSize({ width: 1280, height: 900 });
    await login(page, email, env("ACUNUM_PASSWORD"));
    counts[role] = await crawl(page, "/", 1280, problems, csp);
    if (role === "client") counts["client @390"] = await crawl(page, "/", 390, problems, csp);
  }
  await context.clearCookies();
  counts["participant @390"] = await crawl(page, env("ACUNUM_PARTICIPANT"), 390, problems, csp);
  console.log(`crawl: ${JSON.stringify(counts)} pages; ${problems.length} axe problems; ${csp.errors.length} security-policy refusals`);
} finally {
  await context.close();
}
const all = problems.concat(csp.errors);
if (all.length) {
  console.error([...new Set(all)].join("\n"));
  process.exit(1);
}
