// The statement options are declared once (grammar/statement-options.ts): the
// docs' tables name exactly the keys the table declares, so a key added there
// and not documented (or documented and gone) fails here.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ANNOTATION_KEYS, STATEMENT_OPTIONS, WITH_KEYS } from '../../grammar/index.js';

const DIALECT = readFileSync(new URL('../../docs/dialect.md', import.meta.url), 'utf8');

/** The rows of the markdown table under `heading` (up to the first blank line after it). */
function tableRows(heading: string): string[] {
  const at = DIALECT.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `docs/dialect.md has no '${heading}'`);
  const from = DIALECT.indexOf('\n|', at);
  const end = DIALECT.indexOf('\n\n', from);
  return DIALECT.slice(from + 1, end)
    .split('\n')
    .slice(2);
}

test("docs/dialect.md's WITH table lists exactly the WITH keys, in the canonical order", () => {
  const keys = tableRows('### WITH options').map((row) => /^\| `([a-z_]+)` \|/.exec(row)?.[1]);
  assert.equal(keys, [...WITH_KEYS]);
});

test("docs/dialect.md's annotation table has a row for every annotation key, and no key of its own", () => {
  const documented = new Set<string>();
  for (const row of tableRows('### Annotations')) {
    const key = /^\| `-- @ ([a-z_]+):/.exec(row)?.[1];
    if (key) documented.add(key);
  }
  assert.equal([...documented].sort(), [...ANNOTATION_KEYS].sort());
});

test('every option is written somewhere: a WITH key, an annotation or both', () => {
  for (const [key, d] of Object.entries(STATEMENT_OPTIONS)) {
    assert.ok('with' in d || 'annotation' in d, key);
  }
});

test.run();
