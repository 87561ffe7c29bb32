#!/usr/bin/env node
// Headless-Chromium test of the served site's search box (assets/search.js).
//
//   node tests/browser/search.test.mjs BASE_URL
//
// BASE_URL is a running `supportbook serve` (http://127.0.0.1:PORT/). Opens the KB overview,
// opens mdBook's search bar, types a customer's words and checks that the results come from
// GET /api/search (titles, snippets with highlighted words, product/tag chips), that the filter
// chips are the few with the most results, with counts, drawn as the site's tag pills and
// legible (WCAG contrast 4.5 or more) in the light and dark themes, that a product chip filters
// them, and that mdBook's own offline search did not answer instead. Screenshots of the chips in
// each theme go to /tmp/sb-search-chips-THEME.png.
// Needs Debian's /usr/bin/chromium (or SB_CHROMIUM=path) and `npm ci` in this folder.
// Exit code 0 only when every check passed; the last line is "N passed, 0 failed".

import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.SB_CHROMIUM || '/usr/bin/chromium';
let passed = 0;

function check(condition, what, detail) {
  if (!condition) {
    throw new Error(detail === undefined ? what : `${what}\n      ${detail}`);
  }
  passed += 1;
  console.log(`ok ${passed} - ${what}`);
}

async function main() {
  const base = process.argv[2];
  if (!base) {
    console.error('usage: node tests/browser/search.test.mjs BASE_URL');
    process.exit(2);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1200 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const apiCalls = [];
    page.on('request', (req) => { if (req.url().includes('/api/search')) apiCalls.push(req.url()); });

    await page.goto(new URL('kb/index.html', base).href);
    await page.waitForFunction(() => document.documentElement.dataset.supportbookSearch === 'api', null, { timeout: 10000 });
    check(true, 'the search box found /api/search');

    await page.click('#mdbook-search-toggle');
    const bar = page.locator('#mdbook-searchbar');
    await bar.waitFor({ state: 'visible', timeout: 10000 });
    await bar.pressSequentially('my site still shows the old host', { delay: 20 });

    const first = page.locator('#mdbook-searchresults li.supportbook-hit').first();
    await first.waitFor({ timeout: 10000 });
    // Results for a prefix of the query may show first (typing is debounced):
    // wait for the answer to the whole query.
    await page.waitForFunction(() => /for 'my site still shows the old host'/.test(
      (document.querySelector('#mdbook-searchresults-header') || {}).textContent || ''), null, { timeout: 15000 });
    const titles = await page.locator('#mdbook-searchresults li.supportbook-hit > a').allTextContents();
    check(titles.length > 0, `results appear as you type (${titles.length})`);
    check(titles.some((t) => /DNS change/.test(t)), 'the DNS article is among them', titles.join(' | '));
    check(apiCalls.some((u) => u.includes('q=my+site+still')), 'they came from /api/search', apiCalls.join('\n'));
    const href = await page.locator('#mdbook-searchresults li.supportbook-hit > a').first().getAttribute('href');
    check(/^\/kb\/.+\.html$/.test(href || ''), `results link to article pages (${href})`);
    const bold = await page.locator('#mdbook-searchresults li.supportbook-hit .teaser b').count();
    check(bold > 0, 'snippets highlight the matched words');
    const header = await page.locator('#mdbook-searchresults-header').textContent();
    check(/results? for 'my site still shows the old host'/.test(header || ''), `the header counts them (${header})`);

    // Filter chips: the few products and tags most results share, with counts.
    const offered = await page.locator('#supportbook-search-filters button').evaluateAll((bs) =>
      bs.map((b) => ({ value: b.dataset.value, count: Number(b.dataset.count), text: b.textContent, pill: b.classList.contains('sb-chip'), radius: parseFloat(getComputedStyle(b).borderTopLeftRadius) })));
    check(offered.length >= 1 && offered.length <= 6, `at most 6 filter chips (${offered.length})`, JSON.stringify(offered));
    check(offered.every((c, i) => i === 0 || offered[i - 1].count >= c.count), 'the chips with the most results come first', JSON.stringify(offered));
    check(offered.every((c) => c.count > 0 && c.text.endsWith(String(c.count))), 'each chip shows its count', JSON.stringify(offered));
    check(offered.every((c) => c.pill && c.radius >= 8), 'chips are the site\'s rounded tag pills (.sb-chip)', JSON.stringify(offered));
    const chip = page.locator('#supportbook-search-filters button[data-kind="product"][data-value="dns"]');
    check(await chip.count() === 1, 'a "dns" product chip is offered');
    const before = apiCalls.length;
    await chip.click();
    await page.waitForFunction((n) => performance.getEntriesByType('resource').filter((e) => e.name.includes('product=dns')).length > 0, before, { timeout: 10000 });
    await page.waitForFunction(() => {
      const c = document.querySelector('#supportbook-search-filters button[data-value="dns"]');
      return c && c.getAttribute('aria-pressed') === 'true';
    }, null, { timeout: 10000 });
    // Wait until the filtered answer has replaced the unfiltered one.
    await page.waitForFunction(() => {
      const hits = Array.from(document.querySelectorAll('#mdbook-searchresults li.supportbook-hit'));
      return hits.length > 0 && hits.every((li) => /\bdns\b/.test(li.textContent || ''));
    }, null, { timeout: 15000 }).catch(() => {});
    const filtered = await page.locator('#mdbook-searchresults li.supportbook-hit').count();
    check(filtered > 0, `filtered results shown (${filtered})`);
    const chipsText = await page.locator('#mdbook-searchresults li.supportbook-hit').allTextContents();
    check(chipsText.every((t) => /\bdns\b/.test(t)), 'every filtered result is a dns article', chipsText.join('\n'));

    // Legible in every theme: the text of each chip, pressed or not, against
    // what is behind it (WCAG contrast ratio).
    for (const theme of ['light', 'rust', 'coal', 'navy', 'ayu']) {
      const ratios = await page.evaluate((t) => {
        const h = document.documentElement;
        h.classList.remove('light', 'rust', 'coal', 'navy', 'ayu');
        h.classList.add(t);
        const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
        const lum = (c) => {
          const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
          return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
        };
        const behind = (el) => {
          for (let e = el; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
          }
          return [255, 255, 255];
        };
        return Array.from(document.querySelectorAll('#supportbook-search-filters button')).map((b) => {
          const a = lum(rgb(getComputedStyle(b).color));
          const z = lum(behind(b));
          return { value: b.dataset.value, on: b.classList.contains('active'), ratio: (Math.max(a, z) + 0.05) / (Math.min(a, z) + 0.05) };
        });
      }, theme);
      check(ratios.some((r) => r.on) && ratios.every((r) => r.ratio >= 4.5), `chips are legible in the ${theme} theme`, JSON.stringify(ratios));
      await page.locator('#supportbook-search-filters').screenshot({ path: `/tmp/sb-search-chips-${theme}.png` });
    }
    await page.evaluate(() => { const h = document.documentElement; h.classList.remove('rust', 'coal', 'navy', 'ayu'); h.classList.add('light'); });

    // mdBook's offline search would render li without our class.
    const foreign = await page.locator('#mdbook-searchresults li:not(.supportbook-hit)').count();
    check(foreign === 0, 'mdBook\'s offline search did not answer as well');
    check(errors.length === 0, 'no script errors', errors.join('\n'));
    await page.screenshot({ path: '/tmp/sb-search.png' });
  } finally {
    await browser.close();
  }
  console.log(`${passed} passed, 0 failed`);
}

main().catch((e) => {
  console.log(`not ok - ${e.message}`);
  console.log(`${passed} passed, 1 failed`);
  process.exit(1);
});
