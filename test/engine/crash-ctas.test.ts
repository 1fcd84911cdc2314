/**
 * A MAP written to a table of a database file survives kill -9: `rvbbit
 * query --db file` runs `CREATE TABLE out AS RVBBIT MAP …` against a
 * simulator in another process and is killed with SIGKILL when about half
 * the rows are answered. Then the same statement again pays only for the rows
 * not answered before the kill (the answers the killed run had in hand are in
 * the database's cache or in the answer log beside it, answer-log.ts) and
 * writes exactly the table an uninterrupted run writes, rows in input order.
 * An INSERT of a MAP killed so leaves its scratch file (db/scratch-database.ts)
 * in the database's `<file>.tmp`: the next engine to open the file removes it.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { answerLogPath, readAnswerLog } from '../../src/cache/answer-log.js';
import { PENDING_PREFIX } from '../../src/db/pending-tables.js';
import { startSimulatorProcess } from '../../src/sim/index.js';
import { dbOnSimulator, start } from '../cli/helpers.js';

const N = 2000;
// PARALLEL 20 at 40 ms a call: ~500 calls/s.
const CTAS = `CREATE TABLE out AS RVBBIT MAP PARALLEL 20 'traits/extract_brand.yaml'
  USING (SELECT range AS id, 'Brand' || range || ' phone' AS product_name FROM range(${N})) WITH (limit = 0)`;

function ctas(db: string, simUrl: string) {
  return start(['query', ...dbOnSimulator(db, simUrl), CTAS]);
}

/** Runs `use` on the database file `db`, opened by DuckDB alone (the CLI is not running). */
async function withDatabase<T>(
  db: string,
  use: (read: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>,
) {
  const instance = await DuckDBInstance.create(db);
  const con = await instance.connect();
  try {
    return await use(async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS());
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** The distinct answers a killed run left: in the cache table and in the answer log beside the file. */
async function answersLeft(db: string): Promise<number> {
  const keys = new Set(readAnswerLog(answerLogPath(db)).map((a) => a.key));
  await withDatabase(db, async (read) => {
    const tables = await read(
      `SELECT count(*)::INT AS n FROM duckdb_tables() WHERE schema_name = 'rvbbit' AND table_name = 'cache'`,
    );
    if (Number(tables[0]!.n) === 0) return;
    for (const row of await read('SELECT key FROM rvbbit.cache')) keys.add(String(row.key));
  });
  return keys.size;
}

/** The table `out` as text, row by row in its stored order. */
function tableRows(db: string): Promise<string[]> {
  return withDatabase(db, async (read) =>
    (await read('SELECT * FROM out')).map((r) =>
      JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? Number(v) : v)),
    ),
  );
}

test('kill -9 mid CREATE TABLE … AS RVBBIT MAP: the re-run pays only for the rows not answered, and writes the exact table', async () => {
  const sim = await startSimulatorProcess({ latencyMs: 40 });
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-crash-ctas-'));
  const db = join(dir, 'k.duckdb');
  const clean = join(dir, 'clean.duckdb');
  try {
    const first = ctas(db, sim.url);
    while ((await sim.stats()).completed < N / 2) {
      if (first.child.exitCode !== null) throw new Error(`query ended early: ${first.err()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    first.child.kill('SIGKILL');
    await first.done;
    const answered = await answersLeft(db);
    assert.ok(answered > 0 && answered < N, `killed mid-way (${answered} of ${N} answered)`);
    // The statement never committed: no half-written table, only its pending table, empty (db/pending-tables.ts).
    const tablesNow = () =>
      withDatabase(db, async (read) =>
        (
          await read(
            `SELECT table_name AS t, estimated_size::INT AS n FROM duckdb_tables() WHERE table_name = 'out' OR starts_with(table_name, '${PENDING_PREFIX}')`,
          )
        ).map((r) => [String(r.t).startsWith(PENDING_PREFIX) ? 'pending' : String(r.t), Number(r.n)]),
      );
    assert.equal(await tablesNow(), [['pending', 0]]);

    await sim.resetStats();
    const second = await ctas(db, sim.url).done;
    assert.is(second.code, 0, second.err);
    assert.is((await sim.stats()).requests, N - answered);
    // The re-run's engine dropped the crash's pending table; its own was renamed `out`.
    assert.equal(await tablesNow(), [['out', N]]);

    // An uninterrupted run into a fresh file: the same rows, in the same order.
    const whole = await ctas(clean, sim.url).done;
    assert.is(whole.code, 0, whole.err);
    const expected = await tableRows(clean);
    assert.is(expected.length, N);
    assert.equal(await tableRows(db), expected);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("kill -9 mid INSERT INTO … RVBBIT MAP: the next engine on the file removes the scratch file it left, and keeps a running process's", async () => {
  const sim = await startSimulatorProcess({ latencyMs: 40 });
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-crash-insert-'));
  const db = join(dir, 'k.duckdb');
  const scratch = () =>
    readdirSync(`${db}.tmp`)
      .filter((f) => f.startsWith('rvbbit-scratch-'))
      .sort();
  try {
    const made = await start([
      'query',
      ...dbOnSimulator(db, sim.url),
      'CREATE TABLE brands (id BIGINT, product_name VARCHAR, brand VARCHAR)',
    ]).done;
    assert.is(made.code, 0, made.err);
    const insert = start([
      'query',
      ...dbOnSimulator(db, sim.url),
      `INSERT INTO brands RVBBIT MAP PARALLEL 20 'traits/extract_brand.yaml' AS (brand VARCHAR)
        USING (SELECT range AS id, 'Brand' || range || ' phone' AS product_name FROM range(${N})) WITH (limit = 0)`,
    ]);
    while ((await sim.stats()).completed < N / 4) {
      if (insert.child.exitCode !== null) throw new Error(`query ended early: ${insert.err()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    insert.child.kill('SIGKILL');
    await insert.done;
    const left = scratch();
    assert.ok(
      left.some((f) => f.endsWith('.duckdb')),
      `the killed INSERT left its scratch file (${left.join(', ')})`,
    );
    // A running process's scratch file (this test's pid) is never taken for a crash's.
    const running = `rvbbit-scratch-${process.pid}-0123abcd.duckdb`;
    writeFileSync(join(`${db}.tmp`, running), '');
    const next = await start([
      'query',
      ...dbOnSimulator(db, sim.url),
      '--format',
      'csv',
      'SELECT count(*) AS n FROM brands',
    ]).done;
    assert.is(next.code, 0, next.err);
    // Nothing was inserted: the INSERT never committed.
    assert.is(next.out, 'n\n0\n');
    assert.equal(scratch(), [running]);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
