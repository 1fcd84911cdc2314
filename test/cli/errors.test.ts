import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rvbbit } from './helpers.js';

test('a grammar error prints the rendered error with its caret, exit 1, no stack', async () => {
  const r = await rvbbit(['query', "RVBBIT MAP PARALLEL 0 'x' USING (SELECT 1)"]);
  assert.is(r.code, 1);
  assert.is(r.out, '');
  assert.is(
    r.err,
    [
      'error[E_BAD_PARALLEL]: PARALLEL must be an integer from 1 to 1000, got 0',
      ' --> 1:21',
      '  |',
      "1 | RVBBIT MAP PARALLEL 0 'x' USING (SELECT 1)",
      '  |                     ^',
      '',
    ].join('\n'),
  );
});

test('a DuckDB error prints its position, exit 1, no stack', async () => {
  const r = await rvbbit(['query', 'SELECT 1 + FROM']);
  assert.is(r.code, 1);
  assert.is(
    r.err,
    'Parser Error: syntax error at or near "FROM"\n\nLINE 1: SELECT 1 + FROM\n                   ^\n',
  );
  assert.not.match(r.err, /\bat .*\.ts:\d+/);
});

test('--debug adds the stack trace', async () => {
  const r = await rvbbit(['--debug', 'query', 'SELECT * FROM no_such_table']);
  assert.is(r.code, 1);
  assert.match(r.err, /^\[DUCKDB_CATALOG\] RvbbitError: Catalog Error/);
  assert.match(r.err, /\n\s+at /);
});

test('no SQL is a usage error (exit 2)', async () => {
  const r = await rvbbit(['query'], { input: '' });
  assert.is(r.code, 2);
  assert.is(r.err, 'rvbbit query: give the SQL as an argument, with -c or -f file.sql, or on stdin\n');
});

test.run();
