// The browser bundles: dist/grammar.browser.js (built the way scripts/build.mjs
// builds it) loads no module at all, so no Node built-in, and works when
// imported; docs/playground.html is committed generated output and must match
// its sources (regenerate with `npm run playground`), with nothing external.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nodeGrammar from '../../grammar/index.js';
import { grammarBrowserScript, moduleLoads } from '../../scripts/playground/bundles.js';
import { PLAYGROUND_PAGE, playgroundHtml } from '../../scripts/playground/page.js';

test('moduleLoads finds static, dynamic and required modules, not guarded method calls', () => {
  const code = `import a from"node:fs";import{b}from './b.js';export*from"c";import"d";import("e");require('f');x.require("util")`;
  assert.equal(moduleLoads(code).sort(), ['./b.js', 'c', 'd', 'e', 'f', 'node:fs']);
});

test('the browser grammar loads no modules (no node: built-ins) and parses, formats, completes and tokenises', async () => {
  const code = await grammarBrowserScript();
  assert.equal(moduleLoads(code), []);
  assert.not.match(code, /["'`]node:/);
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-grammar-browser-'));
  try {
    const file = join(dir, 'grammar.browser.mjs');
    writeFileSync(file, code);
    const g = (await import(pathToFileURL(file).href)) as typeof nodeGrammar;
    const sql = "rvbbit map parallel 2 'x' using (select a from t where a means 'b') with (limit = 3)";
    assert.equal(g.parse(sql), nodeGrammar.parse(sql));
    assert.is(g.format(g.parse(sql)), nodeGrammar.format(nodeGrammar.parse(sql)));
    assert.equal(g.complete('RVBBIT M', 8), [{ label: 'MAP', kind: 'keyword' }]);
    assert.equal(g.tokens(sql), nodeGrammar.tokens(sql));
    assert.equal(
      g.parse("RVBBIT MAP PARALLEL 0 'x' USING (SELECT 1)").errors.map((e) => e.code),
      ['E_BAD_PARALLEL'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('docs/playground.html is up to date with its sources (npm run playground)', async () => {
  assert.ok(readFileSync(PLAYGROUND_PAGE, 'utf8') === (await playgroundHtml()), 'run `npm run playground`');
});

test('the page references nothing outside itself', () => {
  const html = readFileSync(PLAYGROUND_PAGE, 'utf8');
  assert.not.match(html, /<script[^>]*\ssrc\s*=/i);
  assert.not.match(html, /<link[^>]*\shref\s*=/i);
  assert.not.match(html, /\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none';/);
  assert.is((html.match(/<script type="module">/g) ?? []).length, 1);
});

test.run();
