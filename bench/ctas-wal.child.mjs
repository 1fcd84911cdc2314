/**
 * Whether the rows of a CTAS written through a pending table (db/pending-tables.ts) reach the
 * database file once (DuckDB's optimistic writes, row groups written as they fill) or twice (the
 * rows copied into the WAL at commit, then checkpointed), with DuckDB alone (issue 66). Table `p`
 * (x VARCHAR, _error VARCHAR) is created and committed empty, then one transaction appends
 * 400,000 rows of ~510 bytes, 2,000 rows an Appender flush, as map-stream-write.ts does. Prints
 * the WAL size before and after the commit, and DuckDB's buffers by tag before it.
 *
 *   node bench/ctas-wal.child.mjs plain        # only the appends in the transaction
 *   node bench/ctas-wal.child.mjs drop         # + ALTER TABLE p DROP COLUMN _error before COMMIT
 *   node bench/ctas-wal.child.mjs rename       # + ALTER TABLE p RENAME TO out before COMMIT
 *   node bench/ctas-wal.child.mjs drop-rename  # both (map-stream-write.ts before mem66c)
 *   node bench/ctas-wal.child.mjs in           # CREATE TABLE inside the transaction (before mem66b)
 *   node bench/ctas-wal.child.mjs after        # drop + rename in a transaction of their own, after COMMIT
 *   (a second argument: the rows, 400,000 by default; MEMORY_LIMIT=256MB: DuckDB's bound)
 *
 * The commit checkpoints nothing (checkpoint_threshold 100GB), so the WAL after it is what it
 * wrote. DuckDB buffers 5 row groups (write_buffer_row_group_count) before writing them, so
 * 400,000 rows stay in memory; at 1,000,000 (session 25, DuckDB 1.5.6): 162 MB written to the
 * file before the commit in every mode; WAL after the commit `plain` 0, `rename` 0, `after` 0
 * (its drop + rename 7 ms), `drop` 483 MB, `drop-rename` 424 MB: a DROP COLUMN in the
 * appending transaction makes the commit copy every row into the WAL.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const mode = process.argv[2] ?? 'plain';
// Rows of ~510 bytes that compress as text does, not as one repeated letter (FSST, dictionary).
const hex = Array.from({ length: 4096 }, (_, k) =>
  ((k * 2654435761) % 2 ** 32).toString(16).padStart(8, '0'),
);
const text = (n) => {
  let s = `row ${n}`;
  for (let k = 0; s.length < 500; k++) s += ` ${hex[(n * 31 + k * 17) % hex.length]}`;
  return s;
};
const rows = Number(process.argv[3] ?? 400_000);
const dir = mkdtempSync(join(tmpdir(), 'rvbbit-ctas-wal-'));
const mb = (n) => (n / 2 ** 20).toFixed(0);
const size = (f) => (existsSync(join(dir, f)) ? mb(statSync(join(dir, f)).size) : '0');
try {
  const inst = await DuckDBInstance.create(join(dir, 'x.duckdb'));
  const a = await inst.connect();
  const b = await inst.connect();
  // No checkpoint at the commit, so the WAL after it shows what the commit wrote there.
  await a.run(`SET GLOBAL checkpoint_threshold = '100GB'`);
  if (process.env.MEMORY_LIMIT) await a.run(`SET GLOBAL memory_limit = '${process.env.MEMORY_LIMIT}'`);
  if (mode !== 'in') await a.run('CREATE TABLE p (x VARCHAR, _error VARCHAR)');
  await a.run('CHECKPOINT');
  await a.run('BEGIN');
  if (mode === 'in') await a.run('CREATE TABLE p (x VARCHAR, _error VARCHAR)');
  const ap = await a.createAppender('p');
  const t0 = performance.now();
  for (let i = 0; i < rows / 2000; i++) {
    for (let j = 0; j < 2000; j++) {
      ap.appendVarchar(text(i * 2000 + j));
      ap.appendNull();
      ap.endRow();
    }
    ap.flushSync();
  }
  ap.closeSync();
  const appended = performance.now();
  const walAppended = size('x.duckdb.wal');
  const fileAppended = size('x.duckdb');
  if (mode === 'drop' || mode === 'drop-rename') await a.run('ALTER TABLE p DROP COLUMN _error');
  if (mode === 'rename' || mode === 'drop-rename') await a.run('ALTER TABLE p RENAME TO out');
  const r = await b.runAndReadAll(
    'SELECT tag, memory_usage_bytes::DOUBLE AS b FROM duckdb_memory() WHERE memory_usage_bytes > 0',
  );
  const buffers = r
    .getRowObjectsJS()
    .map((t) => `${t.tag} ${mb(Number(t.b))}`)
    .join(', ');
  const walBefore = size('x.duckdb.wal');
  const c0 = performance.now();
  await a.run('COMMIT');
  const committed = performance.now();
  const walAfter = size('x.duckdb.wal');
  const s0 = performance.now();
  if (mode === 'after') {
    await a.run('BEGIN');
    await a.run('ALTER TABLE p DROP COLUMN _error');
    await a.run('ALTER TABLE p RENAME TO out');
    await a.run('COMMIT');
  }
  const second = performance.now() - s0;
  const walEnd = size('x.duckdb.wal');
  const n = (
    await b.runAndReadAll(
      `SELECT count(*)::INT AS n FROM ${mode.includes('rename') || mode === 'after' ? 'out' : 'p'}`,
    )
  ).getRowObjectsJS()[0].n;
  console.log(
    `${mode}: ${n} rows; appended in ${(appended - t0).toFixed(0)} ms (file ${fileAppended} MB, WAL ${walAppended} MB); ` +
      `before COMMIT: WAL ${walBefore} MB, buffers MB: ${buffers}; COMMIT ${(committed - c0).toFixed(0)} ms, ` +
      `WAL after ${walAfter} MB, ${mode === 'after' ? `drop + rename ${second.toFixed(0)} ms, ` : ''}at end ${walEnd} MB, file ${size('x.duckdb')} MB; peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} MB`,
  );
  a.closeSync();
  b.closeSync();
  inst.closeSync();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
