/**
 * A word the dialect does not know, close to one it does, is suggested
 * through `rvbbit query`: operator words and semantic functions (DuckDB
 * alone suggests from its own catalog), a catalog's own operators, and the
 * MAP's keywords.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rvbbit } from './helpers.js';

test('an operator word misspelt in SELECT suggests the operator', async () => {
  const r = await rvbbit(['query', "SELECT 'a' MEANZ 'car'"]);
  assert.is(r.code, 1);
  assert.is(
    r.err,
    [
      `Parser Error: syntax error at or near "'car'"`,
      'Did you mean "MEANS"? MEANZ is not a semantic operator',
      '',
      "LINE 1: SELECT 'a' MEANZ 'car'",
      '                         ^',
      '',
    ].join('\n'),
  );
});

test('an operator word misspelt in WHERE, beside a real operator, suggests the operator', async () => {
  const r = await rvbbit(['query', "SELECT * FROM (SELECT 'a' AS x) WHERE x MEANS 'car' AND x IMPLYS 'b'"]);
  assert.is(r.code, 1);
  assert.is(
    r.err,
    [
      'Parser Error: syntax error at or near "IMPLYS"',
      'Did you mean "IMPLIES"? IMPLYS is not a semantic operator',
      '',
      "LINE 1: ...ECT 'a' AS x) WHERE x MEANS 'car' AND x IMPLYS 'b'",
      '                                                   ^',
      '',
    ].join('\n'),
  );
});

test("a semantic function misspelt is suggested instead of DuckDB's nearest function", async () => {
  const r = await rvbbit(['query', "SELECT LLM_FITLER('a', 'car')"]);
  assert.is(r.code, 1);
  assert.is(
    r.err,
    [
      'Catalog Error: Scalar Function with name llm_fitler does not exist!',
      'Did you mean "LLM_FILTER"?',
      '',
      "LINE 1: SELECT LLM_FITLER('a', 'car')",
      '               ^',
      '',
    ].join('\n'),
  );
});

test("DuckDB's own suggestion stays when it is nearer", async () => {
  const r = await rvbbit(['query', 'SELECT lis_filter([1], x -> x > 0)']);
  assert.is(r.code, 1);
  assert.match(r.err, /\nDid you mean "list_filter"\?\n/);
});

test("a catalog's own operator and function are suggested", async () => {
  const op = await rvbbit(['query', '--cascades', 'test/fixtures/larsql', "SELECT 'cat' RHYMEZ WITH 'hat'"]);
  assert.is(op.code, 1);
  assert.match(op.err, /\nDid you mean "RHYMES"\? RHYMEZ is not a semantic operator\n/);
  const fn = await rvbbit(['query', '--cascades', 'test/fixtures/larsql', "SELECT RHYMS('cat', 'hat')"]);
  assert.is(fn.code, 1);
  assert.match(
    fn.err,
    /^Catalog Error: Scalar Function with name rhyms does not exist!\nDid you mean "RHYMES"\?\n/,
  );
});

test('PARALEL in a MAP suggests PARALLEL', async () => {
  const r = await rvbbit([
    'query',
    "RVBBIT MAP PARALEL 2 'traits/extract_brand.yaml' USING (SELECT 'a' AS product_name)",
  ]);
  assert.is(r.code, 1);
  assert.is(
    r.err,
    [
      "error[E_MISSING_CASCADE]: expected a cascade reference (a string such as 'traits/extract_brand.yaml') but found 'PARALEL' — did you mean PARALLEL?",
      ' --> 1:12',
      '  |',
      "1 | RVBBIT MAP PARALEL 2 'traits/extract_brand.yaml' USING (SELECT 'a' AS product_name)",
      '  |            ^',
      '',
    ].join('\n'),
  );
});

test.run();
