/**
 * What DuckDB holds while an INSERT's MAP copies its rows from the scratch file into the target
 * table at the end (issue 66; map-stream-write.ts, underFinalBound), with DuckDB alone: N rows as
 * bench/paths-memory.bench.ts makes them (`id BIGINT, text VARCHAR` of ~1 KB, `result VARCHAR`)
 * in a table of one database file, inserted by one `INSERT … SELECT` into a table of another, that
 * one ATTACHed with the engine's 16,384-row groups (open-database.ts) under `memory_limit`.
 *
 *   node bench/insert-copy.child.mjs <memory_limit> [rows=1000000] [threads=2]
 *
 * Prints the RSS the copy added over the process before it (sampled every 20 ms), the copy's
 * seconds, and the rows it wrote. The source file is made first, in the same process but before
 * the baseline is read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const limit = process.argv[2] ?? '96MB';
const rows = Number(process.argv[3] ?? 1_000_000);
const threads = process.argv[4] ?? '2';
const dir = mkdtempSync(join(tmpdir(), 'rvbbit-insert-copy-'));
try {
  const source = await DuckDBInstance.create(join(dir, 'scratch.duckdb'));
  const make = await source.connect();
  await make.run(
    `CREATE TABLE rows AS SELECT range AS id, repeat('lorem ipsum dolor sit amet ', 37) || range AS text,
       'label ' || range AS result FROM range(${rows})`,
  );
  make.closeSync();
  source.closeSync();

  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: limit,
    threads,
    temp_directory: join(dir, 'tmp'),
  });
  const con = await instance.connect();
  await con.run(`ATTACH '${join(dir, 'f.duckdb')}' AS f (ROW_GROUP_SIZE 16384)`);
  await con.run('USE f');
  await con.run('DETACH memory');
  await con.run(`ATTACH '${join(dir, 'scratch.duckdb')}' AS scratch (READ_ONLY)`);
  await con.run('CREATE TABLE out (id BIGINT, text VARCHAR, result VARCHAR)');
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const t0 = performance.now();
  await con.run('INSERT INTO out SELECT * FROM scratch.rows');
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const written = (await con.runAndReadAll('SELECT count(*)::DOUBLE AS n FROM out')).getRowObjectsJS()[0].n;
  con.closeSync();
  instance.closeSync();
  const mb = (b) => Math.round(b / 2 ** 20);
  console.log(
    JSON.stringify({
      limit,
      rows,
      threads: Number(threads),
      addedMb: mb(peak - before),
      seconds: Number(seconds.toFixed(1)),
      written,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
