import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync, rmSync } from 'node:fs';
const n = Number(process.argv[2] ?? 300000);
const rg = process.argv[3] ?? '16384';
const extra = process.argv[4] ?? '';
for (const p of ['/tmp/mapw66/g.duckdb', '/tmp/mapw66/g.duckdb.wal', '/tmp/mapw66/x.parquet']) rmSync(p, { force: true });
const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024 | 0;
const inst = await DuckDBInstance.create(':memory:');
const a = await inst.connect();
for (const s of ["SET GLOBAL allocator_flush_threshold='8MB'", "SET GLOBAL allocator_bulk_deallocation_flush_threshold='8MB'", 'SET GLOBAL allocator_background_threads=true', "SET GLOBAL memory_limit='1GB'", ...(extra ? extra.split(';') : [])]) await a.run(s);
await a.run(`ATTACH '/tmp/mapw66/g.duckdb' AS g (ROW_GROUP_SIZE ${rg})`);
const b = await inst.connect(); const c = await inst.connect();
await b.run('CREATE TABLE g.main.out (id BIGINT, text VARCHAR, value VARCHAR, json VARCHAR, error VARCHAR)');
await b.run('BEGIN');
await a.run('BEGIN');
const res = await a.stream(`SELECT range AS id, repeat('lorem ipsum dolor sit amet ', 37) || range AS text FROM range(${n})`);
const app = await b.createAppender('out', 'main', 'g');
let rows = 0;
for (;;) {
  const chunk = await res.fetchChunk();
  if (!chunk || chunk.rowCount === 0) break;
  const c0 = chunk.getColumnVector(0), c1 = chunk.getColumnVector(1);
  for (let k = 0; k < chunk.rowCount; k++) { app.appendBigInt(c0.getItem(k)); app.appendVarchar(c1.getItem(k)); app.appendVarchar('label ' + (k % 7)); app.appendNull(); app.appendNull(); app.endRow(); }
  rows += chunk.rowCount;
  chunk.reset();
  if (rows % 8192 === 0) app.flushSync();
}
app.closeSync();
await a.run('COMMIT');
await b.run('COMMIT');
const mem = async () => (await c.runAndReadAll("SELECT tag, (memory_usage_bytes//1e6)::INT FROM duckdb_memory() WHERE memory_usage_bytes>1e6")).getRows().map(String).join(' ');
console.log(`rg=${rg} ${extra} appended ${rows}: hwm ${hwm()} MB rss ${(process.memoryUsage().rss / 1e6) | 0}`, await mem());
await a.run("COPY (SELECT id, text, value AS result FROM g.main.out s) TO '/tmp/mapw66/x.parquet' (FORMAT parquet)");
console.log(`after COPY: hwm ${hwm()} MB rss ${(process.memoryUsage().rss / 1e6) | 0}`, await mem());
