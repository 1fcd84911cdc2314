import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from '../../grammar/index.js';
import { err, one, using } from './helpers.js';

test('minimal MAP: cascade and USING only', () => {
  assert.equal(one("RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT product_name FROM products)"), {
    kind: 'MapStatement',
    annotations: [],
    parallel: null,
    distinct: null,
    batch: null,
    cascade: { kind: 'CascadeRef', value: 'traits/extract_brand.yaml' },
    output: null,
    using: using('SELECT product_name FROM products'),
    with: null,
  });
});

test('MAP with modifiers, typed output and WITH (spec example 2)', () => {
  const sql =
    "RVBBIT MAP PARALLEL 20 DISTINCT 'traits/extract_brand.yaml'\nAS (brand VARCHAR, confidence DOUBLE)\nUSING (SELECT product_name FROM products LIMIT 5000)\nWITH (cache = '1d', on_error = 'null');";
  assert.equal(one(sql), {
    kind: 'MapStatement',
    annotations: [],
    parallel: { kind: 'ParallelModifier', value: 20 },
    distinct: { kind: 'DistinctModifier' },
    batch: null,
    cascade: { kind: 'CascadeRef', value: 'traits/extract_brand.yaml' },
    output: {
      kind: 'TypedColumns',
      columns: [
        {
          kind: 'ColumnDef',
          name: { kind: 'Identifier', name: 'brand', quoted: false },
          type: { kind: 'TypeRef', name: 'VARCHAR', precision: null, scale: null },
        },
        {
          kind: 'ColumnDef',
          name: { kind: 'Identifier', name: 'confidence', quoted: false },
          type: { kind: 'TypeRef', name: 'DOUBLE', precision: null, scale: null },
        },
      ],
    },
    using: using('SELECT product_name FROM products LIMIT 5000', true),
    with: {
      kind: 'WithClause',
      options: [
        { kind: 'WithOption', key: 'cache', value: { enabled: true, ttl: { text: '1d', ms: 86_400_000 } } },
        { kind: 'WithOption', key: 'on_error', value: 'null' },
      ],
    },
  });
});

test('modifiers in any order, keywords in any case', () => {
  const s = one("rvbbit map Batch 8 distinct parallel 3 'x' as result using (select 1)") as Record<
    string,
    unknown
  >;
  assert.equal(s.parallel, { kind: 'ParallelModifier', value: 3 });
  assert.equal(s.distinct, { kind: 'DistinctModifier' });
  assert.equal(s.batch, { kind: 'BatchModifier', value: 8 });
  assert.equal(s.output, {
    kind: 'ResultColumn',
    name: { kind: 'Identifier', name: 'result', quoted: false },
  });
});

test('AS with a quoted name and a keyword used as a column name', () => {
  const s = one(
    'RVBBIT MAP \'x\' AS (text TEXT, "Brand ""X""" DECIMAL(10, 2), d DECIMAL(5)) USING (select 1)',
  ) as {
    output: { columns: { name: { name: string; quoted: boolean }; type: unknown }[] };
  };
  assert.equal(
    s.output.columns.map((c) => [c.name.name, c.name.quoted, c.type]),
    [
      ['text', false, { kind: 'TypeRef', name: 'TEXT', precision: null, scale: null }],
      ['Brand "X"', true, { kind: 'TypeRef', name: 'DECIMAL', precision: 10, scale: 2 }],
      ['d', false, { kind: 'TypeRef', name: 'DECIMAL', precision: 5, scale: null }],
    ],
  );
});

test('every type of the spec is accepted', () => {
  const types =
    'VARCHAR TEXT STRING INTEGER INT BIGINT DOUBLE FLOAT REAL DECIMAL BOOLEAN BOOL JSON DATE TIME TIMESTAMP';
  const cols = types.split(' ').map((t, i) => `c${i} ${t.toLowerCase()}`);
  const s = one(`RVBBIT MAP 'x' AS (${cols.join(', ')}) USING (select 1)`) as {
    output: { columns: { type: { name: string } }[] };
  };
  assert.equal(s.output.columns.map((c) => c.type.name).join(' '), types);
});

test('spans: statement, cascade, USING body (exact offsets, 1-based line/column)', () => {
  const sql = "  RVBBIT MAP 'c.yaml'\n  USING (SELECT 1) ;";
  const s = parse(sql).statements[0]!;
  if (s.kind !== 'MapStatement') throw new Error('expected a MAP');
  assert.equal(s.span, { start: 2, end: 40, line: 1, column: 3 });
  assert.equal(s.cascade.span, { start: 13, end: 21, line: 1, column: 14 });
  assert.equal(s.using.span, { start: 24, end: 40, line: 2, column: 3 });
  assert.equal(s.using.sqlSpan, { start: 31, end: 39, line: 2, column: 10 });
  assert.is(sql.slice(s.using.sqlSpan.start, s.using.sqlSpan.end), 'SELECT 1');
});

test('USING body kept byte for byte, with strings, comments and dollar quotes containing parens', () => {
  const body = 'SELECT \')\' AS a, "x)" , $$ ) $$, $t$ ( $t$ /* ( /* nested ) */ */ -- )\n FROM t';
  const s = one(`RVBBIT MAP 'x' USING (${body}) WITH (limit = 5)`) as { using: { sql: string } };
  assert.is(s.using.sql, body);
});

test('PARALLEL and BATCH bounds are inclusive', () => {
  const s = one("RVBBIT MAP PARALLEL 1000 BATCH 256 'x' USING (select 1)") as Record<
    string,
    { value: number }
  >;
  assert.is(s.parallel!.value, 1000);
  assert.is(s.batch!.value, 256);
  assert.is(err("RVBBIT MAP PARALLEL 1001 'x' USING (select 1)").code, 'E_BAD_PARALLEL');
  assert.is(err("RVBBIT MAP BATCH 0 'x' USING (select 1)").code, 'E_BAD_BATCH');
  assert.is(err("RVBBIT MAP BATCH 257 'x' USING (select 1)").code, 'E_BAD_BATCH');
  assert.is(err("RVBBIT MAP PARALLEL 2.5 'x' USING (select 1)").code, 'E_BAD_PARALLEL');
});

test('duplicate modifiers, duplicate typed columns, empty USING', () => {
  const e = err("RVBBIT MAP DISTINCT DISTINCT 'x' USING (select 1)");
  assert.is(e.code, 'E_DUPLICATE_MODIFIER');
  assert.is(e.message, 'DISTINCT may appear only once (first at 1:12)');
  assert.is(err("RVBBIT MAP BATCH 2 BATCH 2 'x' USING (select 1)").code, 'E_DUPLICATE_MODIFIER');
  assert.is(err("RVBBIT MAP 'x' AS (a INT, A TEXT) USING (select 1)").code, 'E_DUPLICATE_COLUMN');
  assert.is(err("RVBBIT MAP 'x' USING ( /* nothing */ )").code, 'E_EMPTY_USING');
});

test('type arguments only on DECIMAL, and in range', () => {
  assert.is(err("RVBBIT MAP 'x' AS (a VARCHAR(10)) USING (select 1)").code, 'E_BAD_TYPE_ARGS');
  assert.is(err("RVBBIT MAP 'x' AS (a DECIMAL(5, 6)) USING (select 1)").code, 'E_BAD_TYPE_ARGS');
});

test('an empty cascade reference is refused', () => {
  assert.is(err("RVBBIT MAP '' USING (select 1)").code, 'E_MISSING_CASCADE');
});

test.run();
