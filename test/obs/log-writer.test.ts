import { DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectionQueue } from '../../src/db/connection-queue.js';
import type { LoggedCall } from '../../src/obs/call-rows.js';
import { LogWriter } from '../../src/obs/log-writer.js';
import { ensureRvbbitSchema } from '../../src/obs/schema.js';

const base: LoggedCall = {
  session_id: 'udf-misty-owl-000000',
  caller_id: 'map',
  query_id: 'q1',
  cascade_id: 'label',
  row_index: 0,
  cell: 'label',
  model: 'sim-small',
  started_at: 1_700_000_000_000,
  duration_ms: 12.5,
  tokens_in: 30,
  tokens_out: 5,
  cost: 0.000125,
  cache_hit: false,
  status: 'ok',
  answered_by: 'simulator',
};

/** Plain rows and every unusual kind: NULL cost, NaN duration, an error, a cache hit, fractional tokens, no row index. */
const records: LoggedCall[] = [
  base,
  { ...base, session_id: 's1', row_index: 1, started_at: 1_700_000_000_123.6, cost: null },
  { ...base, session_id: 's2', row_index: 2, duration_ms: Number.NaN, answered_by: undefined },
  {
    ...base,
    session_id: 's3',
    row_index: 3,
    status: 'error',
    error: 'LLM_TIMEOUT: no answer, "quoted", a,b',
  },
  {
    ...base,
    session_id: '',
    row_index: 4,
    cache_hit: true,
    answered_by: 'cache',
    tokens_in: 0,
    tokens_out: 0,
  },
  { ...base, session_id: 's5', row_index: 5, model: 'sim-large' },
  { ...base, session_id: 'has,comma', row_index: 6 },
  { ...base, session_id: 's7', row_index: 7, tokens_in: 2.5 },
  { ...base, session_id: 's8', row_index: null },
  { ...base, session_id: 's9 é 😀', row_index: 9, query_id: 'q2' },
];

const SELECT = `SELECT session_id, caller_id, query_id, cascade_id, cell, row_index, model, epoch_ms("timestamp") AS t,
  duration_ms, tokens_in, tokens_out, cost, cache_hit, status, error, answered_by
  FROM rvbbit.unified_logs ORDER BY row_index NULLS LAST, session_id`;

function expected(rs: readonly LoggedCall[]) {
  return [...rs]
    .sort((a, b) => (a.row_index ?? 1e9) - (b.row_index ?? 1e9) || a.session_id.localeCompare(b.session_id))
    .map((r) => ({
      session_id: r.session_id,
      caller_id: r.caller_id,
      query_id: r.query_id,
      cascade_id: r.cascade_id,
      cell: r.cell,
      row_index: r.row_index === null ? null : BigInt(r.row_index),
      model: r.model,
      t: BigInt(Math.round(r.started_at)),
      duration_ms: Number.isFinite(r.duration_ms) ? r.duration_ms : null,
      tokens_in: Math.round(r.tokens_in),
      tokens_out: r.tokens_out,
      cost: r.cost,
      cache_hit: r.cache_hit,
      status: r.status,
      error: r.error ?? null,
      answered_by: r.answered_by ?? null,
    }));
}

async function writer(inMemory: boolean) {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  const store = await ensureRvbbitSchema(con, { inMemory });
  return { con, logs: new LogWriter(new ConnectionQueue(con), store) };
}

for (const inMemory of [true, false]) {
  test(`unified_logs rows are exactly the records logged (${inMemory ? 'in-memory store' : 'schema rvbbit'})`, async () => {
    const { con, logs } = await writer(inMemory);
    await logs.calls(records.slice(0, 4));
    await logs.calls(records.slice(4));
    await logs.flush();
    assert.equal((await con.runAndReadAll(SELECT)).getRowObjectsJS(), expected(records));
  });
}

test('a long MAP logs every call: 20,000 rows in chunks of 16, all visible after flush', async () => {
  const { con, logs } = await writer(true);
  const many = Array.from({ length: 20_000 }, (_, i) => ({ ...base, session_id: `s${i}`, row_index: i }));
  for (let i = 0; i < many.length; i += 16) await logs.calls(many.slice(i, i + 16));
  await logs.flush();
  const r = await con.runAndReadAll(
    'SELECT count(*)::INTEGER AS n, count(DISTINCT row_index)::INTEGER AS d, min(row_index)::INTEGER AS lo, max(row_index)::INTEGER AS hi FROM rvbbit.unified_logs',
  );
  assert.equal(r.getRowObjectsJS(), [{ n: 20_000, d: 20_000, lo: 0, hi: 19_999 }]);
});

test.run();
