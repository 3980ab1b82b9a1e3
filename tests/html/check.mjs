// Drives the system Chromium over an nhi HTML report and prints what it saw, as one JSON object
// on stdout. The Rust tests (tests/html.rs) decide what is right; this script only observes.
//
//   node tests/html/check.mjs REPORT.html [--filter NAME=VALUE]... [--open IDENTITY_ID]
//        [--screenshot OUT.png] [--detail-screenshot OUT.png] [--timeout-ms N]
//
// --filter sets the page's filter control #f-NAME (severity, provider, kind, lastuse, baseline,
// suppression) after every other filter is reset, then reads every row of the result by
// scrolling the table. --open opens one identity's detail. --screenshot saves the page at
// 1280 px wide (docs/html-report.png is made this way); --detail-screenshot, the open detail.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(new URL('../tools/package.json', import.meta.url));
const { chromium } = require('playwright-core');

function parseArgs(argv) {
  const args = { file: null, filters: [], open: null, screenshot: null, timeout: 120000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--filter') args.filters.push(argv[++i]);
    else if (a === '--open') args.open = argv[++i];
    else if (a === '--screenshot') args.screenshot = argv[++i];
    else if (a === '--detail-screenshot') args.detailScreenshot = argv[++i];
    else if (a === '--timeout-ms') args.timeout = Number(argv[++i]);
    else if (!args.file) args.file = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!args.file) throw new Error('usage: check.mjs REPORT.html [options]');
  return args;
}

const args = parseArgs(process.argv.slice(2));
const url = pathToFileURL(resolve(args.file)).href;
const profile = mkdtempSync(join(tmpdir(), 'nhi-chromium-'));
const result = {
  url,
  requests: [],
  failed_requests: [],
  console_errors: [],
  page_errors: [],
};

// A fresh profile each run (playwright passes it as --user-data-dir).
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.NHI_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  viewport: { width: 1280, height: 900 },
  colorScheme: 'light',
});
try {
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(args.timeout);
  page.on('request', (r) => result.requests.push(r.url().slice(0, 200)));
  page.on('requestfailed', (r) => result.failed_requests.push({ url: r.url().slice(0, 200), error: r.failure()?.errorText }));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') result.console_errors.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => result.page_errors.push(String(e)));

  const started = Date.now();
  await page.goto(url, { waitUntil: 'load', timeout: args.timeout });
  await page.waitForSelector('#rows .row, #empty:not([hidden])', { timeout: args.timeout });
  result.load_ms = Date.now() - started;
  result.ready_ms = Number(await page.getAttribute('body', 'data-ready'));
  result.timings = await page.getAttribute('body', 'data-timings');
  result.title = await page.title();
  result.count_text = await page.textContent('#count');
  result.rows_in_dom = await page.locator('#rows .row').count();
  result.sources_alert = await page.evaluate(() => {
    const a = document.getElementById('sources-alert');
    return a.hidden ? null : a.textContent;
  });
  result.charts = await page.locator('#charts svg').count();

  if (args.screenshot) {
    await page.screenshot({ path: args.screenshot, fullPage: true });
  }
  const png = await page.screenshot({ fullPage: false });
  result.screenshot = await measure(context, png);

  result.filters = [];
  for (const spec of args.filters) {
    const [name, value] = spec.split('=');
    await page.click('#filters .linkish'); // reset
    const before = Date.now();
    await page.selectOption(`#f-${name}`, value); // the page filters and sorts before this returns
    const ms = Date.now() - before;
    result.filters.push({ filter: spec, ms, count_text: await page.textContent('#count'), rows: await allRows(page) });
  }

  if (args.open) {
    await page.click('#filters .linkish');
    await page.evaluate((id) => { location.hash = '#identity=' + encodeURIComponent(id); }, args.open);
    await page.waitForSelector('#detail:not([hidden])');
    result.detail = await page.evaluate(() => {
      const d = document.getElementById('detail');
      return {
        title: d.querySelector('#detail-title').textContent,
        findings: [...d.querySelectorAll('.finding')].map((f) => f.getAttribute('data-rule')),
        chains: [...d.querySelectorAll('.chain')].map((c) => [...c.querySelectorAll('.node')].map((n) => n.getAttribute('title'))),
        badges: [...d.querySelectorAll('.finding .badge')].map((b) => b.textContent),
      };
    });
    if (result.detail.findings.length) {
      await page.locator('#detail details.ev summary').first().click();
      result.detail.evidence_json = await page.locator('#detail pre.evidence').first().textContent();
    }
    if (args.detailScreenshot) await page.screenshot({ path: args.detailScreenshot });
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(result) + '\n');

// Every row the table holds for the current filters, read by scrolling the virtual list.
async function allRows(page) {
  return page.evaluate(async () => {
    const viewport = document.getElementById('viewport');
    const seen = new Map();
    const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
    viewport.scrollTop = 0;
    await frame();
    for (;;) {
      for (const row of document.querySelectorAll('#rows .row')) {
        seen.set(row.getAttribute('aria-rowindex'), {
          index: Number(row.getAttribute('data-index')),
          severity: row.getAttribute('data-severity'),
          provider: row.getAttribute('data-provider'),
          kind: row.getAttribute('data-kind'),
          badges: row.getAttribute('data-badges'),
        });
      }
      const before = viewport.scrollTop;
      viewport.scrollTop = before + viewport.clientHeight;
      await frame();
      await frame();
      if (viewport.scrollTop === before || seen.size > 5000) break;
    }
    return [...seen.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  });
}

// Distinct colours and the share of non-white pixels of a PNG, decoded by the browser in a page
// of its own (so the report's request log stays the report's).
async function measure(context, png) {
  const page = await context.newPage();
  try {
    await page.setContent('<canvas id="c"></canvas>');
    return await page.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = document.getElementById('c');
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(bitmap, 0, 0);
      const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
      const colours = new Set();
      let nonWhite = 0;
      for (let i = 0; i < data.length; i += 4) {
        colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        if (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240) nonWhite++;
      }
      return { width: bitmap.width, height: bitmap.height, distinct_colors: colours.size, non_white_ratio: nonWhite / (data.length / 4) };
    }, png.toString('base64'));
  } finally {
    await page.close();
  }
}
