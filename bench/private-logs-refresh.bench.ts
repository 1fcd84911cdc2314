/**
 * A server client's own copy of the call log, refreshed before a statement that
 * names `rvbbit.unified_logs` (obs/private-logs.ts OwnLogCopies), after `calls`
 * calls of its own in a database file's log: the first refresh (every row), then
 * one after 100 new calls, against a whole copy each time as before. Times are the
 * log connection held (every other client's log writes wait that long).
 *
 *   flock /work/notes/heavy.lock node --import tsx bench/private-logs-refresh.bench.ts [calls]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ConnectionQueue } from '../src/db/connection-queue.js';
import {
  createOwnLogTables,
  OwnLogCopies,
  openPrivateLogs,
  refreshOwnLogs,
} from '../src/obs/private-logs.js';
import { ensureRvbbitSchema } from '../src/obs/schema.js';

const calls = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'rvbbit-plr-'));
const file = join(dir, 'served.duckdb');
const db = await DuckDBInstance.create(file);
const system = new ConnectionQueue(await db.connect());
const store = await system.run((con) => ensureRvbbitSchema(con));
const logs = await openPrivateLogs(file, system, store);
const log = (sql: string) => logs.q.run((con) => con.run(sql).then(() => undefined));
await log(
  `INSERT INTO rvbbit.queries (query_id, text, owner) SELECT 'q' || i, 'SELECT ' || i, 'alice' FROM range(100) t(i)`,
);
await log(`INSERT INTO rvbbit.unified_logs (session_id, query_id, cell, row_index, model)
  SELECT 'session-' || i, 'q' || (i % 100), 'extract', i, 'gpt-4o-mini' FROM range(${calls}) t(i)`);
const client = await db.connect();
const whole = await db.connect();
await createOwnLogTables(client, logs);
await createOwnLogTables(whole, logs);
const copies = new OwnLogCopies(logs, 'alice');
const timed = async (what: string, f: () => Promise<void>) => {
  const t0 = performance.now();
  await f();
  console.log(`${what}: ${(performance.now() - t0).toFixed(0)} ms`);
};
await timed('incremental, first refresh', () => copies.refresh(client, ['unified_logs']));
await timed('whole copy', () => refreshOwnLogs(whole, logs, 'alice', ['unified_logs']));
await log(`INSERT INTO rvbbit.queries (query_id, text, owner) VALUES ('new', 'SELECT new', 'alice')`);
await log(
  `INSERT INTO rvbbit.unified_logs (session_id, query_id, row_index) SELECT 'new-' || i, 'new', i FROM range(100) t(i)`,
);
await timed('incremental, 100 new calls', () => copies.refresh(client, ['unified_logs']));
console.log(`  copied ${copies.lastCopied.unified_logs}`);
await timed('whole copy, 100 new calls', () => refreshOwnLogs(whole, logs, 'alice', ['unified_logs']));
await timed('incremental, nothing new', () => copies.refresh(client, ['unified_logs']));
client.closeSync();
whole.closeSync();
logs.q.con.closeSync();
logs.instance?.closeSync();
logs.spill?.close();
db.closeSync();
rmSync(dir, { recursive: true, force: true });
