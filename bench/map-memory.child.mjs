/**
 * One streaming MAP over N rows of ~1 KB text at zero latency, in its own
 * process, so its peak RSS (all threads, DuckDB included) belongs to this N
 * alone. The USING query generates the rows and `engine.stream` hands them
 * back in batches that are counted and dropped, as a consumer of a large MAP
 * would. Prints one JSON line:
 * { n, peakRssMb, seconds, rows, heapMb, duckdbMb }.
 *
 * Plain JavaScript, so that measuring the build (dist/) puts no TypeScript
 * loader in the process, as in a user's service; RVBBIT_BENCH_SOURCE=1 needs
 * `--import tsx` (map.bench.ts passes it) and measures the sources.
 *
 *   node bench/map-memory.child.mjs <N> <simulator base url>
 */
import { fileURLToPath } from 'node:url';

const fromSource = process.env.RVBBIT_BENCH_SOURCE === '1';
const { createEngine } = await import(fromSource ? '../src/index.ts' : '../dist/index.js');

const n = Number(process.argv[2]);
const baseUrl = process.argv[3];
const engine = await createEngine({
  cascadeRoots: [fileURLToPath(new URL('./cascades/', import.meta.url))],
  provider: { baseUrl, maxConcurrency: 256 },
});
let peak = process.memoryUsage().rss;
let peakHeap = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peak = Math.max(peak, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 20);
const t0 = performance.now();
let rows = 0;
for await (const batch of engine.stream(
  `RVBBIT MAP PARALLEL 64 'bench_label'
   USING (SELECT range AS id, repeat('lorem ipsum dolor sit amet ', 37) || range AS text FROM range(${n}))
   WITH (limit = 0, cache = false)`,
)) {
  rows += batch.length;
}
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
if (rows !== n) throw new Error(`streamed ${rows} rows, expected ${n}`);
// resourceUsage().maxRSS (KB) also catches peaks between samples.
const peakRssMb = Math.max(peak / 2 ** 20, process.resourceUsage().maxRSS / 1024);
// What DuckDB holds once the MAP is done (its buffer manager's view; the rvbbit.* tables included).
const duck = await engine.query('SELECT sum(memory_usage_bytes)::DOUBLE AS b FROM duckdb_memory()');
console.log(
  JSON.stringify({
    n,
    peakRssMb: Math.round(peakRssMb),
    seconds: Number(seconds.toFixed(2)),
    rows,
    peakHeapMb: Math.round(peakHeap / 2 ** 20),
    duckdbMb: Math.round(Number(duck.rows[0].b) / 2 ** 20),
  }),
);
await engine.close();
