/**
 * A query that fails part-way through a stream fails, never ends short in
 * silence. DuckDB's streaming fetch ends the same way on an error as at the
 * end (@duckdb/node-api exposes no duckdb_result_error): before, a SELECT that
 * hit error() at row 300,000 of 600,000 came out of engine.stream as ~172,000
 * rows and a normal end, and a semantic filter over such input answered over
 * the rows read. Each case also leaves the session's connection outside any
 * transaction the stream opened (a BEGIN after it works).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RvbbitError } from '../../base/errors.js';
import { createEngine, type Engine } from '../../src/index.js';

const FAILING = `SELECT CASE WHEN range = 300000 THEN error('boom at 300000') ELSE range END AS x FROM range(600000)`;
const GOOD = 'SELECT range AS x FROM range(600000)';

const t = suite<{ engine: Engine }>('stream-failure');
t.before(async (ctx) => {
  ctx.engine = await createEngine();
});
t.after(async (ctx) => {
  await ctx.engine.close();
});

/** Rows the stream gave, and its error (undefined when it ended). */
async function drained(engine: Engine, sql: string): Promise<{ rows: number; error?: RvbbitError }> {
  let rows = 0;
  try {
    for await (const batch of engine.stream(sql)) rows += batch.length;
    return { rows };
  } catch (err) {
    return { rows, error: err as RvbbitError };
  }
}

/** The session is in no transaction: a BEGIN of its own works (it fails inside one). */
async function outsideTransaction(engine: Engine): Promise<void> {
  await engine.query('BEGIN');
  await engine.query('COMMIT');
}

t(
  'a SELECT failing part-way fails the stream with DUCKDB_STREAM_FAILED, after fewer rows than it had',
  async ({ engine }) => {
    const r = await drained(engine, FAILING);
    assert.is(r.error?.code, 'DUCKDB_STREAM_FAILED');
    assert.ok(r.rows < 300000, `${r.rows} rows`);
    assert.is(r.error?.detail.rows, r.rows);
    await outsideTransaction(engine);
  },
);

t('a SELECT that succeeds streams every row and leaves no transaction open', async ({ engine }) => {
  assert.equal(await drained(engine, GOOD), { rows: 600000 });
  await outsideTransaction(engine);
});

t('a reader that stops after the first batch leaves no transaction open', async ({ engine }) => {
  for await (const batch of engine.stream(GOOD)) {
    assert.ok(batch.length > 0);
    break;
  }
  await outsideTransaction(engine);
});

t(
  "inside the user's transaction: the failure is reported, and the transaction is the user's to roll back",
  async ({ engine }) => {
    await engine.query('BEGIN');
    const r = await drained(engine, FAILING);
    assert.is(r.error?.code, 'DUCKDB_STREAM_FAILED');
    await engine.query('ROLLBACK');
    // A good stream inside the user's transaction commits nothing of its own: the user's COMMIT does.
    await engine.query('BEGIN');
    assert.equal(await drained(engine, GOOD), { rows: 600000 });
    await engine.query('COMMIT');
    await outsideTransaction(engine);
  },
);

t(
  'a semantic filter over input that fails part-way fails, not answered over the rows read',
  async ({ engine }) => {
    const sql = `SELECT count(*) AS n FROM (SELECT CASE WHEN range = 5000 THEN error('boom at 5000') ELSE 'eco bottle ' || range END AS t FROM range(10000)) WHERE t MEANS 'eco'`;
    const r = await drained(engine, sql);
    assert.ok(r.error, `ended with ${r.rows} rows`);
    assert.match(r.error!.message, /boom at 5000|failed after/);
    await outsideTransaction(engine);
  },
);

t.run();
