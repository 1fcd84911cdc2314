/**
 * `rvbbit eval`'s arguments, through the spawned CLI (src/cli/eval-input.ts):
 * a bad number is bad usage (exit 2, one line and where to read more, no
 * stack trace); `--table` goes into the sampling SQL as a quoted name, never
 * as text; a statement that writes is refused before any call (the
 * simulator counts none) and before it could run once per set-up.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { quotedTableName, writingStatementProblem } from '../../src/cli/eval-input.js';
import { startSimulator } from '../../src/sim/index.js';
import { rvbbit } from './helpers.js';

const SETUP = `CREATE TABLE "odd items" AS SELECT range::INTEGER AS id, 'plain part ' || range AS body FROM range(30)`;
const STATEMENT = `SELECT id FROM "odd items" WHERE body MEANS 'eco friendly'`;
const POINTER = '(rvbbit eval --help for usage)';

async function evalWith(sim: { url: string }, args: readonly string[], statement = STATEMENT) {
  return rvbbit(['eval', statement, '--setup', SETUP, '--candidate', '-- @ batch: 4', ...args], {
    env: { RVBBIT_BASE_URL: sim.url, RVBBIT_API_KEY: 'sim-key', RVBBIT_MODEL: 'sim-small' },
  });
}

test('eval: --sample and --seed that are not whole numbers in range are usage errors (exit 2, one line + pointer)', async () => {
  const sim = await startSimulator();
  try {
    const cases: [string, string][] = [
      ['--sample', '0'],
      ['--sample', '-5'],
      ['--sample', 'abc'],
      ['--seed', 'abc'],
    ];
    for (const [flag, value] of cases) {
      const r = await evalWith(sim, ['--table', '"odd items"', flag, value]);
      assert.is(r.code, 2, `${flag} ${value}: ${r.err}`);
      const lines = r.err.trimEnd().split('\n');
      assert.is(lines.length, 2, `${flag} ${value}: ${r.err}`);
      assert.match(
        lines[0]!,
        `error: option '${flag} <n>' argument '${value}' is invalid. ${flag} must be an integer from`,
      );
      assert.is(lines[1], POINTER);
      assert.not.match(r.err, /\n\s+at /);
    }
    assert.is(sim.stats().requests, 0);
  } finally {
    await sim.close();
  }
});

test('eval: --table is a quoted name; SQL in it is bad usage, not pasted into the sampling statement', async () => {
  const sim = await startSimulator();
  try {
    for (const value of ['items; DROP TABLE items', 'a..b']) {
      const r = await evalWith(sim, ['--table', value]);
      assert.is(r.code, 2, `--table ${value}: ${r.err}`);
      assert.match(r.err, `--table must name a table`);
      assert.ok(r.err.trimEnd().endsWith(POINTER), r.err);
    }
    assert.is(sim.stats().requests, 0);
    // A name that needs quotes works written quoted: 10 rows sampled, 1 packed call for the reference
    // (was 10, one per row, before issue 67 packed unannotated statements).
    const ok = await evalWith(sim, ['--table', '"odd items"', '--sample', '10', '--format', 'json']);
    assert.is(ok.code, 0, ok.err);
    const [packed] = JSON.parse(ok.out) as { calls: number; rows: number }[];
    assert.is(packed!.calls, 3);
    assert.is(sim.stats().requests, 1 + 3);
  } finally {
    await sim.close();
  }
});

test('eval: a statement that writes is refused before anything runs (exit 2, no call)', async () => {
  const sim = await startSimulator();
  try {
    for (const [statement, word] of [
      [`DELETE FROM "odd items" WHERE body MEANS 'eco friendly'`, 'DELETE statement'],
      [`WITH d AS (SELECT 1) DELETE FROM "odd items"`, 'holds DELETE'],
      [`${STATEMENT}; DROP TABLE "odd items"`, 'more than one statement'],
    ] as const) {
      const r = await evalWith(sim, ['--table', '"odd items"'], statement);
      assert.is(r.code, 2, `${statement}: ${r.err}`);
      assert.match(r.err, 'rvbbit eval: the statement is refused: ');
      assert.match(r.err, word);
      assert.is(r.err.trimEnd().split('\n').length, 1, r.err);
    }
    assert.is(sim.stats().requests, 0);
  } finally {
    await sim.close();
  }
});

test('quotedTableName and writingStatementProblem', () => {
  assert.is(quotedTableName('items'), '"items"');
  assert.is(quotedTableName('main.items'), '"main"."items"');
  assert.is(quotedTableName('db."my ""x"" table"'), '"db"."my ""x"" table"');
  assert.is(writingStatementProblem(`-- @ model: x\nSELECT 'delete me' AS "update" FROM t;`), undefined);
  assert.is(writingStatementProblem(`(SELECT 1) UNION (SELECT 2)`), undefined);
  assert.match(writingStatementProblem('')!, 'empty');
  assert.match(writingStatementProblem('INSERT INTO t SELECT 1')!, 'INSERT statement');
  assert.match(writingStatementProblem('CREATE TABLE x AS SELECT 1')!, 'CREATE statement');
  assert.match(writingStatementProblem('SELECT * FROM (UPDATE t SET a = 1 RETURNING *)')!, 'holds UPDATE');
  for (const bad of ['', 'a.b.c.d', 'a b', '"x', 't;'])
    assert.throws(() => quotedTableName(bad), /--table must name a table/);
});

test.run();
