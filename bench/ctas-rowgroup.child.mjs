/**
 * What DuckDB holds while a CTAS's rows are appended to a table in a database file, and what the
 * table's row groups then cost a user's scans (issue 66), with DuckDB alone. Rows as
 * bench/paths-memory.bench.ts makes them and a MAP's CTAS writes them: `id BIGINT, text VARCHAR`
 * (~1 KB), `label VARCHAR`, `_error VARCHAR`. The table is committed empty first, the rows
 * appended 2,000 an Appender flush, then `_error` dropped and the table renamed in a second
 * transaction (map-stream-write.ts, createDirectly). The engine's settings: its allocator settings
 * (spill-settings.ts) and the LLM bound (256MB, llm-work-bound.ts) while appending.
 *
 *   node bench/ctas-rowgroup.child.mjs <mode> [rows=1000000]
 *     default        the database opened as the engine opens it (DuckDB's 122,880-row groups)
 *     attach=N       ':memory:' opened, the file ATTACHed with (ROW_GROUP_SIZE N) and USEd
 *     reopen=N       the file made by an ATTACH with (ROW_GROUP_SIZE N), then opened as `default`
 *     commit=K       as `default`, the appending transaction committed every K rows
 *     buffer=K       as `default`, SET write_buffer_row_group_count = K
 *   MEMORY_LIMIT (256MB): DuckDB's bound while appending; 1GB (the engine's) after.
 *
 * Prints, every 50,000 rows and at the end: RSS, DuckDB's buffers by tag (the largest seen), the
 * file and WAL sizes; then the table's row groups, the file's size, and the median of 3 runs of
 * each scan on the file reopened (a sum over the text, a filter on id, a LIKE over the text).
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const [mode, arg] = (process.argv[2] ?? 'default').split('=');
const rows = Number(process.argv[3] ?? 1_000_000);
const limit = process.env.MEMORY_LIMIT ?? '256MB';
const dir = mkdtempSync(join(tmpdir(), 'rvbbit-ctas-rowgroup-'));
const file = join(dir, 'f.duckdb');
const mb = (n) => Math.round(n / 2 ** 20);
const size = (f) => (existsSync(f) ? mb(statSync(f).size) : 0);
const padding = 'lorem ipsum dolor sit amet '.repeat(37);
const labels = ['positive', 'negative', 'neutral', 'mixed'];

async function settings(con) {
  // The engine's (spill-settings.ts ALLOCATOR_SETTINGS).
  await con.run(`SET GLOBAL allocator_flush_threshold = '8MB'`);
  await con.run(`SET GLOBAL allocator_bulk_deallocation_flush_threshold = '8MB'`);
  await con.run('SET GLOBAL allocator_background_threads = true');
  await con.run(`SET GLOBAL memory_limit = '${limit}'`);
}

async function open() {
  if (mode === 'attach') {
    const inst = await DuckDBInstance.create(':memory:');
    const con = await inst.connect();
    await con.run(`ATTACH '${file}' AS f (ROW_GROUP_SIZE ${Number(arg)})`);
    await con.run('USE f');
    return { inst, con };
  }
  if (mode === 'reopen') {
    const made = await DuckDBInstance.create(':memory:');
    const c = await made.connect();
    await c.run(`ATTACH '${file}' AS f (ROW_GROUP_SIZE ${Number(arg)})`);
    await c.run('CREATE TABLE f.seed AS SELECT 1 AS x');
    await c.run('DETACH f');
    c.closeSync();
    made.closeSync();
  }
  const inst = await DuckDBInstance.create(file);
  return { inst, con: await inst.connect() };
}

const { inst, con } = await open();
const probe = await inst.connect();
await settings(con);
if (mode === 'buffer') await con.run(`SET GLOBAL write_buffer_row_group_count = ${Number(arg)}`);
await con.run('CREATE TABLE p (id BIGINT, text VARCHAR, label VARCHAR, _error VARCHAR)');
await con.run('CHECKPOINT');

const most = {};
let mostRss = 0;
async function sample(done) {
  const r = await probe.runAndReadAll(
    'SELECT tag, memory_usage_bytes::DOUBLE AS b FROM duckdb_memory() WHERE memory_usage_bytes > 0',
  );
  const now = Object.fromEntries(r.getRowObjectsJS().map((t) => [t.tag, mb(Number(t.b))]));
  for (const [tag, v] of Object.entries(now)) most[tag] = Math.max(most[tag] ?? 0, v);
  const rss = mb(process.memoryUsage().rss);
  mostRss = Math.max(mostRss, rss);
  console.error(
    `${done} rows: RSS ${rss} MB, file ${size(file)} MB, WAL ${size(`${file}.wal`)} MB, DuckDB ${JSON.stringify(now)}`,
  );
}

const every = mode === 'commit' ? Number(arg) : Number.POSITIVE_INFINITY;
let committedRows = 0;
const t0 = performance.now();
await con.run('BEGIN TRANSACTION');
const ap = await con.createAppender('p');
for (let done = 0; done < rows; ) {
  for (let j = 0; j < 2000 && done < rows; j++, done++) {
    ap.appendBigInt(BigInt(done));
    ap.appendVarchar(`${padding}${done}`);
    ap.appendVarchar(labels[done % labels.length]);
    ap.appendNull();
    ap.endRow();
  }
  ap.flushSync();
  if (done - committedRows >= every && done < rows) {
    committedRows = done;
    await con.run('COMMIT');
    await con.run('BEGIN TRANSACTION');
  }
  if (done % 50_000 === 0) await sample(done);
}
ap.closeSync();
const appended = performance.now();
await sample('before COMMIT');
await con.run('COMMIT');
const committed = performance.now();
await con.run('BEGIN TRANSACTION');
await con.run('ALTER TABLE p DROP COLUMN _error');
await con.run('ALTER TABLE p RENAME TO out');
await con.run('COMMIT');
await con.run(`SET GLOBAL memory_limit = '1GB'`);
await sample('after');
const groups = (
  await con.runAndReadAll(`SELECT count(DISTINCT row_group_id)::INT AS g FROM pragma_storage_info('out')`)
).getRowObjectsJS()[0].g;
const walEnd = size(`${file}.wal`);
probe.closeSync();
con.closeSync();
inst.closeSync();
const peak = mb(process.resourceUsage().maxRSS * 1024);

// The user's later scans, on the file reopened as the engine opens it.
const reader = await DuckDBInstance.create(file);
const rc = await reader.connect();
await rc.run(`SET GLOBAL memory_limit = '1GB'`);
const scans = {
  sum: 'SELECT sum(length(text))::DOUBLE AS v FROM out',
  'id filter': 'SELECT count(*)::DOUBLE AS v FROM out WHERE id BETWEEN 500000 AND 510000',
  like: `SELECT count(*)::DOUBLE AS v FROM out WHERE text LIKE '%amet 12345%'`,
};
const timed = {};
for (const [name, sql] of Object.entries(scans)) {
  const ms = [];
  let v;
  for (let k = 0; k < 3; k++) {
    const s = performance.now();
    v = (await rc.runAndReadAll(sql)).getRowObjectsJS()[0].v;
    ms.push(performance.now() - s);
  }
  const median = [...ms].sort((a, b) => a - b)[1];
  timed[name] = `${median.toFixed(0)} ms (${ms.map((m) => m.toFixed(0)).join('/')}) = ${v}`;
}
const n = (await rc.runAndReadAll('SELECT count(*)::INT AS n FROM out')).getRowObjectsJS()[0].n;
rc.closeSync();
reader.closeSync();
console.log(
  `${process.argv[2] ?? 'default'} ${rows}: ${n} rows; appended ${((appended - t0) / 1000).toFixed(1)} s, ` +
    `COMMIT ${((committed - appended) / 1000).toFixed(1)} s; peak RSS ${peak} MB (sampled max ${mostRss}); ` +
    `DuckDB's largest by tag MB ${JSON.stringify(most)}; row groups ${groups}; file ${size(file)} MB, WAL at end ${walEnd} MB; ` +
    `scans (median of 3; the 3 runs): ${JSON.stringify(timed)}`,
);
rmSync(dir, { recursive: true, force: true });
