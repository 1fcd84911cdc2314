/**
 * An annotation written as docs/semantic-sql.md writes it, with a trailing
 * SQL comment after its value, runs through `rvbbit query`: the comment is a
 * comment, the value applies (three tuples packed into one call).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rvbbit } from './helpers.js';

test('-- @ batch: 16   -- 16 per prompt packs the statement’s tuples into one call', async () => {
  const sql = [
    "CREATE TABLE t AS SELECT * FROM (VALUES (1, 'eco friendly bottle'), (2, 'plain cup'), (3, 'eco friendly bag')) v(id, x);",
    '-- @ batch: 16   -- 16 per prompt',
    "SELECT id FROM t WHERE x MEANS 'eco friendly' ORDER BY id;",
    'SELECT count(*) AS calls FROM rvbbit.unified_logs;',
  ].join('\n');
  const r = await rvbbit(['query', '--sim', '--format', 'csv', sql]);
  assert.is(r.code, 0, r.err);
  assert.is(r.out, 'id\n1\n3\ncalls\n1\n');
});

test.run();
