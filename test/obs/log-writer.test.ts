import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectionQueue } from '../../src/db/connection-queue.js';
import type { LoggedCall } from '../../src/obs/call-rows.js';
import { LogWriter, loggedCall } from '../../src/obs/log-writer.js';
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
  // Refused by the client itself, never sent (a prompt over a window it knows).
  {
    ...base,
    session_id: 's3 unsent',
    row_index: 3,
    tokens_in: 0,
    tokens_out: 0,
    cost: 0,
    status: 'error',
    error: "LLM_CONTEXT_TOO_LONG: the prompt has 5000 tokens; sim-small's context window is 2000 tokens",
    answered_by: undefined,
    sent: false,
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
  // What the provider did: prompt-cached tokens, the schema's route, a refused mode, Batch API.
  { ...base, session_id: 's10', row_index: 10, tokens_cached: 1024, response_format: 'json_schema' },
  {
    ...base,
    session_id: 's11',
    row_index: 11,
    tokens_cached: 0,
    response_format: 'json_object',
    warning: 'json_schema refused by api.example.com: Invalid schema',
  },
  { ...base, session_id: 's12', row_index: 12, response_format: 'prompt', delivery: 'batch' },
  { ...base, session_id: 's13', row_index: 13, tokens_cached: 1151.6, delivery: 'batch' },
];

const SELECT = `SELECT session_id, caller_id, query_id, cascade_id, cell, row_index, model, epoch_ms("timestamp") AS t,
  duration_ms, tokens_in, tokens_out, cost, cache_hit, status, error, answered_by,
  tokens_cached, response_format, delivery, warning, sent
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
      tokens_cached: Math.round(r.tokens_cached ?? 0),
      response_format: r.response_format ?? null,
      delivery: r.delivery ?? null,
      warning: r.warning ?? null,
      // A request went out: not a cache hit, not refused unsent by the client.
      sent: !r.cache_hit && r.sent !== false,
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

test('the four columns after answered_by, exactly: row 10 to 13 of the records', async () => {
  const { con, logs } = await writer(true);
  await logs.calls(records);
  await logs.flush();
  const r = await con.runAndReadAll(
    `SELECT row_index::INTEGER AS i, tokens_cached, response_format, delivery, warning
     FROM rvbbit.unified_logs WHERE row_index >= 9 ORDER BY row_index`,
  );
  assert.equal(r.getRowObjectsJS(), [
    { i: 9, tokens_cached: 0, response_format: null, delivery: null, warning: null },
    { i: 10, tokens_cached: 1024, response_format: 'json_schema', delivery: null, warning: null },
    {
      i: 11,
      tokens_cached: 0,
      response_format: 'json_object',
      delivery: null,
      warning: 'json_schema refused by api.example.com: Invalid schema',
    },
    { i: 12, tokens_cached: 0, response_format: 'prompt', delivery: 'batch', warning: null },
    { i: 13, tokens_cached: 1152, response_format: null, delivery: 'batch', warning: null },
  ]);
});

test("loggedCall carries a call record's cache, schema route, warning and delivery; a cache hit has none", () => {
  const origin = { callerId: 'map', queryId: 'q1', cascadeId: 'label', model: 'sim-small' } as const;
  const call = {
    cell: 'label',
    model: 'sim-small',
    started_at: 1_700_000_000_000,
    duration_ms: 3,
    tokens_in: 1200,
    tokens_out: 7,
    cost: 0.0001,
    status: 'ok',
    answered_by: 'api.openai.com',
    tokens_cached: 1152,
    response_format: 'json_object',
    warning: 'json_schema refused by api.openai.com: nope',
    delivery: 'batch',
  } as const;
  const row = loggedCall(origin, { sessionId: 's', index: 4 }, call);
  assert.equal(
    [row.tokens_cached, row.response_format, row.warning, row.delivery, row.answered_by],
    [1152, 'json_object', 'json_schema refused by api.openai.com: nope', 'batch', 'api.openai.com'],
  );
  const hit = loggedCall(origin, { sessionId: 's', index: 5 }, null);
  assert.equal(
    [hit.tokens_cached, hit.response_format, hit.warning, hit.delivery, hit.answered_by],
    [undefined, undefined, undefined, undefined, 'cache'],
  );
});

test('cache hits logged in one INSERT fill the new columns: 0 cached tokens, no route, no delivery, no warning', async () => {
  const { con, logs } = await writer(false);
  await logs.cacheHits(
    { callerId: 'map', queryId: 'q9', cascadeId: 'label', model: 'sim-small' },
    [0, 1, 2],
    1,
  );
  const r = await con.runAndReadAll(
    `SELECT row_index::INTEGER AS i, cache_hit, answered_by, tokens_cached, response_format, delivery, warning
     FROM rvbbit.unified_logs ORDER BY row_index`,
  );
  assert.equal(
    r.getRowObjectsJS(),
    [0, 1, 2].map((i) => ({
      i,
      cache_hit: true,
      answered_by: 'cache',
      tokens_cached: 0,
      response_format: null,
      delivery: null,
      warning: null,
    })),
  );
});

/** unified_logs as files made before the four columns after answered_by had it. */
const OLD_LAYOUT = `CREATE TABLE rvbbit.unified_logs (
  session_id VARCHAR, caller_id VARCHAR, query_id VARCHAR, cascade_id VARCHAR, cell VARCHAR,
  row_index BIGINT, model VARCHAR, "timestamp" TIMESTAMP, duration_ms DOUBLE,
  tokens_in INTEGER, tokens_out INTEGER, cost DOUBLE, cache_hit BOOLEAN,
  status VARCHAR, error VARCHAR, answered_by VARCHAR
)`;

test('a database file made before: unified_logs gains the four columns last, its rows kept with NULLs; new rows append', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-old-logs-'));
  try {
    const file = join(dir, 'old.duckdb');
    {
      const instance = await DuckDBInstance.create(file);
      const con = await instance.connect();
      await con.run('CREATE SCHEMA rvbbit');
      await con.run(OLD_LAYOUT);
      await con.run(
        `INSERT INTO rvbbit.unified_logs VALUES ('old', 'map', 'q0', 'label', 'label', 0, 'sim-small',
         epoch_ms(1700000000000), 5, 30, 5, 0.000125, false, 'ok', NULL, 'simulator')`,
      );
      con.closeSync();
      instance.closeSync();
    }
    const instance = await DuckDBInstance.create(file);
    const con = await instance.connect();
    try {
      const store = await ensureRvbbitSchema(con);
      // Again: every ALTER is IF NOT EXISTS.
      await ensureRvbbitSchema(con);
      const columns = await con.runAndReadAll(
        `SELECT column_name, column_type FROM (DESCRIBE rvbbit.unified_logs)`,
      );
      assert.equal(columns.getRowObjectsJS().slice(14), [
        { column_name: 'error', column_type: 'VARCHAR' },
        { column_name: 'answered_by', column_type: 'VARCHAR' },
        { column_name: 'tokens_cached', column_type: 'INTEGER' },
        { column_name: 'response_format', column_type: 'VARCHAR' },
        { column_name: 'delivery', column_type: 'VARCHAR' },
        { column_name: 'warning', column_type: 'VARCHAR' },
        { column_name: 'sent', column_type: 'BOOLEAN' },
      ]);
      const logs = new LogWriter(new ConnectionQueue(con), store);
      await logs.calls([
        { ...base, session_id: 'new', row_index: 1, tokens_cached: 1024, response_format: 'json_schema' },
      ]);
      await logs.cacheHits({ callerId: 'map', queryId: 'q1', cascadeId: 'label' }, [2], 1);
      await logs.flush();
      const r = await con.runAndReadAll(
        `SELECT session_id, row_index::INTEGER AS i, tokens_in, answered_by, tokens_cached, response_format, delivery, warning, sent
         FROM rvbbit.unified_logs ORDER BY row_index`,
      );
      assert.equal(r.getRowObjectsJS(), [
        {
          session_id: 'old',
          i: 0,
          tokens_in: 30,
          answered_by: 'simulator',
          tokens_cached: null,
          response_format: null,
          delivery: null,
          warning: null,
          sent: null,
        },
        {
          session_id: 'new',
          i: 1,
          tokens_in: 30,
          answered_by: 'simulator',
          tokens_cached: 1024,
          response_format: 'json_schema',
          delivery: null,
          warning: null,
          sent: true,
        },
        {
          session_id: '',
          i: 2,
          tokens_in: 0,
          answered_by: 'cache',
          tokens_cached: 0,
          response_format: null,
          delivery: null,
          warning: null,
          sent: false,
        },
      ]);
      await logs.close();
    } finally {
      con.closeSync();
      instance.closeSync();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('spentBy counts the calls sent: a call the client refused unsent is logged, not counted', async () => {
  const { logs } = await writer(true);
  const q = (r: LoggedCall) => ({ ...r, query_id: 'spent' });
  await logs.calls(records.slice(0, 6).map(q));
  // base, s1 (unpriced), s2, s3 (a sent failure) and s3 unsent; s4 is a cache hit.
  const spent = await logs.spentBy('spent');
  assert.equal(
    { calls: spent.calls, cacheHits: spent.cacheHits, unpriced: spent.unpriced },
    { calls: 4, cacheHits: 1, unpriced: 1 },
  );
});

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
