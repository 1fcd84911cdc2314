/**
 * Bounded at any size (issue 66): the peak RSS and rows per second of every path a user takes
 * through a large LLM statement, each run in its own process under GNU time (`/usr/bin/time -f
 * %M`: the largest resident set of that process, every thread and DuckDB included), at two sizes.
 * Rows are ~1 KB of text, the simulator answers at 0 ms in its own process, a fresh one for every
 * run: it stands for a remote provider, whose work should neither grow with what it answered
 * before nor be told apart from the engine's, so each line gives both CPUs per row (the command's
 * from GNU time's %U + %S, the simulator's from /proc).
 *
 *   node --import tsx bench/paths-memory.bench.ts [path,path|all] [small=100000] [large=1000000]
 *
 * Targets (issue 66): each path's peak RSS at `large` ≤ 400 MB and ≤ 1.2 × its own run at
 * `small`; rows/s at `large` ≥ rows/s at `small`. Measure the build (`npm run build` first): a CLI
 * through tsx would count the TypeScript loader's memory.
 *
 * A path is a command (the CLI, psql against `rvbbit serve`, a node script) and the SQL it runs;
 * add a path to PATHS, not a new harness.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { startSimulatorProcess } from '../src/sim/index.js';
import { CpuMeter } from './process-cpu.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin/rvbbit.js');
const CASCADES = join(ROOT, 'bench/cascades');

/** N generated rows of ~1 KB text: the input of every path. */
export const usingRows = (n: number) =>
  `SELECT range AS id, repeat('lorem ipsum dolor sit amet ', 37) || range AS text FROM range(${n})`;

/** A MAP over N rows at PARALLEL 64, its answers neither read from nor written to the cache. */
export const mapOver = (n: number) =>
  `RVBBIT MAP PARALLEL 64 'bench_label' USING (${usingRows(n)}) WITH (limit = 0, cache = false)`;

export interface PathRun {
  readonly peakRssMb: number;
  readonly seconds: number;
  /** User + system CPU seconds of the command and the children it waited for (GNU time). */
  readonly cpuSeconds: number;
  /** Bytes the command wrote to stdout (read and dropped, as a pipe's reader would). */
  readonly stdoutBytes: number;
  /** The last 4 KB of stdout (a printed count, a metadata row). */
  readonly stdoutTail: string;
}

export interface PathContext {
  readonly simUrl: string;
  /** A fresh folder for this run (a database file, an output file); removed after it. */
  readonly dir: string;
}

export interface MemoryPath {
  readonly name: string;
  /** What the user runs: argv (argv[0] the program) for N rows. */
  command(n: number, ctx: PathContext): readonly string[];
  /** Checks the run's outcome (row count in a file, a printed count); throws when it is wrong. */
  check?(n: number, ctx: PathContext, run: PathRun): Promise<void> | void;
}

/** `rvbbit query` with the simulator at `simUrl` and the bench cascades. */
export const cli = (ctx: PathContext, ...args: string[]) => [
  process.execPath,
  CLI,
  'query',
  '--provider-url',
  ctx.simUrl,
  '--cascades',
  CASCADES,
  '--no-cost',
  ...args,
];

/** The rows of `table` in the DuckDB file `db` (or of the file `from`, e.g. `'x.parquet'`), read by DuckDB itself. */
export async function countRows(db: string, from: string): Promise<number> {
  const instance = await DuckDBInstance.create(db, db === ':memory:' ? {} : { access_mode: 'READ_ONLY' });
  const con = await instance.connect();
  try {
    const reader = await con.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM ${from}`);
    return Number(reader.getRowObjectsJS()[0]!.n);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** Throws unless `got` is `n`. */
function expectRows(path: string, n: number, got: number): void {
  if (got !== n) throw new Error(`${path} wrote ${got} rows for ${n}`);
}

/** The row count a CSV-printed query ended with (its last line). */
function lastPrintedCount(run: PathRun): number {
  return Number(run.stdoutTail.trim().split('\n').at(-1));
}

/** At least ~1 KB of text a row reached stdout: fewer bytes means rows went missing. */
const printedRows = (name: string) => (n: number, _ctx: PathContext, run: PathRun) => {
  if (run.stdoutBytes < n * 1000) throw new Error(`${name} printed ${run.stdoutBytes} bytes for ${n} rows`);
};

/** psql against `rvbbit serve` (psql-map.child.mjs): the server's peak RSS is what is measured. */
const psqlMap = (fetchCount: number) => (n: number, ctx: PathContext) => [
  process.execPath,
  join(ROOT, 'bench/psql-map.child.mjs'),
  ctx.simUrl,
  CASCADES,
  String(fetchCount),
  mapOver(n),
];

export const PATHS: readonly MemoryPath[] = [
  {
    name: 'cli-csv-pipe',
    command: (n, ctx) => cli(ctx, '--format', 'csv', mapOver(n)),
    check: printedRows('cli-csv-pipe'),
  },
  {
    name: 'cli-ndjson-pipe',
    command: (n, ctx) => cli(ctx, '--format', 'ndjson', mapOver(n)),
    check: printedRows('cli-ndjson-pipe'),
  },
  {
    name: 'cli-json-pipe',
    command: (n, ctx) => cli(ctx, '--format', 'json', mapOver(n)),
    check: printedRows('cli-json-pipe'),
  },
  // psql without FETCH_COUNT: one simple query, the rows sent as they come.
  { name: 'psql-map', command: psqlMap(0), check: printedRows('psql-map') },
  // psql with FETCH_COUNT: DECLARE … CURSOR and FETCH 1000 at a time.
  { name: 'psql-map-fetch', command: psqlMap(1000), check: printedRows('psql-map-fetch') },
  {
    // The library: engine.stream, its batches counted and dropped (map-memory.child.mjs).
    name: 'engine-stream',
    command: (n, ctx) => [process.execPath, join(ROOT, 'bench/map-memory.child.mjs'), String(n), ctx.simUrl],
  },
  {
    // The same in a process started with the V8 heap-growth flag the CLI and the server set for
    // themselves (bin/rvbbit.js): what an embedding service gets when it starts node with it.
    name: 'engine-stream-heap-growing-30',
    command: (n, ctx) => [
      process.execPath,
      '--heap-growing-percent=30',
      join(ROOT, 'bench/map-memory.child.mjs'),
      String(n),
      ctx.simUrl,
    ],
  },
  {
    // CREATE TABLE … AS RVBBIT MAP into a database file (appended as rows finish): the table is read back from the file.
    name: 'ctas-file-db',
    command: (n, ctx) => cli(ctx, '--db', join(ctx.dir, 'f.duckdb'), `CREATE TABLE out AS ${mapOver(n)}`),
    async check(n, ctx) {
      expectRows('ctas-file-db', n, await countRows(join(ctx.dir, 'f.duckdb'), 'out'));
    },
  },
  {
    // The same into the in-memory database (which spills to its temp_directory); the count is printed.
    name: 'ctas-memory',
    command: (n, ctx) =>
      cli(ctx, '--format', 'csv', `CREATE TABLE out AS ${mapOver(n)}; SELECT count(*) FROM out`),
    check(n, _ctx, run) {
      expectRows('ctas-memory', n, lastPrintedCount(run));
    },
  },
  {
    // COPY (RVBBIT MAP …) TO a parquet file: DuckDB writes it from the MAP's scratch table (map-stream-write.ts).
    name: 'copy-parquet',
    command: (n, ctx) => cli(ctx, `COPY (${mapOver(n)}) TO '${join(ctx.dir, 'x.parquet')}' (FORMAT parquet)`),
    async check(n, ctx) {
      expectRows('copy-parquet', n, await countRows(':memory:', `'${join(ctx.dir, 'x.parquet')}'`));
    },
  },
  {
    // INSERT INTO an existing table of a database file: the table is read back from the file.
    name: 'insert-file-db',
    command: (n, ctx) =>
      cli(
        ctx,
        '--db',
        join(ctx.dir, 'f.duckdb'),
        `CREATE TABLE out (id BIGINT, text VARCHAR, result VARCHAR); INSERT INTO out ${mapOver(n)}`,
      ),
    async check(n, ctx) {
      expectRows('insert-file-db', n, await countRows(join(ctx.dir, 'f.duckdb'), 'out'));
    },
  },
  {
    // A typed generation written with CTAS (semantic SQL's write path), in the in-memory database.
    name: 'ctas-llm-returning',
    command: (n, ctx) =>
      cli(
        ctx,
        '--format',
        'csv',
        `-- @ parallel: 64\n-- @ cache: false\nCREATE TABLE out AS SELECT id, LLM('Give a short label for the text', text RETURNING VARCHAR) AS label FROM (${usingRows(n)});\nSELECT count(*) FROM out`,
      ),
    check(n, _ctx, run) {
      expectRows('ctas-llm-returning', n, lastPrintedCount(run));
    },
  },
  // Semantic operators: the statement's per-tuple state and its final SQL's rows.
  {
    name: 'means-count',
    command: (n, ctx) =>
      cli(
        ctx,
        '--format',
        'csv',
        semantic(`SELECT count(*) AS n FROM (${usingRows(n)}) WHERE text MEANS 'positive review'`),
      ),
    check(_n, _ctx, run) {
      // One number and its header.
      if (run.stdoutBytes === 0 || run.stdoutBytes > 64)
        throw new Error(`means-count printed ${run.stdoutBytes} bytes, not one count`);
    },
  },
  {
    name: 'means-print-all',
    command: (n, ctx) =>
      cli(
        ctx,
        '--format',
        'csv',
        semantic(`SELECT id, text FROM (${usingRows(n)}) WHERE text MEANS 'positive review'`),
      ),
  },
  {
    name: 'aligns-score',
    command: (n, ctx) =>
      cli(
        ctx,
        '--format',
        'csv',
        semantic(`SELECT id, text ALIGNS WITH 'SQL is good for AI' AS score FROM (${usingRows(n)})`),
      ),
    check(n, _ctx, run) {
      if (run.stdoutBytes < n * 4)
        throw new Error(`aligns-score printed ${run.stdoutBytes} bytes for ${n} rows`);
    },
  },
  {
    name: 'classify',
    command: (n, ctx) =>
      cli(
        ctx,
        '--format',
        'csv',
        semantic(`SELECT id, CLASSIFY(text, 'praise,complaint,question') AS label FROM (${usingRows(n)})`),
      ),
    check(n, _ctx, run) {
      if (run.stdoutBytes < n * 6) throw new Error(`classify printed ${run.stdoutBytes} bytes for ${n} rows`);
    },
  },
];

/** A semantic statement at PARALLEL 64, its answers neither read from nor written to the cache. */
function semantic(sql: string): string {
  return `-- @ parallel: 64\n-- @ cache: false\n${sql}`;
}

/** Runs argv under GNU time; its stdout is read and dropped. */
export async function runMeasured(argv: readonly string[], cwd: string): Promise<PathRun> {
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'PEAK_RSS_KB=%M CPU_S=%U+%S', ...argv], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdoutBytes = 0;
  let stdoutTail = '';
  child.stdout.on('data', (b: Buffer) => {
    stdoutBytes += b.length;
    stdoutTail = (stdoutTail + b.toString()).slice(-4096);
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-20_000);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = (performance.now() - t0) / 1000;
  // The first: a command that measures another process (psql-map.child.mjs: the server) prints its figure first.
  const kb = Number(/PEAK_RSS_KB=(\d+)/.exec(stderr)?.[1]);
  if (code !== 0 || !Number.isFinite(kb))
    throw new Error(`${argv.slice(0, 4).join(' ')} … exited ${code}:\n${stderr}`);
  const cpu = /CPU_S=([\d.]+)\+([\d.]+)/.exec(stderr);
  return {
    peakRssMb: Math.round(kb / 1024),
    seconds: Number(seconds.toFixed(2)),
    cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : Number.NaN,
    stdoutBytes,
    stdoutTail,
  };
}

async function main(): Promise<void> {
  const [which = 'all', small = '100000', large = '1000000'] = process.argv.slice(2);
  const chosen = which === 'all' ? PATHS : PATHS.filter((p) => which.split(',').includes(p.name));
  if (chosen.length === 0)
    throw new Error(`no such path: ${which} (paths: ${PATHS.map((p) => p.name).join(', ')})`);
  for (const path of chosen) {
    const runs: { n: number; run: PathRun }[] = [];
    for (const n of [Number(small), Number(large)]) {
      const dir = mkdtempSync(join(tmpdir(), 'rvbbit-paths-'));
      const sim = await startSimulatorProcess({ latencyMs: 0 });
      try {
        const ctx = { simUrl: sim.url, dir };
        const simCpu = new CpuMeter({ simulator: [sim.pid] });
        const run = await runMeasured(path.command(n, ctx), dir);
        const simPerRow = simCpu.perRow(n);
        await path.check?.(n, ctx, run);
        runs.push({ n, run });
        console.log(
          `${path.name} n=${n}: peak RSS ${run.peakRssMb} MB, ${run.seconds} s, ${Math.round(n / run.seconds)} rows/s; ` +
            `command CPU µs per row ${Math.round((run.cpuSeconds * 1e6) / n)}; ${simPerRow}`,
        );
      } finally {
        await sim.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const [a, b] = runs as [{ n: number; run: PathRun }, { n: number; run: PathRun }];
    const growth = b.run.peakRssMb / a.run.peakRssMb;
    const rate = b.n / b.run.seconds / (a.n / a.run.seconds);
    const ok = b.run.peakRssMb <= 400 && growth <= 1.2 && rate >= 1;
    console.log(
      `${ok ? 'PASS' : 'FAIL'} ${path.name}: ${b.run.peakRssMb} MB at ${b.n} (target ≤ 400), ` +
        `${growth.toFixed(2)}× its ${a.n} run (target ≤ 1.2), rows/s ${rate.toFixed(2)}× (target ≥ 1)`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
