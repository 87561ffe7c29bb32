#!/usr/bin/env node
// Headless-Chromium test of the HTML results report (`supportbook results report --format html`).
//
//   node tests/browser/report.test.mjs REPORT_PATH
//
// Opens the report from disk at 1280 x 800 and checks that the page itself never scrolls
// sideways: the learners table fits, or scrolls inside its own box with the learners' names kept
// in view. Screenshots: /tmp/sb-report-1280.png (as opened) and /tmp/sb-report-1280-scrolled.png
// (the table's box scrolled to its end). Needs Debian's /usr/bin/chromium (or SB_CHROMIUM=path)
// and `npm ci` in this folder. The last line is "N passed, 0 failed".

import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

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
  const path = process.argv[2];
  if (!path) {
    console.error('usage: node tests/browser/report.test.mjs REPORT_PATH');
    process.exit(2);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(resolve(path)).href);

    const m = await page.evaluate(() => {
      const box = document.querySelector('.table-scroll');
      const table = box && box.querySelector('table');
      const r = box ? box.getBoundingClientRect() : null;
      return {
        pageWidth: document.documentElement.scrollWidth,
        viewport: window.innerWidth,
        box: !!box,
        boxRight: r ? r.right : 0,
        overflow: box ? getComputedStyle(box).overflowX : '',
        tableWidth: table ? table.getBoundingClientRect().width : 0,
        boxWidth: box ? box.clientWidth : 0,
        columns: table ? table.querySelectorAll('thead th').length : 0,
      };
    });
    check(m.box && m.columns > 1, `the learners table is in its own box (${m.columns} columns)`);
    check(m.pageWidth <= m.viewport, `the page does not scroll sideways at 1280 px (${m.pageWidth} px wide)`);
    check(m.boxRight <= m.viewport, `the table's box ends inside the page (${Math.round(m.boxRight)} px)`);
    check(m.tableWidth <= m.boxWidth || m.overflow === 'auto',
      `a table wider than its box (${Math.round(m.tableWidth)} > ${m.boxWidth} px) scrolls inside it`, JSON.stringify(m));
    await page.screenshot({ path: '/tmp/sb-report-1280.png', fullPage: true });

    if (m.tableWidth > m.boxWidth) {
      const before = await page.evaluate(() => document.querySelector('.learners tbody th').getBoundingClientRect().left);
      await page.evaluate(() => { const b = document.querySelector('.table-scroll'); b.scrollLeft = b.scrollWidth; });
      const after = await page.evaluate(() => {
        const b = document.querySelector('.table-scroll');
        return { left: document.querySelector('.learners tbody th').getBoundingClientRect().left, scrolled: b.scrollLeft };
      });
      check(after.scrolled > 0, `the box scrolls (${after.scrolled} px)`);
      check(Math.abs(after.left - before) < 1, 'the learners\' names stay in view while it scrolls', `${before} -> ${after.left}`);
      await page.screenshot({ path: '/tmp/sb-report-1280-scrolled.png', fullPage: true });
    }
    check(errors.length === 0, 'no script errors', errors.join('\n'));
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
