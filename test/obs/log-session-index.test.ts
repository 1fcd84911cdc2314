/**
 * A run's calls are found by session id with a scan of the call log, in both
 * stores, and a database file's log holds no index that grows with every call
 * (issue 66): a file written while the engine kept an ART on session_id
 * (`unified_logs_session`, held in memory by DuckDB, 44 MB at a million calls)
 * loses it at the next start, its memory with it, and the counts stay right.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectionQueue } from '../../src/db/connection-queue.js';
import { LogWriter, loggedCall } from '../../src/obs/log-writer.js';
import { ensureRvbbitSchema, SESSION_INDEX } from '../../src/obs/schema.js';

const origin = { callerId: 'map', queryId: 'q1', cascadeId: 'label' } as const;
const CALLS = 5000;

async function logCalls(con: DuckDBConnection, inMemory: boolean): Promise<void> {
  const store = await ensureRvbbitSchema(con, { inMemory });
  const logs = new LogWriter(new ConnectionQueue(con), store);
  await logs.calls(
    Array.from({ length: CALLS }, (_, i) =>
      loggedCall(origin, { sessionId: `udf-misty-owl-${i.toString(16).padStart(6, '0')}`, index: i }, null),
    ),
  );
  await logs.close();
}

/** The rows one session has, and the scan DuckDB ran to count them (EXPLAIN ANALYZE: the plan it executed). */
async function countBySession(
  con: DuckDBConnection,
  session: string,
): Promise<{ n: number; scans: string[] }> {
  const sql = 'SELECT count(*) AS n FROM rvbbit.unified_logs WHERE session_id = $1';
  const n = Number((await con.runAndReadAll(sql, [session])).getRowObjectsJS()[0]!.n);
  // As JSON: the text plan of the in-memory log's view (a UNION of its ring's tables) is drawn
  // side by side, a scan's type wrapped across lines.
  const plan = (await con.runAndReadAll(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, [session]))
    .getRows()
    .map((r) => String(r[1]))
    .join('\n');
  return { n, scans: [...plan.matchAll(/"Type": "(\w+ Scan)"/g)].map((m) => m[1]!) };
}

/** DuckDB's memory for ART indexes, in bytes. */
async function artBytes(con: DuckDBConnection): Promise<number> {
  const r = await con.runAndReadAll(
    `SELECT memory_usage_bytes AS n FROM duckdb_memory() WHERE tag = 'ART_INDEX'`,
  );
  return Number(r.getRowObjectsJS()[0]!.n);
}

for (const inMemory of [true, false]) {
  test(`count by session is a scan (${inMemory ? 'in-memory store' : 'database file'}), with no index memory`, async () => {
    const path = inMemory ? ':memory:' : join(mkdtempSync(join(tmpdir(), 'rvbbit-logidx-')), 'db.duckdb');
    const db = await DuckDBInstance.create(path);
    const con = await db.connect();
    await logCalls(con, inMemory);
    assert.equal(await countBySession(con, 'udf-misty-owl-000abc'), { n: 1, scans: ['Sequential Scan'] });
    assert.equal(await countBySession(con, 'udf-misty-owl-000abc-not-logged'), {
      n: 0,
      scans: ['Sequential Scan'],
    });
    assert.is(await artBytes(con), 0);
    con.closeSync();
    db.closeSync();
  });
}

test('a database file written with the old session index loses it, and its memory, at the next start', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'rvbbit-logidx-')), 'db.duckdb');
  const old = await DuckDBInstance.create(path);
  const con = await old.connect();
  await logCalls(con, false);
  // What ensureRvbbitSchema created in a database file before this change.
  await con.run(`CREATE INDEX ${SESSION_INDEX} ON rvbbit.unified_logs (session_id)`);
  assert.equal((await countBySession(con, 'udf-misty-owl-000abc')).scans, ['Index Scan']);
  assert.ok((await artBytes(con)) > 0, 'the old index is held in memory');
  con.closeSync();
  old.closeSync();
  const db = await DuckDBInstance.create(path);
  const again = await db.connect();
  await ensureRvbbitSchema(again);
  assert.equal(await countBySession(again, 'udf-misty-owl-000abc'), { n: 1, scans: ['Sequential Scan'] });
  const indexes = await again.runAndReadAll(
    `SELECT index_name FROM duckdb_indexes() WHERE table_name = 'unified_logs'`,
  );
  assert.equal(indexes.getRows(), []);
  assert.is(await artBytes(again), 0);
  again.closeSync();
  db.closeSync();
});

test.run();
