#!/usr/bin/env node
// Headless-Chromium test of supportbook's quiz widget (assets/quiz.js).
//
//   node tests/browser/quiz.test.mjs PAGE_PATH QUIZ_ID
//   node tests/browser/quiz.test.mjs --served PAGE_URL QUIZ_ID
//
// PAGE_PATH is an HTML file on disk (tests/browser/fixture.html, or a page of a built book);
// QUIZ_ID the data-quiz-id of the quiz on it to drive. The page is opened over file://; the
// quiz JSON is read from the page, so the expected results are computed here, independently of
// the widget. A last phase serves the same page over http on 127.0.0.1 and checks the attempt
// POST. With --served, PAGE_URL is a page of a running `supportbook serve`: the quiz is taken
// there and the server must store the attempt (see servedMain). Needs Debian's /usr/bin/chromium (or SB_CHROMIUM=path) and `npm install` in this folder.
// Screenshots go to /tmp (SB_SCREENSHOTS=dir to change). Exit code 0 only when every check passed.

import { chromium } from 'playwright-core';
import { existsSync, readFileSync, statSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM = process.env.SB_CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.SB_SCREENSHOTS || '/tmp';
const LEARNER = 'Test Trainee <b>';
let shotTag = ''; // file-name prefix of the screenshots of the current phase
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// ------------------------------------------------------------------ checks and reporting

let passed = 0;
class CheckFailed extends Error {}

function check(condition, what, detail) {
  if (!condition) {
    throw new CheckFailed(detail === undefined ? what : `${what}\n      ${detail}`);
  }
  passed += 1;
  console.log(`ok ${passed} - ${what}`);
}

function note(text) {
  console.log(`# ${text}`);
}

/** Screenshot of one quiz, in SHOTS: look at these to judge how the widget reads. */
async function shoot(root, name) {
  await root.screenshot({ path: path.join(SHOTS, `sb-quiz-${name}.png`) });
}

function squash(text) {
  return String(text ?? '').replace(/\s+/g, ' ').trim();
}

// ------------------------------------------------------------------ the rules, re-implemented

function normaliseShort(text) {
  return String(text ?? '').trim().toLowerCase().replace(/\.$/, '').trim();
}

function normaliseOutput(text) {
  return String(text ?? '').replace(/\r\n?/g, '\n').split('\n')
    .map((line) => line.replace(/\s+$/, '')).join('\n').replace(/^\n+|\n+$/g, '');
}

/** Best points reachable from a scenario node, and the choice index that gets them. */
function bestFrom(question, nodeId, seen = new Set()) {
  const node = question.nodes[nodeId];
  if (!node || node.outcome || !node.choices?.length || seen.has(nodeId)) return { points: 0, index: -1 };
  let best = { points: -Infinity, index: -1 };
  node.choices.forEach((choice, index) => {
    const total = (Number(choice.points) || 0) + bestFrom(question, choice.next, new Set([...seen, nodeId])).points;
    if (total > best.points) best = { points: total, index };
  });
  return best;
}

function expectedSummary(quiz, latest) {
  let points = 0;
  const missed = [];
  for (const q of quiz.questions) {
    const a = latest.get(q.id);
    points += a ? a.credit : 0;
    if (!a || !a.correct) missed.push(q.id);
  }
  const score = points / quiz.questions.length;
  const pass = quiz.passPercent ?? 70;
  return {
    score,
    percent: Math.floor(score * 100 + 1e-9),
    passed: score * 100 + 1e-9 >= pass,
    missed,
  };
}

// ------------------------------------------------------------------ page helpers

function quizRoot(page, quizId) {
  return page.locator(`.sb-quiz[data-quiz-id="${quizId}"]`);
}

async function readQuizJson(page, quizId) {
  const text = await quizRoot(page, quizId).locator('script.sb-quiz-data').textContent();
  const quiz = JSON.parse(text);
  quiz.byId = new Map(quiz.questions.map((q) => [q.id, q]));
  return quiz;
}

/** Plain text of an HTML fragment, computed by the browser the same way a reader sees it. */
async function htmlText(page, html) {
  return page.evaluate((source) => {
    const t = document.createElement('template');
    t.innerHTML = source ?? '';
    return t.content.textContent.replace(/\s+/g, ' ').trim();
  }, html);
}

async function currentQuestion(root, quiz) {
  const view = root.locator('.sb-quiz-question');
  await view.waitFor();
  const id = await view.getAttribute('data-question-id');
  const heading = squash(await view.locator('.sb-quiz-question-heading').textContent());
  return { id, q: quiz.byId.get(id), view, heading };
}

/** Where the keyboard focus is, described from inside the page. */
async function focusInfo(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'BODY' };
    const item = el.closest('.sb-quiz-order-item');
    return {
      tag: el.tagName,
      type: el.getAttribute('type'),
      className: el.className,
      text: el.textContent.replace(/\s+/g, ' ').trim(),
      move: el.getAttribute('data-move'),
      itemIndex: item ? item.getAttribute('data-item-index') : null,
      itemPosition: item ? Array.from(item.parentNode.children).indexOf(item) : null,
      choiceIndex: el.closest('[data-choice-index]')?.getAttribute('data-choice-index') ?? null,
      outline: getComputedStyle(el).outlineStyle,
    };
  });
}

async function clickNextAndCheckFocus(page, root, label) {
  await root.locator('.sb-quiz-next').click();
  const f = await focusInfo(page);
  check(f.tag === 'H3' && /sb-quiz-question-heading/.test(f.className),
    `${label}: after Next, focus is on the new heading ("${f.text}")`, JSON.stringify(f));
}

// ------------------------------------------------------------------ answering each type

/**
 * Answers the question on screen. `how`: 'right', 'wrong' or 'any' (a fixed mix).
 * Returns what the test expects the widget to record: { correct, credit }.
 */
async function answer(page, root, quiz, how, stats) {
  const { q, view } = await currentQuestion(root, quiz);
  switch (q.type) {
    case 'MultipleChoice': return answerChoice(page, view, q, how === 'wrong' ? 'wrong' : 'right', stats);
    case 'ShortAnswer': return answerShort(page, view, q, how);
    case 'Tracing': return answerTracing(page, view, q);
    case 'Ordering': return how === 'wrong' ? answerOrderingAsShown(page, view, q) : answerOrdering(page, view, q, stats);
    case 'Scenario': return answerScenario(page, view, q, how === 'right' ? 'best' : 'mixed');
    default: throw new CheckFailed(`question ${q.id} has a type this test does not know: ${q.type}`);
  }
}

async function checkVerdict(view, q, expectCorrect) {
  const verdict = squash(await view.locator('.sb-quiz-feedback .sb-quiz-verdict-line').textContent());
  const saysRight = /Correct!|Full marks!/.test(verdict);
  check(saysRight === expectCorrect, `${q.id}: feedback says ${expectCorrect ? 'right' : 'wrong'} ("${verdict}")`);
}

async function checkContextShown(page, view, q) {
  if (!q.context) return;
  const want = await htmlText(page, q.context);
  const got = squash(await view.locator('.sb-quiz-feedback').innerText());
  check(got.includes(want), `${q.id}: the explanation (context) is shown after checking`, `wanted "${want}" in "${got}"`);
}

async function answerChoice(page, view, q, how, stats) {
  const labels = view.locator('label.sb-quiz-choice');
  const count = await labels.count();
  check(count === q.choices.length, `${q.id}: all ${q.choices.length} choices are shown`);
  const shown = [];
  for (let i = 0; i < count; i += 1) shown.push(Number(await labels.nth(i).getAttribute('data-choice-index')));
  if (q.sortAnswers) {
    const texts = [];
    for (const i of shown) texts.push(await htmlText(page, q.choices[i].html));
    const sorted = texts.slice().sort((a, b) => a.localeCompare(b));
    check(JSON.stringify(texts) === JSON.stringify(sorted), `${q.id}: sortAnswers shows the choices sorted by text`);
  }
  const multiple = q.multiple === true || q.choices.filter((c) => c.correct).length > 1;
  const inputType = await labels.first().locator('input').getAttribute('type');
  check(inputType === (multiple ? 'checkbox' : 'radio'), `${q.id}: ${multiple ? 'checkboxes' : 'radio buttons'} for ${multiple ? 'several' : 'one'} right answer(s)`);
  check(await view.locator('fieldset legend').count() > 0, `${q.id}: the choices are a fieldset with a legend`);

  let pick;
  if (how === 'right') {
    pick = q.choices.map((c, i) => (c.correct ? i : -1)).filter((i) => i >= 0);
  } else {
    const wrong = q.choices.map((c, i) => (c.correct ? -1 : i)).filter((i) => i >= 0);
    if (!wrong.length) throw new CheckFailed(`${q.id}: has no wrong choice to pick`);
    pick = [wrong.find((i) => q.choices[i].feedback) ?? wrong[0]];
  }
  for (const i of pick) await view.locator(`label[data-choice-index="${i}"] input`).check();
  await view.locator('.sb-quiz-check').click();
  const expectCorrect = how === 'right';
  await checkVerdict(view, q, expectCorrect);

  const feedback = squash(await view.locator('.sb-quiz-feedback').innerText());
  for (const i of pick) {
    if (!q.choices[i].feedback) continue;
    const want = await htmlText(page, q.choices[i].feedback);
    check(feedback.includes(want), `${q.id}: feedback of the chosen ${q.choices[i].correct ? 'right' : 'wrong'} choice is shown`,
      `wanted "${want}" in "${feedback}"`);
    if (!q.choices[i].correct) stats.wrongFeedbackSeen = true;
  }
  for (const i of q.choices.keys()) {
    if (!q.choices[i].correct) continue;
    const marked = await view.locator(`label[data-choice-index="${i}"].is-right`).count();
    check(marked === 1, `${q.id}: right choice ${i} is marked right after checking`);
  }
  await checkContextShown(page, view, q);
  return { correct: expectCorrect, credit: expectCorrect ? 1 : 0 };
}

async function answerShort(page, view, q, how) {
  const answers = q.answers || [];
  // 'right' and 'any' use the last accepted answer, shouted, padded and with a full stop.
  const text = how === 'wrong' || !answers.length
    ? 'definitely not this'
    : `  ${answers[answers.length - 1].toUpperCase()}. `;
  const input = view.locator('.sb-quiz-text-input');
  await input.fill(text);
  await input.press('Enter'); // Enter in a short answer submits
  const correct = answers.some((a) => normaliseShort(a) === normaliseShort(text));
  await checkVerdict(view, q, correct);
  await checkContextShown(page, view, q);
  return { correct, credit: correct ? 1 : 0 };
}

async function answerTracing(page, view, q) {
  const code = await view.locator('.sb-quiz-program code').first().textContent();
  check(code === q.program, `${q.id}: the program is shown as plain text, exactly`);
  await view.locator(`input[type=radio][value="${q.doesCompile ? 'yes' : 'no'}"]`).check();
  if (q.doesCompile) {
    const out = view.locator('textarea.sb-quiz-code-input');
    check(await out.isVisible(), `${q.id}: "What does it print?" appears after answering yes`);
    await out.fill(q.stdout ?? '');
  }
  await view.locator('.sb-quiz-check').click();
  await checkVerdict(view, q, true);
  if (q.doesCompile && normaliseOutput(q.stdout)) {
    const shown = await view.locator('.sb-quiz-feedback .sb-quiz-program code').textContent();
    check(shown === normaliseOutput(q.stdout), `${q.id}: the expected output is shown as plain text`);
  }
  return { correct: true, credit: 1 };
}

/** Sorts the list with the keyboard only (Up buttons + Enter), checking focus follows the item. */
async function answerOrdering(page, view, q, stats) {
  const items = q.items || [];
  const readOrder = async () => view.locator('.sb-quiz-order-item')
    .evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-item-index'))));
  let order = await readOrder();
  check(order.length === items.length, `${q.id}: all ${items.length} items are listed`);
  if (new Set(items).size > 1) {
    check(!order.every((idx, pos) => items[idx] === items[pos]), `${q.id}: items do not start in the right order`);
  }
  await shoot(view, `${shotTag}ordering-before`);
  for (let target = 0; target < items.length; target += 1) {
    let from = order.findIndex((idx, pos) => pos >= target && items[idx] === items[target]);
    if (from === target) continue;
    const moving = order[from];
    await view.locator('.sb-quiz-order-item').nth(from).locator('[data-move="up"]').focus();
    while (from > target) {
      await page.keyboard.press('Enter');
      from -= 1;
      const f = await focusInfo(page);
      check(Number(f.itemIndex) === moving && f.itemPosition === from && f.tag === 'BUTTON',
        `${q.id}: after moving up with Enter, focus stays on the moved item (now ${from + 1})`, JSON.stringify(f));
    }
    order = await readOrder();
  }
  check(order.every((idx, pos) => items[idx] === items[pos]), `${q.id}: the list is in the right order after moving`);
  stats.orderingByKeyboard = true;
  await view.locator('.sb-quiz-check').click();
  await checkVerdict(view, q, true);
  return { correct: true, credit: 1 };
}

/** Checks the list exactly as it was shuffled: wrong whenever the items are distinct. */
async function answerOrderingAsShown(page, view, q) {
  const items = q.items || [];
  const order = await view.locator('.sb-quiz-order-item')
    .evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-item-index'))));
  const correct = order.every((idx, pos) => items[idx] === items[pos]);
  await view.locator('.sb-quiz-check').click();
  await checkVerdict(view, q, correct);
  if (!correct) {
    check(await view.locator('.sb-quiz-right-order li').count() === items.length, `${q.id}: the right order is shown after a wrong one`);
  }
  return { correct, credit: correct ? 1 : 0 };
}

/** 'mixed' picks choice (step % count) at each node; 'best' follows the best path. */
async function answerScenario(page, view, q, how) {
  check(await view.locator('.sb-quiz-chat[role="log"]').count() === 1, `${q.id}: the chat is a role="log" region`);
  let nodeId = q.start || Object.keys(q.nodes)[0];
  let points = 0;
  let step = 0;
  while (true) {
    const node = q.nodes[nodeId];
    if (!node || node.outcome || !node.choices?.length) break;
    const last = view.locator('.sb-quiz-msg--customer').last();
    check(squash(await last.locator('.sb-quiz-msg-text').innerText()) === await htmlText(page, node.says),
      `${q.id}: the customer's line at "${nodeId}" is shown`);
    const meta = squash(await last.locator('.sb-quiz-msg-meta').innerText()).toLowerCase();
    check(!node.mood || meta.includes(String(node.mood).toLowerCase()), `${q.id}: the mood label is shown ("${meta}")`);
    const index = how === 'best' ? bestFrom(q, nodeId).index : step % node.choices.length;
    const choice = node.choices[index];
    const buttons = view.locator('.sb-quiz-reply');
    check(await buttons.count() === node.choices.length, `${q.id}: ${node.choices.length} reply buttons at "${nodeId}"`);
    await buttons.nth(index).click();
    points += Number(choice.points) || 0;
    const agent = squash(await view.locator('.sb-quiz-msg--agent').last().innerText());
    check(agent.includes(await htmlText(page, choice.text)), `${q.id}: the chosen reply appears in the chat`);
    const noteText = squash(await view.locator('.sb-quiz-msg-note').last().innerText());
    const wantPoints = `${(Number(choice.points) || 0) > 0 ? '+' : ''}${Number(choice.points) || 0} point`;
    check(noteText.includes(wantPoints), `${q.id}: the reply's points are shown ("${noteText}")`);
    if (choice.feedback) {
      check(noteText.includes(await htmlText(page, choice.feedback)), `${q.id}: the reply's feedback is shown`);
    }
    nodeId = choice.next;
    step += 1;
    if (step === 1) {
      await shoot(view, `${shotTag}scenario-midway`);
      // Reload mid-conversation: the chat so far comes back and the conversation goes on.
      const before = squash(await view.locator('.sb-quiz-chat').innerText());
      await page.reload();
      check(squash(await view.locator('.sb-quiz-chat').innerText()) === before,
        `${q.id}: after a reload mid-conversation, the chat so far is shown again`);
    }
  }
  const outcome = squash(await view.locator('.sb-quiz-outcome').innerText());
  const wantOutcome = q.nodes[nodeId]?.outcome || 'neutral';
  check(outcome.toLowerCase().includes(wantOutcome) && outcome.includes(`${points} of ${q.maxPoints} points`),
    `${q.id}: the ending shows the ${wantOutcome} outcome and ${points} of ${q.maxPoints} points`, outcome);
  const correct = points >= q.maxPoints;
  await checkVerdict(view, q, correct);
  await checkContextShown(page, view, q);
  return { correct, credit: q.maxPoints > 0 ? Math.min(1, points / q.maxPoints) : 0 };
}

// ------------------------------------------------------------------ summary checks

async function checkSummary(page, root, quiz, latest, label) {
  const summary = root.locator('.sb-quiz-summary');
  await summary.waitFor();
  const want = expectedSummary(quiz, latest);
  const percent = squash(await summary.locator('.sb-quiz-percent').textContent());
  const verdict = squash(await summary.locator('.sb-quiz-verdict').textContent());
  check(percent === `${want.percent}%`, `${label}: score is ${want.percent}%`, `page shows "${percent}"`);
  check(verdict === (want.passed ? 'PASSED' : 'NOT YET'), `${label}: verdict is ${want.passed ? 'PASSED' : 'NOT YET'} (pass mark ${quiz.passPercent ?? 70}%)`, `page shows "${verdict}"`);
  const missed = await summary.locator('.sb-quiz-missed li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-question-id')));
  check(JSON.stringify(missed.slice().sort()) === JSON.stringify(want.missed.slice().sort()),
    `${label}: the missed list names ${want.missed.length ? want.missed.join(', ') : 'no question'}`, `page lists ${missed.join(', ')}`);
  const retry = await summary.locator('.sb-quiz-retry').count();
  check(retry === (want.missed.length ? 1 : 0), `${label}: "Retry the ones I missed" is ${want.missed.length ? 'offered' : 'not offered'}`);
  return want;
}

async function checkExport(page, root, quiz, latest, tries, learner) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    root.locator('.sb-quiz-export').click(),
  ]);
  const file = await download.path();
  const statements = JSON.parse(readFileSync(file, 'utf8'));
  const want = expectedSummary(quiz, latest);
  check(Array.isArray(statements) && statements.length === tries + 1,
    `export: an array of ${tries + 1} xAPI statements (${tries} answers + the quiz)`, `got ${statements.length}`);
  const answered = statements.slice(0, -1);
  const final = statements[statements.length - 1];
  const ids = new Set(statements.map((s) => s.id));
  check(statements.every((s) => UUID_V4.test(s.id)) && ids.size === statements.length, 'export: every statement has its own UUID v4 id');
  check(statements.every((s) => !Number.isNaN(Date.parse(s.timestamp)) && /T.*Z$/.test(s.timestamp)), 'export: every statement has an ISO 8601 timestamp');
  const who = learner || 'anonymous';
  check(statements.every((s) => s.actor?.objectType === 'Agent' && s.actor.name === who &&
    s.actor.account?.homePage === 'urn:supportbook' && s.actor.account.name === who), `export: the actor is "${who}"`);
  check(answered.every((s) => s.verb.id === 'http://adlnet.gov/expapi/verbs/answered' && s.verb.display['en-US'] === 'answered'),
    'export: answers use the "answered" verb');
  check(answered.every((s) => quiz.byId.has(s.object.id.replace(`urn:supportbook:quiz:${quiz.id}/question/`, '')) &&
    s.object.id.startsWith(`urn:supportbook:quiz:${quiz.id}/question/`)), 'export: answer object ids are urn:supportbook:quiz:<quiz>/question/<question>');
  check(answered.every((s) => typeof s.result.response === 'string' && typeof s.result.success === 'boolean' &&
    typeof s.result.score.scaled === 'number' && typeof s.result.score.raw === 'number' && typeof s.result.score.max === 'number'),
  'export: answer results carry success, a string response and score {scaled, raw, max}');
  const sc = answered.find((s) => quiz.byId.get(s.object.id.split('/question/')[1]).type !== 'ShortAnswer');
  if (sc) check(JSON.parse(sc.result.response) !== undefined, 'export: non-string responses are JSON-encoded');
  const verb = want.passed ? 'passed' : 'failed';
  check(final.verb.id === `http://adlnet.gov/expapi/verbs/${verb}` && final.verb.display['en-US'] === verb,
    `export: the quiz statement says "${verb}"`);
  check(final.object.id === `urn:supportbook:quiz:${quiz.id}` && final.object.definition.name['en-US'] === quiz.title,
    'export: the quiz statement names the quiz and its title');
  check(final.result.success === want.passed && Math.abs(final.result.score.scaled - want.score) < 1e-9,
    `export: the quiz statement's score is ${want.score.toFixed(4)}`);
}

// ------------------------------------------------------------------ a tiny http server for the POST check

/**
 * The folder to serve over http: where the page's `path_to_root` points (a built book's root),
 * else the closest ancestor holding book.toml or .git, else the page's own folder.
 */
function serveRootFor(pagePath, toRoot) {
  if (toRoot) return path.resolve(path.dirname(pagePath), toRoot);
  let dir = path.dirname(pagePath);
  while (true) {
    if (existsSync(path.join(dir, 'book.toml')) || existsSync(path.join(dir, '.git'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.dirname(pagePath);
    dir = up;
  }
}

function startServer(rootDir) {
  const posts = [];
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2' };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        posts.push({ path: url.pathname, type: req.headers['content-type'], body });
        res.writeHead(201, { 'Content-Type': 'application/json' }).end('{}');
      });
      return;
    }
    const file = path.join(rootDir, decodeURIComponent(url.pathname));
    if (!(file === rootDir || file.startsWith(rootDir + path.sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, posts, port: server.address().port }));
  });
}

// ------------------------------------------------------------------ the run

async function openPage(context, url, errors) {
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location()?.url || '';
    if (/\/favicon\.ico$/.test(where)) return; // the browser asks for it on its own
    errors.push(`console error: ${msg.text()} ${where}`);
  });
  await page.goto(url);
  return page;
}

/** Goes through the quiz from the current question to the summary. */
async function runThrough(page, root, quiz, plan, latest, stats, label) {
  let tries = 0;
  while (await root.locator('.sb-quiz-question').count()) {
    const { id, q } = await currentQuestion(root, quiz);
    const how = plan(q);
    const got = await answer(page, root, quiz, how, stats);
    latest.set(id, got);
    tries += 1;
    await shoot(root, `${shotTag}q${tries}-${q.type}`);
    await clickNextAndCheckFocus(page, root, label);
  }
  return tries;
}

async function main() {
  if (process.argv[2] === '--served') {
    await servedMain(process.argv[3], process.argv[4]);
    return;
  }
  const [pageArg, quizId] = process.argv.slice(2);
  if (!pageArg || !quizId) {
    console.error('usage: node tests/browser/quiz.test.mjs PAGE_PATH QUIZ_ID');
    process.exit(2);
  }
  const pagePath = path.resolve(pageArg);
  if (!existsSync(pagePath)) throw new CheckFailed(`no such page: ${pagePath}`);
  if (!existsSync(CHROMIUM)) throw new CheckFailed(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set SB_CHROMIUM)`);
  mkdirSync(SHOTS, { recursive: true });

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const toRoot = await fileRun(browser, pagePath, quizId);
    await httpRun(browser, pagePath, quizId, toRoot);
  } finally {
    await browser.close();
  }
  console.log(`${passed} passed, 0 failed`);
}

/**
 * `--served PAGE_URL QUIZ_ID`: on a page served by a real `supportbook serve`, take the quiz
 * (one Ordering question wrong, the rest right) as "served trainee", and check the server
 * answered the POST with 201. Prints `page score: S` so the caller can compare it with what
 * the server stored after grading the answers itself.
 */
async function servedMain(pageUrl, quizId) {
  if (!pageUrl || !quizId) {
    console.error('usage: node tests/browser/quiz.test.mjs --served PAGE_URL QUIZ_ID');
    process.exit(2);
  }
  if (!existsSync(CHROMIUM)) throw new CheckFailed(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set SB_CHROMIUM)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const errors = [];
    const context = await browser.newContext({ viewport: { width: 900, height: 1200 } });
    const page = await openPage(context, pageUrl, errors);
    shotTag = 'served-';
    const root = quizRoot(page, quizId);
    await checkStarted(root, `served (${pageUrl})`);
    await root.locator('.sb-quiz-learner-input').fill('served trainee');
    const quiz = await readQuizJson(page, quizId);
    const latest = new Map();
    const stored = page.waitForResponse((r) => r.url().endsWith('/api/attempts') && r.request().method() === 'POST');
    await runThrough(page, root, quiz, (q) => (q.type === 'Ordering' ? 'wrong' : 'any'), latest, {}, 'served');
    const want = await checkSummary(page, root, quiz, latest, 'served summary');
    const response = await stored;
    const body = await response.json();
    check(response.status() === 201 && body.stored === true, 'the served site stored the attempt (201)', `${response.status()} ${JSON.stringify(body)}`);
    check(errors.length === 0, 'no JavaScript errors on the served page', errors.join('\n      '));
    console.log(`page score: ${want.score}`);
    await context.close();
  } finally {
    await browser.close();
  }
  console.log(`${passed} passed, 0 failed`);
}

async function fileRun(browser, pagePath, quizId) {
  const errors = [];
  const context = await browser.newContext({ viewport: { width: 900, height: 1200 }, acceptDownloads: true });
  const url = pathToFileURL(pagePath).href;
  const page = await openPage(context, url, errors);
  const posts = [];
  page.on('request', (req) => { if (req.url().includes('api/attempts')) posts.push(req.url()); });

  const root = quizRoot(page, quizId);
  check(await root.count() === 1, `the page has the quiz "${quizId}"`);
  await checkStarted(root, 'file://');
  const quiz = await readQuizJson(page, quizId);
  const key = `supportbook-quiz:${quiz.id}:${quiz.hash}`;
  const n = quiz.questions.length;

  // Every quiz on the page starts, each exactly once.
  const all = await page.locator('.sb-quiz').count();
  check(await page.locator('.sb-quiz > .sb-quiz-app').count() === all, `all ${all} quizzes on the page started`);
  check(squash(await root.locator('.sb-quiz-title').textContent()).endsWith(quiz.title), 'the quiz title is shown as plain text');

  // A stale version of this quiz (other hash) is forgotten on load.
  await page.evaluate((k) => localStorage.setItem(k, '{"version":1}'), `supportbook-quiz:${quiz.id}:stale000`);
  await page.reload();
  check(await page.evaluate((k) => localStorage.getItem(k), `supportbook-quiz:${quiz.id}:stale000`) === null,
    'progress saved under another hash of this quiz is removed');

  // Learner name, remembered across quizzes.
  await root.locator('.sb-quiz-learner-input').fill(LEARNER);
  check(await page.evaluate(() => localStorage.getItem('supportbook-learner')) === LEARNER, 'the learner name is remembered in localStorage');

  // Question 1 of N, as a labelled group.
  let cur = await currentQuestion(root, quiz);
  check(cur.heading === `Question 1 of ${n}`, `the first screen says "Question 1 of ${n}"`, `got "${cur.heading}"`);
  const group = await cur.view.evaluate((el) => ({ role: el.getAttribute('role'), by: el.getAttribute('aria-labelledby') }));
  check(group.role === 'group' && group.by && await page.locator(`#${group.by}`).count() === 1,
    'the question is a role="group" labelled by its heading');
  check(await root.locator('.sb-quiz-feedback[aria-live="polite"]').count() === 1, 'feedback goes in an aria-live="polite" region');

  // Empty Check gives a hint, not a grade.
  if (cur.q.type !== 'Scenario' && cur.q.type !== 'Ordering') {
    await cur.view.locator('.sb-quiz-check').click();
    check(await cur.view.locator('.sb-quiz-hint').count() === 1 && await cur.view.locator('.sb-quiz-next').count() === 0,
      'Check with no answer asks for one and grades nothing');
  }

  const latest = new Map();
  const stats = { mcSeen: 0, wrongFeedbackSeen: false, orderingByKeyboard: false };
  let tries = 0;
  let position = 0;

  // First pass: first MultipleChoice right, next MultipleChoice wrong, the rest a fixed mix.
  while (await root.locator('.sb-quiz-question').count()) {
    cur = await currentQuestion(root, quiz);
    position += 1;
    check(cur.heading === `Question ${position} of ${n}`, `"Question ${position} of ${n}" is shown`, `got "${cur.heading}"`);
    let how = 'any';
    if (cur.q.type === 'MultipleChoice') {
      stats.mcSeen += 1;
      how = stats.mcSeen === 1 ? 'right' : stats.mcSeen === 2 ? 'wrong' : 'right';
    }
    const got = await answer(page, root, quiz, how, stats);
    latest.set(cur.id, got);
    tries += 1;

    if (position === 2) {
      // Reload on the feedback screen: the answer and its feedback are still there.
      const feedbackBefore = squash(await cur.view.locator('.sb-quiz-feedback').innerText());
      await page.reload();
      const again = await currentQuestion(root, quiz);
      check(again.id === cur.id && again.heading === cur.heading, `after a reload mid-quiz, the same question is shown (${again.heading})`);
      check(squash(await again.view.locator('.sb-quiz-feedback').innerText()) === feedbackBefore && await again.view.locator('.sb-quiz-next').count() === 1,
        'after a reload, the checked answer keeps its feedback and the Next button');
    }
    await shoot(root, `q${position}-${cur.q.type}`);
    if (position === Math.ceil(n / 2)) await shoot(root, 'midway');
    await clickNextAndCheckFocus(page, root, `question ${position}`);
    if (position === 1 && n > 1) {
      await page.reload();
      const again = await currentQuestion(root, quiz);
      check(again.heading === `Question 2 of ${n}`, 'after a reload between questions, the quiz resumes at question 2');
    }
  }
  if (stats.mcSeen < 2) note(`only ${stats.mcSeen} MultipleChoice question(s): the "second one wrong" check was not possible`);
  else check(stats.wrongFeedbackSeen || quiz.questions.every((q) => q.type !== 'MultipleChoice' || q.choices.every((c) => c.correct || !c.feedback)),
    "a wrong choice's feedback text was shown");

  // The summary and its computation.
  const first = await checkSummary(page, root, quiz, latest, 'summary');
  await shoot(root, 'summary');
  const saved = JSON.parse(await page.evaluate((k) => localStorage.getItem(k), key));
  check(saved && saved.finished === true && saved.answers.length === tries, `progress is saved in localStorage under ${key}`);

  await page.reload();
  const afterReload = await checkSummary(page, root, quiz, latest, 'summary after reload');
  check(afterReload.percent === first.percent, 'a reload after finishing shows the same summary');
  await checkExport(page, root, quiz, latest, tries, LEARNER);

  // Retry only the missed ones, answering them right this time.
  if (first.missed.length) {
    await root.locator('.sb-quiz-retry').click();
    const retry = await currentQuestion(root, quiz);
    check(retry.heading === `Retry: question 1 of ${first.missed.length}`, `"Retry the ones I missed" runs ${first.missed.length} question(s)`, `got "${retry.heading}"`);
    shotTag = 'retry-';
    tries += await runThrough(page, root, quiz, () => 'right', latest, stats, 'retry');
    shotTag = '';
    await checkSummary(page, root, quiz, latest, 'summary after retry');
    const retried = JSON.parse(await page.evaluate((k) => localStorage.getItem(k), key)).answers.filter((a) => a.attempt === 2);
    check(retried.length === first.missed.length, 'retried answers are recorded as attempt 2');
    await checkExport(page, root, quiz, latest, tries, LEARNER);
    await shoot(root, 'summary-after-retry');
  }
  check(posts.length === 0, 'nothing is POSTed from a file:// page');

  // Start over, then one MultipleChoice question with the keyboard only.
  await root.locator('.sb-quiz-restart').focus();
  await page.keyboard.press('Enter');
  cur = await currentQuestion(root, quiz);
  let f = await focusInfo(page);
  check(cur.heading === `Question 1 of ${n}` && f.tag === 'H3', '"Start over" (Enter) goes back to question 1 and focuses its heading');
  check(await page.evaluate((k) => JSON.parse(localStorage.getItem(k)).answers.length, key) === 0, 'starting over clears the saved answers');
  let guard = 0;
  while (cur.q.type !== 'MultipleChoice' && guard < n) {
    await answer(page, root, quiz, 'any', stats);
    await clickNextAndCheckFocus(page, root, 'before the keyboard question');
    cur = await currentQuestion(root, quiz);
    guard += 1;
  }
  if (cur.q.type === 'MultipleChoice') {
    await keyboardChoice(page, root, quiz, cur);
  } else {
    note('no MultipleChoice question: keyboard check skipped');
  }
  await page.screenshot({ path: path.join(SHOTS, 'sb-quiz-page.png'), fullPage: true });

  check(errors.length === 0, 'no JavaScript errors on the page', errors.join('\n      '));
  const toRoot = await page.evaluate(() => (typeof path_to_root === 'string' ? path_to_root : '')); // eslint-disable-line no-undef
  await context.close();
  return toRoot;
}

/** Fails clearly when the widget did not start (script or stylesheet not found...). */
async function checkStarted(root, label) {
  const started = await root.locator('.sb-quiz-app').waitFor({ timeout: 5000 }).then(() => true, () => false);
  check(started, `${label}: the quiz widget started (quiz.js loaded and ran)`);
}

/** Tab to the choices, Space (and arrows inside a radio group) to choose, Tab + Enter to Check and Next. */
async function keyboardChoice(page, root, quiz, cur) {
  const q = cur.q;
  const labels = cur.view.locator('label.sb-quiz-choice');
  const shown = await labels.evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('data-choice-index'))));
  const right = shown.map((idx, pos) => (q.choices[idx].correct ? pos : -1)).filter((pos) => pos >= 0);
  const multiple = await labels.first().locator('input').getAttribute('type') === 'checkbox';

  async function tabUntil(test, what) {
    for (let i = 0; i < 30; i += 1) {
      await page.keyboard.press('Tab');
      const info = await focusInfo(page);
      if (test(info)) return info;
    }
    throw new CheckFailed(`keyboard: Tab never reached ${what}`);
  }

  let f = await tabUntil((i) => i.tag === 'INPUT' && i.choiceIndex !== null, 'the choices');
  check(f.outline !== 'none', `keyboard: the focused choice has a visible focus outline (${f.outline})`);
  if (multiple) {
    // Each checkbox is a Tab stop: Space ticks the right ones.
    for (let pos = 0; pos < shown.length; pos += 1) {
      if (pos > 0) f = await tabUntil((i) => i.choiceIndex === String(shown[pos]), `choice ${pos + 1}`);
      if (right.includes(pos)) await page.keyboard.press('Space');
    }
  } else {
    // A radio group is one Tab stop; the arrow keys move inside it, Space selects.
    for (let pos = 0; pos < right[0]; pos += 1) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
  }
  f = await tabUntil((i) => /sb-quiz-check/.test(i.className), 'the Check button');
  await shoot(cur.view, 'keyboard-before-check');
  check(f.outline !== 'none', `keyboard: the Check button has a visible focus outline (${f.outline})`);
  await page.keyboard.press('Enter');
  await checkVerdict(cur.view, q, true);
  f = await focusInfo(page);
  check(/sb-quiz-next/.test(f.className), 'keyboard: after Check, focus is on the Next button');
  await page.keyboard.press('Enter');
  f = await focusInfo(page);
  check(f.tag === 'H3', `keyboard: Enter on Next moves focus to the next heading ("${f.text}")`);
}

/** Over http: finishing POSTs the attempt JSON to <path_to_root>api/attempts. */
async function httpRun(browser, pagePath, quizId, toRoot) {
  const rootDir = serveRootFor(pagePath, toRoot);
  const { server, posts, port } = await startServer(rootDir);
  const errors = [];
  try {
    const context = await browser.newContext({ viewport: { width: 900, height: 1200 } });
    const pageUrl = `http://127.0.0.1:${port}/${path.relative(rootDir, pagePath).split(path.sep).map(encodeURIComponent).join('/')}`;
    // A dark theme for this phase (the fixture reads ?theme=; a built book ignores it).
    await context.addInitScript(() => { try { localStorage.setItem('mdbook-theme', 'navy'); } catch (e) { /* ignore */ } });
    const page = await openPage(context, `${pageUrl}?theme=navy`, errors);
    shotTag = 'navy-';
    const root = quizRoot(page, quizId);
    await checkStarted(root, `http (${pageUrl})`);
    const quiz = await readQuizJson(page, quizId);
    const latest = new Map();
    const stats = {};
    await runThrough(page, root, quiz, (q) => (q.type === 'Ordering' ? 'wrong' : 'any'), latest, stats, 'http');
    const want = await checkSummary(page, root, quiz, latest, 'http summary');
    for (let i = 0; i < 50 && !posts.length; i += 1) await new Promise((r) => setTimeout(r, 100));
    const toRoot = await page.evaluate(() => (typeof path_to_root === 'string' ? path_to_root : '')); // eslint-disable-line no-undef
    const wantPath = new URL(`${toRoot}api/attempts`, pageUrl).pathname;
    check(posts.length === 1, `over http, finishing POSTs the attempt once (to ${wantPath})`, `got ${posts.length} POSTs`);
    const post = posts[0];
    check(post.path === wantPath, 'the attempt goes to <path_to_root>api/attempts', `got ${post.path}`);
    check(/^application\/json\b/.test(post.type || ''), 'the POST has Content-Type: application/json', post.type);
    const attempt = JSON.parse(post.body);
    check(attempt.quizId === quiz.id && attempt.quizHash === quiz.hash && attempt.learner === null,
      'the attempt names the quiz, its hash and no learner');
    check(!Number.isNaN(Date.parse(attempt.startedAt)) && !Number.isNaN(Date.parse(attempt.finishedAt)) &&
      Date.parse(attempt.startedAt) <= Date.parse(attempt.finishedAt), 'the attempt has startedAt <= finishedAt');
    check(Math.abs(attempt.score - want.score) < 1e-9 && attempt.passed === want.passed,
      `the attempt's score is ${want.score.toFixed(4)} and passed is ${want.passed}`);
    check(attempt.answers.length === quiz.questions.length && attempt.answers.every((a) =>
      quiz.byId.has(a.questionId) && a.attempt === 1 && typeof a.correct === 'boolean' &&
      typeof a.points === 'number' && typeof a.maxPoints === 'number' && a.correct === latest.get(a.questionId).correct),
    'every answer has questionId, correct, points, maxPoints and attempt 1');
    const shapes = { MultipleChoice: (r) => Array.isArray(r) && r.every((s) => typeof s === 'string'),
      ShortAnswer: (r) => typeof r === 'string',
      Tracing: (r) => r && typeof r.doesCompile === 'boolean' && 'stdout' in r,
      Ordering: (r) => Array.isArray(r) && r.every((s) => typeof s === 'string'),
      Scenario: (r) => Array.isArray(r) && r.every((s) => /^[^:]+:\d+$/.test(s)) };
    check(attempt.answers.every((a) => shapes[quiz.byId.get(a.questionId).type](a.response)),
      'each response has the shape of its question type');
    const isIndexes = (v) => Array.isArray(v) && v.every(Number.isInteger);
    const inputs = { MultipleChoice: (i) => isIndexes(i.choices),
      ShortAnswer: (i) => typeof i.text === 'string',
      Tracing: (i) => typeof i.doesCompile === 'boolean' && 'stdout' in i,
      Ordering: (i) => isIndexes(i.order),
      Scenario: (i) => Array.isArray(i.steps) && i.steps.every((s) => /^[^:]+:\d+$/.test(s)) };
    check(attempt.answers.every((a) => a.input && inputs[quiz.byId.get(a.questionId).type](a.input)),
      'each answer carries its input (indexes, text, path) for the server to grade');
    const order = attempt.answers.find((a) => quiz.byId.get(a.questionId).type === 'Ordering');
    if (order) {
      const items = [];
      for (const html of quiz.byId.get(order.questionId).items) items.push(await htmlText(page, html));
      check(order.response.length === items.length && order.response.slice().sort().join('\n') === items.slice().sort().join('\n'),
        'the Ordering response lists the item texts (in the order the trainee left them)');
    }
    await page.reload();
    await root.locator('.sb-quiz-summary').waitFor();
    await new Promise((r) => setTimeout(r, 300));
    check(posts.length === 1, 'reloading the finished quiz does not POST again');
    await shoot(root, 'navy-summary');
    check(errors.length === 0, 'no JavaScript errors over http', errors.join('\n      '));
    await context.close();
  } finally {
    server.close();
  }
}

main().catch((err) => {
  if (err instanceof CheckFailed) console.error(`FAIL: ${err.message}`);
  else console.error(`FAIL: the test itself broke: ${err.stack || err}`);
  console.log(`${passed} passed, 1 failed`);
  process.exit(1);
});
