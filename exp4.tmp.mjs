import { DuckDBInstance } from '@duckdb/node-api';
import { rmSync } from 'node:fs';
const n = Number(process.argv[2] ?? 300000);
for (const p of ['/tmp/mapw66/g.duckdb', '/tmp/mapw66/g.duckdb.wal']) rmSync(p, { force: true });
const inst = await DuckDBInstance.create('/tmp/mapw66/g.duckdb');
const a = await inst.connect();
for (const s of ["SET GLOBAL allocator_flush_threshold='8MB'", "SET GLOBAL allocator_bulk_deallocation_flush_threshold='8MB'", 'SET GLOBAL allocator_background_threads=true', "SET GLOBAL memory_limit='1GB'"]) await a.run(s);
const b = await inst.connect();
await b.run('BEGIN');
await b.run('CREATE TABLE out (id BIGINT, text VARCHAR, result VARCHAR, _error VARCHAR)');
await a.run('BEGIN');
const res = await a.stream(`SELECT range AS id, repeat('lorem ipsum dolor sit amet ', 37) || range AS text FROM range(${n})`);
const app = await b.createAppender('out');
let rows = 0;
const t0 = Date.now();
for (;;) {
  const chunk = await res.fetchChunk();
  if (!chunk || chunk.rowCount === 0) break;
  const c0 = chunk.getColumnVector(0), c1 = chunk.getColumnVector(1);
  for (let k = 0; k < chunk.rowCount; k++) { app.appendBigInt(c0.getItem(k)); app.appendVarchar(c1.getItem(k)); app.appendVarchar('label ' + (k % 7)); app.appendNull(); app.endRow(); }
  rows += chunk.rowCount;
  if (rows % 8192 === 0) app.flushSync();
}
app.closeSync();
await a.run('COMMIT');
console.log('appended', rows, (Date.now() - t0) / 1000, 's rss', (process.memoryUsage().rss / 1e6) | 0, (await b.runAndReadAll("SELECT tag, (memory_usage_bytes//1e6)::INT FROM duckdb_memory() WHERE memory_usage_bytes>1e6")).getRows().map(String).join(' '));
const t1 = Date.now();
await b.run('ALTER TABLE out DROP COLUMN _error');
console.log('drop column', (Date.now() - t1) / 1000, 's rss', (process.memoryUsage().rss / 1e6) | 0, (await b.runAndReadAll("SELECT tag, (memory_usage_bytes//1e6)::INT FROM duckdb_memory() WHERE memory_usage_bytes>1e6")).getRows().map(String).join(' '));
const t2 = Date.now();
await b.run('COMMIT');
console.log('commit', (Date.now() - t2) / 1000, 's', (await a.runAndReadAll('SELECT count(*), max(id) FROM out')).getRows().map(String), (await a.runAndReadAll('DESCRIBE out')).getRows().map((r) => r[0]));
console.log('rss', (process.memoryUsage().rss / 1e6) | 0, (await b.runAndReadAll("SELECT tag, (memory_usage_bytes//1e6)::INT FROM duckdb_memory() WHERE memory_usage_bytes>1e6")).getRows().map(String).join(' '));
