// docs/playground.html in a real headless Chromium (Debian's), opened from a
// file URL with every network request refused: the editor highlights, shows
// errors with their messages, completes, and shows the formatted text and the
// AST, all computed in the page by the browser build of the grammar. Without
// Chromium the tests are skipped (test/requires.ts; CI=true fails them).
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { format, parse, stripSpans } from '../../grammar/index.js';
import { PLAYGROUND_PAGE } from '../../scripts/playground/page.js';
import { CHROMIUM, requires } from '../requires.js';

const test = requires(uvuTest, 'chromium');
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const PAGE_URL = pathToFileURL(PLAYGROUND_PAGE).href;

let browser: Browser;
let page: Page;
/** Requests for anything but the page itself (each refused). */
const refused: string[] = [];
const pageErrors: string[] = [];

test.before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === PAGE_URL) return route.continue();
    refused.push(url);
    return route.abort();
  });
  page = await context.newPage();
  page.on('request', (r) => {
    if (r.url() !== PAGE_URL && !refused.includes(r.url())) refused.push(r.url());
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(PAGE_URL);
  await page.locator('.cm-content').waitFor();
});

test.after(async () => {
  await browser?.close();
});

/** Accepts the selected completion; CodeMirror ignores keys for its first 75 ms (interactionDelay), against accidents. */
async function acceptCompletion(label: string): Promise<void> {
  await page.locator('.cm-tooltip-autocomplete li[aria-selected="true"]', { hasText: label }).waitFor();
  await page.waitForTimeout(100);
  await page.keyboard.press('Enter');
}

/** Replaces the editor's text by typing it, as a user would. */
async function typeText(text: string): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text, { delay: 2 });
  await page.keyboard.press('Escape'); // closes a completion list left open by typing
}

const editorText = () => page.locator('.cm-content').textContent();

test('the page loads offline: nothing but the file is requested, no script errors', async () => {
  assert.equal(refused, []);
  assert.equal(pageErrors, []);
  assert.is(await page.title(), 'RVBBIT SQL playground');
  // The first example is highlighted from tokens().
  assert.is(await page.locator('.tok-keyword', { hasText: /^RVBBIT$/ }).count(), 1);
  assert.is(await page.locator('.tok-annotation').count(), 1);
});

test('an error: a marker in the gutter, the token underlined, its message on hover and in the errors panel', async () => {
  const sql = "RVBBIT MAP PARALLEL 0 'x.yaml' USING (SELECT 1)";
  await typeText(sql);
  const underline = page.locator('.cm-lintRange-error');
  // The linter runs after a pause in typing: on a loaded machine a pause mid-text may lint a prefix first
  // (`…USI` underlined), so wait for the lint of the whole text, then check it is the only one.
  await page.locator('.cm-lintRange-error', { hasText: /^0$/ }).waitFor();
  assert.is(await underline.count(), 1);
  assert.is(await underline.textContent(), '0');
  assert.is(await page.locator('.cm-lint-marker-error').count(), 1);
  await underline.hover();
  const tooltip = page.locator('.cm-tooltip-lint');
  await tooltip.waitFor();
  assert.match((await tooltip.textContent()) ?? '', 'E_BAD_PARALLEL');
  assert.match((await tooltip.textContent()) ?? '', 'PARALLEL must be an integer from 1 to 1000, got 0');
  // The panel shows the rendered error (source line and caret), exactly as parse() renders it here.
  assert.is(await page.locator('#errors').textContent(), parse(sql).errors[0]!.rendered);
  await page.screenshot({ path: new URL('playground-error.png', ARTIFACTS).pathname });
});

test('a completion from complete() is accepted with Enter', async () => {
  await typeText('RVBBIT M');
  await page.keyboard.press('Control+Space');
  await page.locator('.cm-tooltip-autocomplete li', { hasText: 'MAP' }).waitFor();
  assert.equal(await page.locator('.cm-tooltip-autocomplete li').allTextContents(), ['MAPkeyword']);
  await acceptCompletion('MAP');
  assert.is(await editorText(), 'RVBBIT MAP');
  await typeText("RVBBIT MAP 'x' USING (SELECT 1) WITH (on_e");
  await page.keyboard.press('Control+Space');
  await acceptCompletion('on_error');
  assert.is(await editorText(), "RVBBIT MAP 'x' USING (SELECT 1) WITH (on_error");
});

test('the formatted text and the AST of what is typed', async () => {
  const sql = "rvbbit map 'x' as (a decimal(10,2)) using (select 1) with (limit=3)";
  await typeText(sql);
  const expected = "RVBBIT MAP 'x' AS (a DECIMAL(10, 2))\nUSING (select 1)\nWITH (limit = 3);";
  assert.is(format(parse(sql)), expected);
  await page.waitForFunction(
    `document.getElementById('formatted').textContent === ${JSON.stringify(expected)}`,
  );
  assert.is(await page.locator('#errors').textContent(), '');
  const ast = JSON.parse((await page.locator('#ast').textContent()) ?? '');
  assert.equal(ast, JSON.parse(JSON.stringify(stripSpans(parse(sql).statements))));
  assert.is(ast[0].kind, 'MapStatement');
  await page.locator('#with-spans').check();
  const withSpans = JSON.parse((await page.locator('#ast').textContent()) ?? '');
  assert.equal(withSpans[0].span, { start: 0, end: sql.length, line: 1, column: 1 });
  await page.screenshot({ path: new URL('playground.png', ARTIFACTS).pathname, fullPage: true });
  assert.equal(refused, []);
  assert.equal(pageErrors, []);
});

test.run();
