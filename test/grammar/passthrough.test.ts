import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from '../../grammar/index.js';
import { NO_CALLS, ok, one } from './helpers.js';

test('ordinary SQL is a SqlStatement with its exact text', () => {
  assert.equal(one('SELECT 1 AS x'), {
    kind: 'SqlStatement',
    annotations: [],
    text: 'SELECT 1 AS x',
    ...NO_CALLS,
  });
});

test('several statements split at semicolons, empty ones skipped', () => {
  const sql = "SELECT 1; ;INSERT INTO t VALUES ('a;b');\nRVBBIT MAP 'x' USING (select 2);  PRAGMA version";
  const s = ok(sql);
  assert.equal(
    s.map((x) => x.kind),
    ['SqlStatement', 'SqlStatement', 'MapStatement', 'SqlStatement'],
  );
  assert.equal(
    s.map((x) => sql.slice(x.span.start, x.span.end)),
    ['SELECT 1', "INSERT INTO t VALUES ('a;b')", "RVBBIT MAP 'x' USING (select 2)", 'PRAGMA version'],
  );
});

test('text is byte for byte: inner comments, odd spacing, unicode and dollar quotes survive', () => {
  const body = 'select  \'é;\' , $$;$$ /* ; */ , "a""b" -- ;\n from t';
  const s = one(`-- leading comment\n${body}\n-- trailing comment`) as { text: string };
  assert.is(s.text, body);
});

test('a statement that mentions rvbbit as a column is still passthrough', () => {
  assert.is((one('SELECT rvbbit FROM t') as { kind: string }).kind, 'SqlStatement');
});

test('random-looking text passes through unchanged (DuckDB judges it)', () => {
  const s = one('FOO BAR ((( baz') as { kind: string; text: string };
  assert.equal([s.kind, s.text], ['SqlStatement', 'FOO BAR ((( baz']);
});

test('span of a passthrough statement', () => {
  const s = parse('\n\n  SELECT 1  ;').statements[0]!;
  assert.equal(s.span, { start: 4, end: 12, line: 3, column: 3 });
});

test.run();
