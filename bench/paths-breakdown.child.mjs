/**
 * Where one large statement's memory goes (issue 66): runs it on the built engine
 * (dist/) in this process and samples, every 100 ms, the JS heap
 * (process.memoryUsage()), DuckDB's buffer manager by tag (duckdb_memory(), read
 * on a connection of its own) and the process's RSS; prints the peaks, what
 * DuckDB holds at the end by tag, and the log tables' row counts. RSS minus
 * the JS heap minus DuckDB's buffers is the rest: native allocations, stacks, code.
 *
 *   node bench/paths-breakdown.child.mjs <stream|ctas|insert|copy|means-count|means-print|ctas-llm> <N> <simulator url> [database file]
 *
 * means-print: the MEANS filter's matching rows through engine.stream, counted and dropped;
 * ctas-llm: CREATE TABLE … AS SELECT id, LLM(…, text RETURNING VARCHAR) (paths-memory.bench.ts's paths);
 * insert: INSERT INTO an existing table (id, text, result) of the MAP (insert-file-db's path);
 * copy: COPY (RVBBIT MAP …) TO a Parquet file in the system's temp folder (removed after).
 *
 * Every 10 s a line goes to stderr (RSS, JS heap, DuckDB's buffers and its two largest tags), so
 * a run shows what grows with the rows and what stays flat; at the end, each attached
 * database's size (`pragma database_size`: a written table's blocks are what DuckDB may cache).
 *
 * RVBBIT_BENCH_MEMORY_LIMIT=256MB sets the engine's memoryLimit (DuckDB's memory_limit);
 * RVBBIT_BENCH_LLM_MEMORY_LIMIT=128MB its llmMemoryLimit (DuckDB's bound while LLM work runs);
 * RVBBIT_BENCH_TUPLES_PER_PASS=8192 its tuplesPerPass (a semantic pass's tuples held at once);
 * RVBBIT_BENCH_MAX_LOG_ROWS=20000 its maxLogRows (the rows each in-memory log table keeps).
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const { createEngine } = await import('../dist/index.js');
const [what, nText, baseUrl, database] = process.argv.slice(2);
const n = Number(nText);
const rows = `SELECT range AS id, repeat('lorem ipsum dolor sit amet ', 37) || range AS text FROM range(${n})`;
const map = `RVBBIT MAP PARALLEL 64 'bench_label' USING (${rows}) WITH (limit = 0, cache = false)`;
const engine = await createEngine({
  cascadeRoots: [fileURLToPath(new URL('./cascades/', import.meta.url))],
  provider: { baseUrl, maxConcurrency: 256 },
  ...(database ? { database } : {}),
  ...(process.env.RVBBIT_BENCH_MEMORY_LIMIT ? { memoryLimit: process.env.RVBBIT_BENCH_MEMORY_LIMIT } : {}),
  ...(process.env.RVBBIT_BENCH_LLM_MEMORY_LIMIT
    ? { llmMemoryLimit: process.env.RVBBIT_BENCH_LLM_MEMORY_LIMIT }
    : {}),
  ...(process.env.RVBBIT_BENCH_TUPLES_PER_PASS
    ? { tuplesPerPass: Number(process.env.RVBBIT_BENCH_TUPLES_PER_PASS) }
    : {}),
  ...(process.env.RVBBIT_BENCH_MAX_LOG_ROWS
    ? { maxLogRows: Number(process.env.RVBBIT_BENCH_MAX_LOG_ROWS) }
    : {}),
});
const probe = await engine.shared.instance.connect();
// RVBBIT_BENCH_DUCKDB_SET='SET GLOBAL x = …; …': DuckDB settings to try against the engine's own.
if (process.env.RVBBIT_BENCH_DUCKDB_SET) await probe.run(process.env.RVBBIT_BENCH_DUCKDB_SET);
const peak = { rss: 0, heap: 0, external: 0, duckdb: 0, byTag: {} };
const duckdbNow = async () => {
  const r = await probe.runAndReadAll('SELECT tag, memory_usage_bytes::DOUBLE AS b FROM duckdb_memory()');
  return Object.fromEntries(r.getRowObjectsJS().map((t) => [t.tag, Number(t.b)]));
};
let sampling = true;
const mb = (b) => Math.round(b / 2 ** 20);
const t0 = performance.now();
let lastLine = t0;
/** RVBBIT_BENCH_LINE_MS: how often a line goes to stderr (default 10 s). */
const LINE_MS = Number(process.env.RVBBIT_BENCH_LINE_MS ?? 10_000);
const sampler = (async () => {
  while (sampling) {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heapUsed);
    peak.external = Math.max(peak.external, m.external);
    const tags = await duckdbNow();
    const total = Object.values(tags).reduce((a, b) => a + b, 0);
    if (total > peak.duckdb) {
      peak.duckdb = total;
      peak.byTag = tags;
    }
    if (performance.now() - lastLine >= LINE_MS) {
      lastLine = performance.now();
      const top = Object.entries(tags)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 2)
        .map(([t, b]) => `${t} ${mb(b)}`)
        .join(', ');
      process.stderr.write(
        `${Math.round((lastLine - t0) / 1000)} s: RSS ${mb(m.rss)} MB, heap ${mb(m.heapUsed)}, DuckDB ${mb(total)} (${top})\n`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
})();
const parquet = join(tmpdir(), `rvbbit-breakdown-${process.pid}.parquet`);
let out = 0;
if (what === 'stream') for await (const b of engine.stream(map)) out += b.length;
else if (what === 'ctas') await engine.query(`CREATE TABLE out AS ${map}`);
else if (what === 'insert') {
  await engine.query('CREATE TABLE out (id BIGINT, text VARCHAR, result VARCHAR)');
  await engine.query(`INSERT INTO out ${map}`);
} else if (what === 'copy') await engine.query(`COPY (${map}) TO '${parquet}' (FORMAT parquet)`);
else if (what === 'means-count')
  out = Number(
    (
      await engine.query(
        `-- @ parallel: 64\n-- @ cache: false\nSELECT count(*) AS n FROM (${rows}) WHERE text MEANS 'positive review'`,
      )
    ).rows[0].n,
  );
else if (what === 'means-print')
  for await (const b of engine.stream(
    `-- @ parallel: 64\n-- @ cache: false\nSELECT id, text FROM (${rows}) WHERE text MEANS 'positive review'`,
  ))
    out += b.length;
else if (what === 'ctas-llm')
  await engine.query(
    `-- @ parallel: 64\n-- @ cache: false\nCREATE TABLE out AS SELECT id, LLM('Give a short label for the text', text RETURNING VARCHAR) AS label FROM (${rows})`,
  );
else throw new Error(`no such statement: ${what}`);
const seconds = (performance.now() - t0) / 1000;
sampling = false;
await sampler;
rmSync(parquet, { force: true });
const atEnd = await duckdbNow();
const sizes = await probe.runAndReadAll('PRAGMA database_size');
const databaseSizes = Object.fromEntries(
  sizes.getRowObjectsJS().map((d) => [String(d.database_name), `${d.database_size} (WAL ${d.wal_size})`]),
);
const logRows = await engine.query(
  'SELECT (SELECT count(*) FROM rvbbit.unified_logs)::DOUBLE AS calls, (SELECT count(*) FROM rvbbit.queries)::DOUBLE AS queries',
);
console.log(
  JSON.stringify({
    what,
    n,
    out,
    seconds: Number(seconds.toFixed(1)),
    peakRssMb: mb(Math.max(peak.rss, process.resourceUsage().maxRSS * 1024)),
    peakHeapMb: mb(peak.heap),
    peakExternalMb: mb(peak.external),
    peakDuckdbMb: mb(peak.duckdb),
    peakDuckdbByTagMb: Object.fromEntries(
      Object.entries(peak.byTag)
        .filter(([, b]) => b > 0)
        .map(([t, b]) => [t, mb(b)]),
    ),
    duckdbAtEndByTagMb: Object.fromEntries(
      Object.entries(atEnd)
        .filter(([, b]) => b > 0)
        .map(([t, b]) => [t, mb(b)]),
    ),
    heapAtEndMb: mb(process.memoryUsage().heapUsed),
    databaseSizes,
    memoryLimit: String(
      (await probe.runAndReadAll(`SELECT current_setting('memory_limit') AS m`)).getRowObjectsJS()[0].m,
    ),
    logRows: logRows.rows[0],
  }),
);
probe.closeSync();
await engine.close();
