// tests/browser/report_check.js: drives Debian's Chromium (playwright-core)
// over smtpscope HTML reports and prints TAP lines ("ok N - ...").
//
//   node report_check.js OUTDIR NAME=REPORT.html=EXPECTED.txt ...
//
// EXPECTED.txt lists the endpoints (ip:port, [v6]:port) of the servers the
// report must name on its first screen (truth's misconfigured servers).
// Checks, for each report: no element overflows the viewport at 1400 and
// 800 px; the first 900 px name every expected server (or say how many and
// link to them); clicking a header sorts; every finding link lands on its
// server section; with JavaScript disabled every card and table is still
// shown; dark when the system is; printed (page.pdf, and the print layout
// at the PDF's width) no table is wider than the page.  Screenshots of both widths go to OUTDIR.
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const { chromium } = require('playwright-core');

const out = process.argv[2];
const reports = process.argv.slice(3).map((a) => {
  const [name, file, expected] = a.split('=');
  return { name, file, expected };
});
let n = 0;
let failed = 0;
function ok(cond, what, diag) {
  n++;
  if (cond) {
    console.log(`ok ${n} - ${what}`);
  } else {
    failed++;
    console.log(`not ok ${n} - ${what}`);
    if (diag) console.log('#   ' + String(diag).split('\n').join('\n#   '));
  }
}

const CHROME = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

// Elements whose right edge passes the viewport (hidden ones excluded).
function overflowProbe() {
  const w = document.documentElement.clientWidth;
  const bad = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > w + 1 || r.left < -1) {
      bad.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} right=${Math.round(r.right)}`);
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, width: w, bad: bad.slice(0, 8), nbad: bad.length };
}

// What the first screen (top 900 px) says and links to.
function firstScreen() {
  const inTop = (el) => { const r = el.getBoundingClientRect(); return r.height > 0 && r.top < 900 && r.bottom > 0; };
  const texts = [];
  for (const el of document.querySelectorAll('a, h1, h2, h3, p, li, span, b')) if (inTop(el)) texts.push(el.textContent);
  const links = [...document.querySelectorAll('#verdict a')].filter(inTop)
    .map((a) => ({ text: a.textContent, href: a.getAttribute('href') }));
  const sentence = document.querySelector('#verdict-sentence');
  return { text: texts.join('\n'), links, sentence: sentence ? sentence.textContent : '' };
}

function ipKey(ep) { // "10.1.0.25:25" -> sortable numbers
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+):(\d+)$/.exec(ep.trim());
  if (!m) return null;
  return (((+m[1] * 256 + +m[2]) * 256 + +m[3]) * 256 + +m[4]) * 65536 + +m[5];
}

async function checkReport(browser, rep) {
  const url = 'file://' + path.resolve(rep.file);
  const expected = fs.readFileSync(rep.expected, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  const errors = [];
  let cards = 0;
  let tables = 0;
  for (const width of [1400, 800]) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
    page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) errors.push('request ' + r.url()); });
    await page.goto(url);
    const ov = await page.evaluate(overflowProbe);
    ok(ov.scrollWidth <= width && ov.nbad === 0, `${rep.name} at ${width} px: nothing overflows horizontally (scrollWidth ${ov.scrollWidth}, ${ov.nbad} elements past the edge)`, ov.bad.join('\n'));
    await page.screenshot({ path: path.join(out, `report-${rep.name}-${width}.png`) });
    if (width === 1400) {
      const fsn = await page.evaluate(firstScreen);
      const missing = expected.filter((ep) => !fsn.text.includes(ep));
      let named = missing.length === 0;
      if (!named) { // or: says how many and links to every one of them
        const m = /^(\d+)/.exec(fsn.sentence.trim());
        const linked = expected.filter((ep) => fsn.links.some((l) => l.text.includes(ep)));
        named = m && +m[1] >= expected.length && linked.length === expected.length;
      }
      ok(named, `${rep.name}: the first 900 px name all ${expected.length} misconfigured servers (or say how many and link to them)`, 'missing: ' + missing.slice(0, 10).join(' '));
      // sorting: the servers table by sessions (numeric) and by server (numeric IP)
      const rows = await page.$$eval('#servers-table tbody tr', (rs) => rs.length);
      if (rows >= 2) {
        const col = async (i) => page.$$eval('#servers-table tbody tr', (rs, k) => rs.map((r) => r.cells[k].textContent.trim()), i);
        const before = await col(0);
        await page.click('#servers-table thead th:nth-child(4)');
        const s1 = (await col(3)).map(Number);
        const asc = s1.every((v, i) => i === 0 || s1[i - 1] <= v);
        await page.click('#servers-table thead th:nth-child(4)');
        const s2 = (await col(3)).map(Number);
        const desc = s2.every((v, i) => i === 0 || s2[i - 1] >= v);
        const changed = (await col(0)).join() !== before.join() || s1.join() !== s2.join();
        ok(asc && desc && changed, `${rep.name}: clicking the sessions header sorts the servers up, then down`, `asc ${asc} desc ${desc} changed ${changed}`);
        await page.click('#servers-table thead th:nth-child(1)');
        const eps = await col(0);
        const keys = eps.map(ipKey).filter((k) => k !== null);
        ok(keys.every((v, i) => i === 0 || keys[i - 1] <= v), `${rep.name}: clicking the server header sorts addresses numerically (${keys.length} IPv4)`, eps.slice(0, 6).join(' '));
      } else {
        ok(true, `${rep.name}: sorting # SKIP fewer than 2 servers`);
        ok(true, `${rep.name}: address sort # SKIP fewer than 2 servers`);
      }
      const frows = await page.$$eval('#findings tbody tr', (rs) => rs.length);
      if (frows >= 2) {
        const sev = async () => page.$$eval('#findings tbody tr', (rs) => rs.map((r) => r.cells[0].getAttribute('data-v') + r.cells[1].textContent));
        const b = await sev();
        await page.click('#findings thead th:nth-child(2)');
        const a = await sev();
        await page.click('#findings thead th:nth-child(2)');
        const c = await sev();
        ok(b.join() !== a.join() || a.join() !== c.join(), `${rep.name}: clicking a findings header reorders its rows`);
      } else {
        ok(true, `${rep.name}: findings sort # SKIP fewer than 2 findings`);
      }
      // every finding link lands on its server section
      const links = await page.$$eval('#findings a.flink', (as) => as.map((a) => {
        const id = a.getAttribute('href').slice(1);
        const el = document.getElementById(id);
        const row = a.closest('tr');
        return { href: id, ep: a.textContent.trim(), section: !!el && el.matches('article.server'),
          names: !!el && el.querySelector('h3').textContent.includes(a.textContent.trim()),
          back: !!row && !!row.id && !!document.querySelector(`a[href="#${row.id}"]`) };
      }));
      const bad = links.filter((l) => !l.section || !l.names);
      ok(links.length > 0 || frows === 0 || (await page.$$eval('#findings td:nth-child(2)', (t) => t.every((c) => c.textContent.startsWith('client') || c.textContent === '-'))),
        `${rep.name}: findings rows link to server sections (${links.length} links)`);
      ok(bad.length === 0, `${rep.name}: every finding link targets its server's section (${links.length - bad.length}/${links.length})`, bad.slice(0, 5).map((l) => l.href).join(' '));
      ok(links.every((l) => l.back), `${rep.name}: every linked finding row has a link back from its section`);
      let landed = 0;
      const sample = links.slice(0, 12);
      for (const l of sample) {
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.click(`#findings a.flink[href="#${l.href}"] >> nth=0`);
        await page.waitForTimeout(50);
        const r = await page.evaluate((id) => {
          const el = document.getElementById(id);
          const b = el.getBoundingClientRect();
          return { hash: location.hash, top: b.top };
        }, l.href);
        if (r.hash === '#' + l.href && Math.abs(r.top) < 5) landed++;
      }
      ok(landed === sample.length, `${rep.name}: clicking finding links scrolls to the section (${landed}/${sample.length})`);
      cards = await page.$$eval('article.problem', (a) => a.length);
      tables = await page.$$eval('table', (t) => t.length);
      ok(await page.$$eval('input.filter', (f) => f.length) === await page.$$eval('table.sortable', (t) => t.length),
        `${rep.name}: every sortable table gets a filter box`);
      if (await page.$('#servers-table')) {
        const all = await page.$$eval('#servers-table tbody tr', (r) => r.length);
        const target = await page.$eval('#servers-table tbody tr td', (td) => td.textContent.trim());
        await page.fill('#servers input.filter', target);
        const shown = await page.$$eval('#servers-table tbody tr', (rs) => rs.filter((r) => !r.hidden).length);
        ok(shown >= 1 && (all === 1 || shown < all), `${rep.name}: typing a server into the filter keeps ${shown} of ${all} rows`);
      }
    }
    await ctx.close();
  }
  ok(errors.length === 0, `${rep.name}: no script errors, console warnings or network requests`, errors.slice(0, 5).join('\n'));
  // JavaScript disabled: every card and table still shown
  {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(url);
    const r = await page.evaluate(() => ({
      cards: [...document.querySelectorAll('article.problem')].filter((a) => a.offsetHeight > 0).length,
      tables: [...document.querySelectorAll('table')].filter((t) => t.offsetHeight > 0).length,
      rows: [...document.querySelectorAll('tbody tr')].filter((t) => t.offsetHeight === 0).length,
      fixes: [...document.querySelectorAll('.fix')].filter((t) => t.offsetHeight > 0).length,
    }));
    ok(r.cards === cards && r.tables === tables && r.rows === 0, `${rep.name}: without JavaScript all ${cards} cards and ${tables} tables are shown, no row hidden`, JSON.stringify(r));
    await page.screenshot({ path: path.join(out, `report-${rep.name}-nojs.png`) });
    await ctx.close();
  }
  // prefers-color-scheme: dark gives a dark page with light text
  {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'dark' });
    const page = await ctx.newPage();
    await page.goto(url);
    const lum = await page.evaluate(() => {
      const l = (c) => { const m = c.match(/\d+/g).map(Number); return (0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2]) / 255; };
      return { bg: l(getComputedStyle(document.body).backgroundColor), fg: l(getComputedStyle(document.body).color) };
    });
    ok(lum.bg < 0.25 && lum.fg > 0.6, `${rep.name}: dark color scheme (background ${lum.bg.toFixed(2)}, text ${lum.fg.toFixed(2)})`);
    await page.screenshot({ path: path.join(out, `report-${rep.name}-dark.png`) });
    await ctx.close();
  }
  // print: page.pdf, and the print layout at the A4 content width
  {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(url);
    const pdf = path.join(out, `report-${rep.name}.pdf`);
    await page.pdf({ path: pdf, format: 'A4', margin: { top: '12mm', bottom: '12mm', left: '12mm', right: '12mm' } });
    const size = fs.statSync(pdf).size;
    const pages = (fs.readFileSync(pdf, 'latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
    // A4 210 mm - 24 mm of margins = 186 mm = 703 CSS px
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: 703, height: 1000 });
    const wide = await page.evaluate(() => [...document.querySelectorAll('table, pre, svg, article')]
      .filter((t) => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1 ||
        t.scrollWidth > t.clientWidth + 1)
      .map((t) => `${t.tagName}#${t.id} ${Math.round(t.getBoundingClientRect().right)}`));
    ok(size > 1000 && pages > 0 && wide.length === 0, `${rep.name}: printed (${pages} A4 pages), no table wider than the page`, wide.slice(0, 5).join('\n'));
    await ctx.close();
  }
}

(async () => {
  // Playwright gives the browser a fresh --user-data-dir of its own (a new
  // temporary profile, removed at close; it refuses one in args), under TMPDIR:
  // point that at a directory of ours so nothing outlives the run.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smtpscope-chromium-'));
  let browser = null;
  try {
    browser = await chromium.launch({ executablePath: CHROME, args: ARGS, headless: true,
      env: { ...process.env, TMPDIR: dir } });
  } catch (e) {
    console.log('# launch: ' + String(e).split('\n')[0]);
  }
  try {
    if (!browser) throw new Error('chromium did not start');
    for (const rep of reports) await checkReport(browser, rep);
  } catch (e) {
    ok(false, 'browser run', e.stack);
  } finally {
    if (browser) await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`1..${n}`);
  console.log(`# ${n - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
