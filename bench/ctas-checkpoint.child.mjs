/**
 * Whether DuckDB checkpoints a database while a large write transaction on it is open (issue 66),
 * with DuckDB alone (node + @duckdb/node-api, its default settings): connection A appends
 * 400,000 rows of ~510 bytes to table `p` in one transaction, 2,000 rows a flush, while
 * connection B commits 4,000 log-like rows (~240 bytes) into `rvbbit.logs` after each flush
 * (200 commits, 800,000 rows). Prints DuckDB's buffers by tag and the file and WAL sizes before
 * A commits.
 *
 *   node bench/ctas-checkpoint.child.mjs in    # CREATE TABLE p inside A's transaction (a CTAS before mem66b)
 *   node bench/ctas-checkpoint.child.mjs pre   # p created and committed first (db/pending-tables.ts)
 *   node bench/ctas-checkpoint.child.mjs nolog # as `in`, B writes nothing
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const mode = process.argv[2] ?? 'in';
const dir = mkdtempSync(join(tmpdir(), 'rvbbit-ctas-checkpoint-'));
mkdirSync(dir, { recursive: true });
try {
  const inst = await DuckDBInstance.create(join(dir, 'x.duckdb'));
  const a = await inst.connect();
  const b = await inst.connect();
  await b.run(
    'CREATE SCHEMA rvbbit; CREATE TABLE rvbbit.logs (s VARCHAR, q VARCHAR, n BIGINT, t TIMESTAMP, m VARCHAR)',
  );
  if (mode === 'pre') await a.run('CREATE TABLE p (x VARCHAR, _error VARCHAR)');
  await a.run('BEGIN');
  if (mode !== 'pre') await a.run('CREATE TABLE p (x VARCHAR, _error VARCHAR)');
  const ap = await a.createAppender('p');
  for (let i = 0; i < 200; i++) {
    for (let j = 0; j < 2000; j++) {
      ap.appendVarchar(`row${'y'.repeat(500)}${i}-${j}`);
      ap.appendNull();
      ap.endRow();
    }
    ap.flushSync();
    if (mode !== 'nolog')
      await b.run(
        `INSERT INTO rvbbit.logs SELECT md5(i::VARCHAR) || md5((i+1)::VARCHAR), 'query-' || ${i}, i, now(), repeat('m', 150) || i FROM range(4000) r(i)`,
      );
  }
  ap.closeSync();
  const r = await b.runAndReadAll(
    'SELECT tag, memory_usage_bytes::DOUBLE AS b FROM duckdb_memory() WHERE memory_usage_bytes > 0',
  );
  const mb = (n) => (n / 2 ** 20).toFixed(0);
  const size = (f) => (existsSync(join(dir, f)) ? mb(statSync(join(dir, f)).size) : '0');
  console.log(
    `${mode}: ${r
      .getRowObjectsJS()
      .map((t) => `${t.tag} ${mb(Number(t.b))} MB`)
      .join(', ')}; file ${size('x.duckdb')} MB, WAL ${size('x.duckdb.wal')} MB`,
  );
  await a.run('COMMIT');
  a.closeSync();
  b.closeSync();
  inst.closeSync();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
