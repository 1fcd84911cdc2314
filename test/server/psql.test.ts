/**
 * The real psql (Debian postgresql-client) against the server. CI installs it
 * (.ci/run); without it the tests are skipped (test/requires.ts).
 */
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PSQL, requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { psql as psqlAt, type Ran } from './py-client.js';

const psqlTest = requires(test, 'psql');
let f: ServerFixture;

function psql(args: string[], input?: string): Promise<Ran> {
  return psqlAt(f.port, args, input, 'rvbbit');
}

psqlTest.before(async () => {
  f = await startServerFixture({}, { latencyMs: 100 });
});
psqlTest.after(async () => {
  await f.close();
});

psqlTest('\\dt lists the tables', async () => {
  const r = await psql(['-c', '\\dt']);
  assert.is(r.err, '');
  assert.is(r.code, 0);
  assert.equal(r.out.split('\n'), [
    '         List of relations',
    ' Schema |   Name   | Type  | Owner  ',
    '--------+----------+-------+--------',
    ' main   | products | table | rvbbit',
    '(1 row)',
    '',
    '',
  ]);
});

psqlTest(
  '\\dt rvbbit.* lists the engine tables of another schema; \\dv its call log, a view over a ring of tables no listing shows',
  async () => {
    const r = await psql(['-c', '\\dt rvbbit.*']);
    assert.match(r.out, / rvbbit \| queries +\| table \| rvbbit\n/);
    // rvbbit.functions and rvbbit.semantic_functions: the operators, and those defined in SQL.
    assert.match(r.out, / rvbbit \| semantic_functions \| table \| rvbbit\n/);
    assert.match(r.out, /\(6 rows\)/);
    assert.not.match(r.out, /unified_logs|segment_/);
    // An in-memory engine's call log is a view over its ring's tables (obs/call-log-ring.ts).
    const v = await psql(['-c', '\\dv rvbbit.*']);
    assert.match(v.out, / rvbbit \| unified_logs \| view \| rvbbit\n/);
    assert.match(v.out, /\(1 row\)/);
  },
);

psqlTest('\\d products describes its columns with Postgres type names', async () => {
  const r = await psql(['-c', '\\d products']);
  assert.is(r.err, '');
  assert.equal(r.out.split('\n').slice(0, 9), [
    '                      Table "main.products"',
    '    Column    |       Type       | Collation | Nullable | Default ',
    '--------------+------------------+-----------+----------+---------',
    ' id           | bigint           |           |          | ',
    ' product_name | text             |           |          | ',
    ' category     | text             |           |          | ',
    ' price        | double precision |           |          | ',
    ' description  | text             |           |          | ',
    '',
  ]);
});

psqlTest('a MAP over the example products, with typed output columns', async () => {
  const r = await psql([
    '-c',
    "RVBBIT MAP PARALLEL 10 'traits/extract_brand.yaml' AS (brand VARCHAR) USING (SELECT id, product_name FROM products ORDER BY id LIMIT 3)",
  ]);
  assert.is(r.code, 0);
  assert.equal(r.out.split('\n'), [
    // A MAP streams to psql with its `_error` column, empty where no row failed (docs/server.md).
    ' id |             product_name              | brand | _error ',
    '----+---------------------------------------+-------+--------',
    '  1 | IKEA MALM Dresser 6-drawer            | IKEA  | ',
    '  2 | OXO Pour-Over Coffee Maker - Graphite | OXO   | ',
    '  3 | Ninja Creami Ice Cream Maker          | Ninja | ',
    '(3 rows)',
    '',
    '',
  ]);
});

psqlTest('a semantic SELECT runs through psql', async () => {
  const r = await psql([
    '-A',
    '-t',
    '-c',
    "SELECT t FROM (VALUES ('kitchen blender'), ('garden hose')) v(t) WHERE t MEANS 'kitchen appliance' ORDER BY t",
  ]);
  assert.is(r.code, 0, r.err);
  assert.is(r.out.trim(), 'kitchen blender');
});

psqlTest('an error shows its position with a caret, and psql exits 1', async () => {
  const r = await psql([
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    "RVBBIT MAP PARALLEL 0 'traits/extract_brand.yaml' USING (SELECT 1)",
  ]);
  assert.is(r.code, 1);
  assert.equal(r.err.split('\n').slice(0, 3), [
    'ERROR:  PARALLEL must be an integer from 1 to 1000, got 0',
    "LINE 1: RVBBIT MAP PARALLEL 0 'traits/extract_brand.yaml' USING (SEL...",
    '                            ^',
  ]);
});

psqlTest('Ctrl-C in psql sends a CancelRequest that stops the MAP', async () => {
  const before = f.sim.stats().requests;
  const child = spawn(
    PSQL,
    [
      '-X',
      '-h',
      '127.0.0.1',
      '-p',
      String(f.port),
      '-U',
      'psql',
      'rvbbit',
      '-c',
      "RVBBIT MAP PARALLEL 1 'traits/extract_brand.yaml' USING (SELECT 'slow ' || range AS product_name FROM range(100))",
    ],
    { env: { ...process.env, PAGER: '' } },
  );
  let err = '';
  child.stderr.on('data', (b) => {
    err += b;
  });
  // Cancel once the MAP is really running (its first LLM call arrived), not after a fixed sleep.
  for (let i = 0; i < 300 && f.sim.stats().requests <= before; i++)
    await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.on('close', r));
  // Stopped, by calls rather than the clock: psql got its answer before the MAP's 100 calls (10 s
  // at 100 ms each, PARALLEL 1), and no call starts after it.
  const made = f.sim.stats().requests - before;
  assert.ok(made < 100, `${made} calls`);
  await new Promise((r) => setTimeout(r, 300));
  assert.is(f.sim.stats().requests - before, made);
  assert.is(code, 1);
  assert.match(err, /Cancel request sent/);
  assert.match(err, /ERROR: {2}canceling statement due to user request|ERROR: {2}.*cancel/);
  assert.ok(f.log.some((l) => /cancel request/.test(l)));
});

test.run();
