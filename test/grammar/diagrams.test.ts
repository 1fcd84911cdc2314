// docs/grammar.html must open offline: no script or stylesheet from the network,
// and the inlined scripts must actually draw the diagrams.
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { offlineDiagramsHtml } from '../../src/cli/diagrams-page.js';

const html = offlineDiagramsHtml();

test('no external script or stylesheet', () => {
  assert.not.match(html, /<script[^>]*\ssrc\s*=/i);
  assert.not.match(html, /<link[^>]*\shref\s*=\s*['"]?https?:/i);
  assert.not.match(html, /rvbbit-inline:/);
  assert.not.match(html, /unpkg\.com/);
});

test('the railroad scripts and CSS are inlined, and the grammar is embedded', () => {
  assert.match(html, /<style>[\s\S]*railroad-diagram[\s\S]*<\/style>/);
  assert.is((html.match(/<script>/g) ?? []).length, 6);
  for (const rule of [
    'mapBody',
    'runBody',
    'explainStatement',
    'createStatement',
    'withClause',
    'usingClause',
  ]) {
    assert.match(html, new RegExp(`"name": "${rule}"`));
  }
});

test('the inlined scripts draw one diagram per rule (run in a sandbox with a stub DOM)', () => {
  const target = { innerHTML: '' };
  const stubElement = () => ({
    addEventListener() {},
    classList: { add() {}, remove() {}, contains: () => false },
    getAttribute: () => null,
    setAttribute() {},
    appendChild() {},
    style: {},
  });
  const document = {
    getElementById: () => target,
    getElementsByClassName: () => [],
    getElementsByTagName: () => [],
    querySelectorAll: () => [],
    createElementNS: stubElement,
    createElement: stubElement,
    createTextNode: () => ({}),
  };
  const window: Record<string, unknown> = { document };
  window.window = window;
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  for (const code of scripts) runInNewContext(code, window);
  assert.match(target.innerHTML, /<svg/);
  // 18 rules: insertStatement and copyStatement joined the 16 (issue 66).
  assert.is((target.innerHTML.match(/<svg/g) ?? []).length, 18);
});

test.run();
