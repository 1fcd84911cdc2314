import { DuckDBInstance } from '@duckdb/node-api';
import { rmSync } from 'node:fs';
const n = Number(process.argv[2] ?? 300000);
const wb = process.argv[3] ?? '5';
const rg = process.argv[4];
for (const p of ['/tmp/mapw66/g.duckdb', '/tmp/mapw66/g.duckdb.wal']) rmSync(p, { force: true });
const inst = await DuckDBInstance.create('/tmp/mapw66/g.duckdb');
const a = await inst.connect();
for (const s of ["SET GLOBAL allocator_flush_threshold='8MB'", "SET GLOBAL allocator_bulk_deallocation_flush_threshold='8MB'", 'SET GLOBAL allocator_background_threads=true', "SET GLOBAL memory_limit='1GB'", `SET GLOBAL write_buffer_row_group_count=${wb}`]) await a.run(s);

const b = await inst.connect(); const c = await inst.connect();
await b.run('BEGIN');
await b.run('CREATE TABLE g.main.out (id BIGINT, text VARCHAR, result VARCHAR, _error VARCHAR)');
await a.run('BEGIN');
const res = await a.stream(`SELECT range AS id, repeat('lorem ipsum dolor sit amet ', 37) || range AS text FROM range(${n})`);
const app = await b.createAppender('out', 'main', 'g');
let rows = 0, peakLocal = 0;
const t0 = Date.now();
for (;;) {
  const chunk = await res.fetchChunk();
  if (!chunk || chunk.rowCount === 0) break;
  const c0 = chunk.getColumnVector(0), c1 = chunk.getColumnVector(1);
  for (let k = 0; k < chunk.rowCount; k++) { c0.getItem(k); c1.getItem(k); }
  rows += chunk.rowCount;
  chunk.reset();
  if (rows % 8192 === 0 && false) {
    app.flushSync();
    const m = (await c.runAndReadAll("SELECT coalesce(sum(memory_usage_bytes) FILTER (WHERE tag = 'IN_MEMORY_TABLE'), 0)::DOUBLE FROM duckdb_memory()")).getRows()[0][0];
    peakLocal = Math.max(peakLocal, Number(m));
  }
}
app.closeSync();
await a.run('COMMIT');
await b.run('COMMIT');
console.log(`wb=${wb} rg=${rg ?? 'default'} appended ${rows} in ${(Date.now() - t0) / 1000}s; peak IN_MEMORY_TABLE ${(peakLocal / 1e6) | 0} MB; rss ${(process.memoryUsage().rss / 1e6) | 0}`, (await a.runAndReadAll("SELECT tag, (memory_usage_bytes//1e6)::INT FROM duckdb_memory() WHERE memory_usage_bytes>1e6")).getRows().map(String).join(' '));
