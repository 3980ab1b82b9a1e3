// Parses Mermaid text with Mermaid's own parser (the npm package pinned in tests/tools), run in
// the system Chromium through playwright-core, as GitHub's renderer would read it.
//
//   node tests/graph/mermaid-parse.mjs FILE.mmd
//
// Prints one JSON object: {"ok": true, "type": "flowchart-v2"} or {"ok": false, "error": "..."};
// exits 0 either way (the Rust test decides), 2 when the browser cannot run.
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(new URL('../tools/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const mermaidBundle = require.resolve('mermaid/dist/mermaid.min.js');

const file = process.argv[2];
if (!file) {
  console.error('usage: mermaid-parse.mjs FILE.mmd');
  process.exit(2);
}
const text = readFileSync(file, 'utf8');
const profile = mkdtempSync(join(tmpdir(), 'nhi-mermaid-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.NHI_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ path: mermaidBundle });
  const result = await page.evaluate(async (source) => {
    try {
      globalThis.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
      const parsed = await globalThis.mermaid.parse(source);
      return { ok: true, type: parsed && parsed.diagramType };
    } catch (e) {
      return { ok: false, error: String(e && e.message ? e.message : e) };
    }
  }, text);
  console.log(JSON.stringify(result));
} catch (e) {
  console.error(`mermaid-parse: ${e && e.stack ? e.stack : e}`);
  process.exitCode = 2;
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
