/**
 * A run's calls are found by session id through an index in a database file,
 * not a scan of the whole call log (issue 66): the plan DuckDB runs for
 * `count(*) … WHERE session_id = …` is an index scan, and a file written before
 * the index existed gets it at the next start. The in-memory store keeps a
 * bounded log (log-retention.ts) and has no index: a scan of it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectionQueue } from '../../src/db/connection-queue.js';
import { LogWriter, loggedCall } from '../../src/obs/log-writer.js';
import { ensureRvbbitSchema } from '../../src/obs/schema.js';

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
  const plan = (await con.runAndReadAll(`EXPLAIN ANALYZE ${sql}`, [session]))
    .getRows()
    .map((r) => String(r[1]))
    .join('\n');
  return { n, scans: [...plan.matchAll(/Type: (\w+ Scan)/g)].map((m) => m[1]!) };
}

for (const inMemory of [true, false]) {
  const scan = inMemory ? 'Sequential Scan' : 'Index Scan';
  test(`count by session is ${inMemory ? 'a scan (in-memory store)' : 'an index scan (database file)'}`, async () => {
    const path = inMemory ? ':memory:' : join(mkdtempSync(join(tmpdir(), 'rvbbit-logidx-')), 'db.duckdb');
    const db = await DuckDBInstance.create(path);
    const con = await db.connect();
    await logCalls(con, inMemory);
    assert.equal(await countBySession(con, 'udf-misty-owl-000abc'), { n: 1, scans: [scan] });
    assert.equal(await countBySession(con, 'udf-misty-owl-000abc-not-logged'), { n: 0, scans: [scan] });
    con.closeSync();
    db.closeSync();
  });
}

test('a database file written before the index gets it at the next start', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'rvbbit-logidx-')), 'db.duckdb');
  const old = await DuckDBInstance.create(path);
  const con = await old.connect();
  await logCalls(con, false);
  await con.run('DROP INDEX rvbbit.unified_logs_session');
  assert.equal((await countBySession(con, 'udf-misty-owl-000abc')).scans, ['Sequential Scan']);
  con.closeSync();
  old.closeSync();
  const db = await DuckDBInstance.create(path);
  const again = await db.connect();
  await ensureRvbbitSchema(again);
  assert.equal(await countBySession(again, 'udf-misty-owl-000abc'), { n: 1, scans: ['Index Scan'] });
  again.closeSync();
  db.closeSync();
});

test.run();
