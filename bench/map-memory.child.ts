/**
 * One MAP over N rows of ~1 KB text at zero latency, in its own process, so
 * its peak RSS (all threads, DuckDB included) belongs to this N alone. The
 * result goes to a table (CREATE TABLE … AS), as a large MAP would. Prints
 * one JSON line: { n, peakRssMb, seconds, rows }.
 *
 *   node --import tsx bench/map-memory.child.ts <N> <simulator base url>
 */
import { fileURLToPath } from 'node:url';
import { createEngine } from '../src/index.js';

const n = Number(process.argv[2]);
const baseUrl = process.argv[3]!;
const engine = await createEngine({
  cascadeRoots: [fileURLToPath(new URL('./cascades/', import.meta.url))],
  provider: { baseUrl, maxConcurrency: 256 },
});
await engine.query(
  `CREATE TABLE docs AS SELECT range AS id, repeat('lorem ipsum dolor sit amet ', 37) || range AS text FROM range(${n})`,
);
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);
const t0 = performance.now();
const meta = await engine.query(
  `CREATE TABLE labelled AS RVBBIT MAP PARALLEL 64 'bench_label' USING (SELECT id, text FROM docs) WITH (limit = 0, cache = false)`,
);
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
// resourceUsage().maxRSS (KB) also catches peaks between samples.
const peakRssMb = Math.max(peak / 2 ** 20, process.resourceUsage().maxRSS / 1024);
console.log(
  JSON.stringify({
    n,
    peakRssMb: Math.round(peakRssMb),
    seconds: Number(seconds.toFixed(2)),
    rows: Number(meta.rows[0]!.row_count),
  }),
);
await engine.close();
