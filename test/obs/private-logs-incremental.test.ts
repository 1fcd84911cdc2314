/**
 * A connection's own copies of the log tables (obs/private-logs.ts OwnLogCopies)
 * take only the rows new since the last refresh where the log database keeps
 * every row (a database file's), and still show exactly what a whole copy shows:
 * a call is the client's once its statement's `queries` row is there (written at
 * the statement's end), another owner's rows never appear, `jobs` rows updated in
 * place are read again, and a copy the client changed (a DELETE, a rolled-back
 * refresh) is made whole again. An in-memory log, which drops its oldest rows,
 * is copied whole every time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectionQueue } from '../../src/db/connection-queue.js';
import {
  createOwnLogTables,
  type LogDatabase,
  OwnLogCopies,
  openPrivateLogs,
  refreshOwnLogs,
} from '../../src/obs/private-logs.js';
import { ensureRvbbitSchema } from '../../src/obs/schema.js';

interface Ctx {
  dir: string;
  db: DuckDBInstance;
  logs: LogDatabase;
  /** The client's connection, refreshed incrementally. */
  client: DuckDBConnection;
  /** Another connection of the same owner, copied whole each time: what the client must see. */
  whole: DuckDBConnection;
}

const t = suite<Ctx>('private logs: incremental copies');

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rvbbit-own-logs-'));
  const file = join(ctx.dir, 'served.duckdb');
  ctx.db = await DuckDBInstance.create(file);
  const system = new ConnectionQueue(await ctx.db.connect());
  const store = await system.run((con) => ensureRvbbitSchema(con));
  ctx.logs = await openPrivateLogs(file, system, store);
  assert.is(ctx.logs.store.maxLogRows, undefined, 'a database file’s log keeps every row');
  ctx.client = await ctx.db.connect();
  ctx.whole = await ctx.db.connect();
  await createOwnLogTables(ctx.client, ctx.logs);
  await createOwnLogTables(ctx.whole, ctx.logs);
});

t.after(async (ctx) => {
  ctx.client.closeSync();
  ctx.whole.closeSync();
  ctx.logs.q.con.closeSync();
  ctx.logs.instance?.closeSync();
  ctx.logs.spill?.close();
  ctx.db.closeSync();
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** Writes to the log database as its writers do (on its own connection). */
function logged(ctx: Ctx, sql: string): Promise<void> {
  return ctx.logs.q.run(async (con) => {
    await con.run(sql);
  });
}

/** `into`: the table (an in-memory log's calls go to a segment of its ring: obs/call-log-ring.ts). */
const calls = (query: string, from: number, n: number, into = 'unified_logs') =>
  `INSERT INTO rvbbit.${into} (session_id, query_id, row_index) SELECT '${query}-' || i, '${query}', i FROM range(${from}, ${from + n}) t(i)`;
const statement = (query: string, owner: string) =>
  `INSERT INTO rvbbit.queries (query_id, text, owner) VALUES ('${query}', 'SELECT ${query}', '${owner}')`;

async function rows(con: DuckDBConnection, sql: string): Promise<string[]> {
  const r = await con.runAndReadAll(sql);
  return r.getRows().map((row) => row.join('|'));
}

const CALLS = `SELECT session_id, query_id, row_index FROM rvbbit.unified_logs ORDER BY query_id, row_index`;
const QUERIES = `SELECT query_id, owner FROM rvbbit.queries ORDER BY query_id`;

/** The client's copy refreshed and the same owner's whole copy: equal, and what the client's refresh appended. */
async function refreshed(ctx: Ctx, copies: OwnLogCopies, tables: ('queries' | 'unified_logs' | 'jobs')[]) {
  await copies.refresh(ctx.client, tables);
  await refreshOwnLogs(ctx.whole, ctx.logs, 'alice', tables);
  for (const sql of [CALLS, QUERIES, 'SELECT session_id, status FROM rvbbit.jobs ORDER BY session_id'])
    assert.equal(await rows(ctx.client, sql), await rows(ctx.whole, sql), sql);
  return { ...copies.lastCopied };
}

t('new rows only, the same rows as a whole copy, never another owner’s', async (ctx) => {
  const copies = new OwnLogCopies(ctx.logs, 'alice');
  await logged(
    ctx,
    `${statement('a0', 'alice')}; ${statement('a1', 'alice')}; ${statement('b0', 'bob')};
     ${calls('a0', 0, 600)}; ${calls('a1', 0, 400)}; ${calls('b0', 0, 50)}`,
  );
  assert.equal(await refreshed(ctx, copies, ['queries', 'unified_logs']), { queries: 2, unified_logs: 1000 });
  assert.equal(await rows(ctx.client, 'SELECT count(*) FROM rvbbit.unified_logs'), ['1000']);

  // Nothing new: nothing copied.
  assert.equal(await refreshed(ctx, copies, ['queries', 'unified_logs']), { queries: 0, unified_logs: 0 });

  // Another connection of alice's is mid-statement: its calls are logged, its statement's row is not yet.
  await logged(ctx, `${calls('a2', 0, 70)}; ${calls('b1', 0, 5)}`);
  assert.equal(await refreshed(ctx, copies, ['unified_logs']), { unified_logs: 0 });

  // Its statement ends (the queries row), after 30 more calls; bob's statement ends too.
  await logged(ctx, `${calls('a2', 70, 30)}; ${statement('a2', 'alice')}; ${statement('b1', 'bob')}`);
  assert.equal(await refreshed(ctx, copies, ['unified_logs']), { unified_logs: 100 });
  // Named later, queries catches up from where its own copy was.
  assert.equal(await refreshed(ctx, copies, ['queries']), { queries: 1 });
  assert.equal(await rows(ctx.client, 'SELECT count(*) FROM rvbbit.unified_logs'), ['1100']);
  assert.equal(await rows(ctx.client, `SELECT count(*) FROM rvbbit.unified_logs WHERE query_id LIKE 'b%'`), [
    '0',
  ]);
});

t('a copy the client changed is made whole again; jobs are read again', async (ctx) => {
  const copies = new OwnLogCopies(ctx.logs, 'alice');
  assert.equal(await refreshed(ctx, copies, ['unified_logs']), { unified_logs: 1100 });
  await ctx.client.run('DELETE FROM temp.main.rvbbit_own_unified_logs WHERE row_index < 10');
  assert.equal(await refreshed(ctx, copies, ['unified_logs']), { unified_logs: 1100 });

  // A refresh inside the client's transaction, rolled back: the next refresh copies whole.
  await logged(ctx, `${statement('a3', 'alice')}; ${calls('a3', 0, 8)}`);
  await ctx.client.run('BEGIN TRANSACTION');
  await copies.refresh(ctx.client, ['unified_logs']);
  assert.equal(copies.lastCopied, { unified_logs: 8 });
  await ctx.client.run('ROLLBACK');
  assert.equal(await refreshed(ctx, copies, ['unified_logs']), { unified_logs: 1108 });

  // A job's row is updated as it runs: each refresh reads it again.
  await logged(
    ctx,
    `INSERT INTO rvbbit.jobs (session_id, status, owner) VALUES ('job-1', 'running', 'alice')`,
  );
  assert.equal(await refreshed(ctx, copies, ['jobs']), { jobs: 1 });
  await logged(ctx, `UPDATE rvbbit.jobs SET status = 'done' WHERE session_id = 'job-1'`);
  assert.equal(await refreshed(ctx, copies, ['jobs']), { jobs: 1 });
  assert.equal(await rows(ctx.client, 'SELECT status FROM rvbbit.jobs'), ['done']);
});

t('an in-memory log (its oldest rows dropped) is copied whole every time', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const system = new ConnectionQueue(await db.connect());
  const store = await system.run((con) => ensureRvbbitSchema(con, { inMemory: true }));
  const logs = await openPrivateLogs(undefined, system, store);
  const client = await db.connect();
  try {
    await createOwnLogTables(client, logs);
    await logs.q.run((con) =>
      con.run(`${statement('a0', 'alice')}; ${calls('a0', 0, 300, 'unified_logs_ring.segment_0')}`),
    );
    const copies = new OwnLogCopies(logs, 'alice');
    await copies.refresh(client, ['unified_logs']);
    assert.equal(copies.lastCopied, { unified_logs: 300 });
    await copies.refresh(client, ['unified_logs']);
    assert.equal(copies.lastCopied, { unified_logs: 300 });
  } finally {
    client.closeSync();
    logs.q.con.closeSync();
    logs.instance?.closeSync();
    logs.spill?.close();
    db.closeSync();
  }
});

t.run();
