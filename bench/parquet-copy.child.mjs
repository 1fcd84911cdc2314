/**
 * What a MAP's final `COPY … TO 'x.parquet'` holds, with DuckDB alone (issue 66): a database file
 * holds a scratch table as map-stream-write.ts leaves it (id, ~1 KB text, value, json, error;
 * the rows of bench/paths-memory.bench.ts), and one COPY of it in input order writes the Parquet
 * file under DuckDB's memory_limit, as the engine's final statement does. Prints the COPY's
 * time, the peak RSS of the process before and after the COPY, and the row groups written.
 *
 *   node bench/parquet-copy.child.mjs <rows> <memory_limit> [copy options]
 *   node bench/parquet-copy.child.mjs 1000000 256MB
 *   node bench/parquet-copy.child.mjs 1000000 256MB 'ROW_GROUP_SIZE 16384'
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/** The scratch table, made by a process of its own, so the COPY's process peaks only with the COPY. */
async function makeTable(file, rows) {
  const inst = await DuckDBInstance.create(file);
  const con = await inst.connect();
  await con.run(
    `CREATE TABLE s AS SELECT range AS i0, repeat('lorem ipsum dolor sit amet ', 37) || range AS i1,
       'label ' || (range % 7) AS value, NULL::VARCHAR AS json, NULL::VARCHAR AS error FROM range(${rows})`,
  );
  con.closeSync();
  inst.closeSync();
}

if (process.argv[2] === 'make') {
  await makeTable(process.argv[3], Number(process.argv[4]));
  process.exit(0);
}
const [rows = '100000', limit = '256MB', extra = ''] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'rvbbit-parquet-copy-'));
execFileSync(process.execPath, [process.argv[1], 'make', join(dir, 'x.duckdb'), String(Number(rows))]);
const mb = (n) => (n / 2 ** 20).toFixed(0);
const peak = () => mb(process.resourceUsage().maxRSS * 1024);
try {
  const inst = await DuckDBInstance.create(join(dir, 'x.duckdb'));
  const con = await inst.connect();
  // The engine's allocator settings (db/spill-settings.ts): freed memory given back to the system.
  await con.run(
    `SET GLOBAL allocator_flush_threshold = '8MB'; SET GLOBAL allocator_bulk_deallocation_flush_threshold = '8MB'; SET GLOBAL allocator_background_threads = true`,
  );
  await con.run(`SET GLOBAL memory_limit = '${limit}'`);
  const before = peak();
  const out = join(dir, 'x.parquet');
  const t0 = performance.now();
  await con.run(
    `COPY (SELECT s.i0 AS id, s.i1 AS text, s.value AS result FROM s) TO '${out}' (FORMAT parquet${extra ? `, ${extra}` : ''})`,
  );
  const ms = performance.now() - t0;
  const meta = (
    await con.runAndReadAll(
      `SELECT count(DISTINCT row_group_id)::INT AS g, max(row_group_num_rows)::INT AS r, sum(total_compressed_size)::DOUBLE AS b FROM parquet_metadata('${out}')`,
    )
  ).getRowObjectsJS()[0];
  console.log(
    `${rows} rows, memory_limit ${limit}, ${extra || 'no options'}: COPY ${ms.toFixed(0)} ms; peak RSS ${before} MB before, ${peak()} MB after; ${meta.g} row groups of up to ${meta.r} rows, ${mb(meta.b)} MB compressed`,
  );
  con.closeSync();
  inst.closeSync();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
