import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from '../../grammar/index.js';
import { explainPrefix } from '../../grammar/split.js';
import { err, one, using } from './helpers.js';

const map = (parallel: number | null) => ({
  kind: 'MapStatement',
  annotations: [],
  parallel: parallel === null ? null : { kind: 'ParallelModifier', value: parallel },
  distinct: null,
  batch: null,
  cascade: { kind: 'CascadeRef', value: 'traits/extract_brand.yaml' },
  output: null,
  using: using('SELECT * FROM products'),
  with: null,
});

test('EXPLAIN MAP (spec example 4), no format given', () => {
  assert.equal(
    one("EXPLAIN RVBBIT MAP PARALLEL 10 'traits/extract_brand.yaml' USING (SELECT * FROM products);"),
    {
      kind: 'ExplainStatement',
      annotations: [],
      format: null,
      target: map(10),
    },
  );
});

test('EXPLAIN (FORMAT JSON) and (FORMAT TEXT)', () => {
  const j = one(
    "explain (format json) rvbbit map 'traits/extract_brand.yaml' using (SELECT * FROM products)",
  );
  assert.equal(j, { kind: 'ExplainStatement', annotations: [], format: 'JSON', target: map(null) });
  const t = one("EXPLAIN (FORMAT TEXT) RVBBIT RUN 'r' USING (select 1)") as {
    format: string;
    target: { kind: string };
  };
  assert.is(t.format, 'TEXT');
  assert.is(t.target.kind, 'RunStatement');
});

test('EXPLAIN span covers the whole statement; the target span starts at RVBBIT', () => {
  const s = parse("EXPLAIN RVBBIT RUN 'r' USING (select 1)").statements[0]!;
  if (s.kind !== 'ExplainStatement') throw new Error('expected EXPLAIN');
  assert.equal([s.span.start, s.span.end, s.target.span.start, s.target.span.end], [0, 39, 8, 39]);
});

test('EXPLAIN of plain SQL passes through to DuckDB', () => {
  const s = one('EXPLAIN SELECT 1') as { kind: string; text: string };
  assert.equal([s.kind, s.text], ['SqlStatement', 'EXPLAIN SELECT 1']);
  assert.is((one('EXPLAIN (FORMAT JSON) SELECT 1') as { kind: string }).kind, 'SqlStatement');
});

test('EXPLAIN with a bad format', () => {
  const e = err("EXPLAIN (FORMAT XML) RVBBIT MAP 'x' USING (select 1)");
  assert.is(e.code, 'E_UNEXPECTED_TOKEN');
  assert.is(e.message, "expected TEXT or JSON but found 'XML'");
});

test('explainPrefix: the one reading of EXPLAIN [(FORMAT TEXT|JSON)] for the planner, the query log and the CLI', () => {
  assert.equal(explainPrefix('  EXPLAIN SELECT 1'), { length: 10, json: false });
  assert.equal(explainPrefix('explain (format json) SELECT 1'), { length: 22, json: true });
  assert.equal(explainPrefix('EXPLAIN (FORMAT TEXT)SELECT 1'), { length: 21, json: false });
  assert.is(explainPrefix('SELECT 1'), null);
  assert.is(explainPrefix('EXPLAINED'), null);
  // Comments before EXPLAIN and between it and the statement it explains are part of the prefix.
  assert.equal(explainPrefix('-- a\nEXPLAIN -- b\n/* c /* nested */ */ SELECT 1'), {
    length: 39,
    json: false,
  });
  assert.equal(explainPrefix('EXPLAIN /* a */ (FORMAT JSON) -- @ parallel: 2\nSELECT 1'), {
    length: 47,
    json: true,
  });
  assert.is(explainPrefix('/* EXPLAIN */ SELECT 1'), null);
});

test.run();
