import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from '../../grammar/index.js';
import { err, one, using } from './helpers.js';

test('CREATE TABLE name AS MAP', () => {
  assert.equal(one("CREATE TABLE brands AS RVBBIT MAP 'x' AS brand USING (select 1)"), {
    kind: 'CreateTableAsStatement',
    annotations: [],
    temporary: false,
    table: [{ kind: 'Identifier', name: 'brands', quoted: false }],
    map: {
      kind: 'MapStatement',
      annotations: [],
      parallel: null,
      distinct: null,
      batch: null,
      cascade: { kind: 'CascadeRef', value: 'x' },
      output: { kind: 'ResultColumn', name: { kind: 'Identifier', name: 'brand', quoted: false } },
      using: using('select 1'),
      with: null,
    },
  });
});

test('TEMP and TEMPORARY, qualified and quoted names', () => {
  const a = one('create temp table main."My T" as rvbbit map \'x\' using (select 1)') as Record<
    string,
    unknown
  >;
  assert.is(a.temporary, true);
  assert.equal(a.table, [
    { kind: 'Identifier', name: 'main', quoted: false },
    { kind: 'Identifier', name: 'My T', quoted: true },
  ]);
  assert.is(
    (one("CREATE TEMPORARY TABLE t AS RVBBIT MAP 'x' USING (select 1)") as { temporary: boolean }).temporary,
    true,
  );
});

test('the inner MAP span starts at RVBBIT', () => {
  const s = parse("CREATE TABLE t AS RVBBIT MAP 'x' USING (select 1)").statements[0]!;
  if (s.kind !== 'CreateTableAsStatement') throw new Error('expected CREATE');
  assert.equal([s.span.start, s.map.span.start, s.map.span.end], [0, 18, 49]);
});

test('CREATE TABLE … AS RUN is an error; ordinary CREATE passes through', () => {
  assert.is(err("CREATE TABLE t AS RVBBIT RUN 'x' USING (select 1)").code, 'E_UNEXPECTED_TOKEN');
  assert.is((one('CREATE TABLE t AS SELECT 1') as { kind: string }).kind, 'SqlStatement');
  assert.is((one('CREATE TABLE t (a INT)') as { kind: string }).kind, 'SqlStatement');
});

test('as_table conflicts with the CREATE name', () => {
  const e = err("CREATE TABLE t AS RVBBIT MAP 'x' USING (select 1) WITH (as_table = 'u')");
  assert.equal(
    [e.code, e.message],
    ['E_CONFLICTING_OPTION', 'as_table cannot be used with CREATE TABLE … AS (the table is already named)'],
  );
});

test.run();
