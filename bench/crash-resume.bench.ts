/**
 * Crash safety at scale (issue 66): `CREATE TABLE out AS RVBBIT MAP …` into a database file through
 * the CLI, killed with SIGKILL when about half its rows are answered, then the same statement again.
 * The re-run must pay only for the rows whose answers the killed run had not kept (in the file's
 * cache table or the answer log beside it, src/cache/answer-log.ts) and write the exact table an
 * uninterrupted run writes, rows in input order. test/engine/crash-ctas.test.ts proves the same at
 * 2,000 rows; this is the size users have.
 *
 *   node --import tsx bench/crash-resume.bench.ts [rows=1000000] [--verify]
 *
 * `--verify` also runs the statement uninterrupted into a second file and compares the two tables
 * row by row (the default under 200,000 rows; at a million it is another full run). Without it the
 * table is checked for its row count, its input order and an answer in every row. Measure the build
 * (`npm run build` first), as bench/paths-memory.bench.ts does.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { answerLogPath, readAnswerLog } from '../src/cache/answer-log.js';
import { startSimulatorProcess } from '../src/sim/index.js';
import { cli, runMeasured, usingRows } from './paths-memory.bench.js';

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const VERIFY = args.includes('--verify') || N < 200_000;

/** The MAP of paths-memory.bench.ts with its answers cached (what a re-run reuses). */
const ctas = (n: number) =>
  `CREATE TABLE out AS RVBBIT MAP PARALLEL 64 'bench_label' USING (${usingRows(n)}) WITH (limit = 0)`;

/** Runs `use` on the DuckDB file `db`, opened by DuckDB alone (the CLI is not running). */
async function withDatabase<T>(db: string, use: (read: (sql: string) => Promise<unknown[][]>) => Promise<T>) {
  const instance = await DuckDBInstance.create(db);
  const con = await instance.connect();
  try {
    return await use(async (sql) => (await con.runAndReadAll(sql)).getRows() as unknown[][]);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** Distinct answers the killed run kept: the cache table's keys and the answer log's. */
async function answersKept(db: string): Promise<number> {
  const keys = new Set(readAnswerLog(answerLogPath(db)).map((a) => a.key));
  await withDatabase(db, async (read) => {
    const [[tables]] = (await read(
      `SELECT count(*)::INT FROM duckdb_tables() WHERE schema_name = 'rvbbit' AND table_name = 'cache'`,
    )) as [[number]];
    if (Number(tables) === 0) return;
    for (const [key] of await read('SELECT key FROM rvbbit.cache')) keys.add(String(key));
  });
  return keys.size;
}

/** The largest resident set of a live process so far (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return Math.round(kb / 1024);
}

async function main(): Promise<void> {
  const sim = await startSimulatorProcess({ latencyMs: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-crash-resume-'));
  const db = join(dir, 'f.duckdb');
  const ctx = { simUrl: sim.url, dir };
  try {
    // 1. The first run, killed at half its rows.
    const t0 = performance.now();
    const argv = cli(ctx, '--db', db, ctas(N));
    const first = spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    first.stderr.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-8000);
    });
    const exited = new Promise<void>((resolve) => first.on('close', () => resolve()));
    let firstPeak = 0;
    while ((await sim.stats()).completed < N / 2) {
      if (first.exitCode !== null) throw new Error(`the first run ended before half its rows:\n${stderr}`);
      firstPeak = Math.max(firstPeak, peakRssMb(first.pid!));
      await new Promise((r) => setTimeout(r, 200));
    }
    firstPeak = Math.max(firstPeak, peakRssMb(first.pid!));
    first.kill('SIGKILL');
    await exited;
    const firstSeconds = (performance.now() - t0) / 1000;
    const paidFirst = (await sim.stats()).requests;
    const kept = await answersKept(db);
    const [[tables]] = (await withDatabase(db, (read) =>
      read(`SELECT count(*)::INT FROM duckdb_tables() WHERE table_name = 'out'`),
    )) as [[number]];
    console.log(
      `killed at ${paidFirst} calls after ${firstSeconds.toFixed(1)} s (peak RSS ${firstPeak} MB): ` +
        `${kept} answers kept (${((100 * kept) / paidFirst).toFixed(1)}% of those paid), table out ${tables === 0 ? 'absent' : 'PRESENT'}`,
    );

    // 2. The same statement again.
    await sim.resetStats();
    const again = await runMeasured(cli(ctx, '--db', db, ctas(N)), dir);
    const paidAgain = (await sim.stats()).requests;
    console.log(
      `re-run: ${paidAgain} calls (rows not kept: ${N - kept}), ${again.seconds} s, peak RSS ${again.peakRssMb} MB`,
    );

    // 3. The table: every row, in input order, each with its answer.
    const [[rows, outOfOrder, unanswered]] = (await withDatabase(db, (read) =>
      read(`SELECT count(*)::BIGINT, count(*) FILTER (WHERE id <> k)::BIGINT, count(*) FILTER (WHERE result IS NULL)::BIGINT
              FROM (SELECT id, result, row_number() OVER () - 1 AS k FROM out)`),
    )) as [[bigint, bigint, bigint]];
    let differing: number | undefined;
    if (VERIFY) {
      const clean = join(dir, 'clean.duckdb');
      await runMeasured(cli(ctx, '--db', clean, ctas(N)), dir);
      [[differing]] = (await withDatabase(db, async (read) => {
        await read(`ATTACH '${clean}' AS clean (READ_ONLY)`);
        // Row by row: each table numbered in its stored order, then compared whole.
        return read(`SELECT count(*)::INT FROM (
            (SELECT row_number() OVER () AS k, * FROM out EXCEPT ALL SELECT row_number() OVER () AS k, * FROM clean.out)
            UNION ALL
            (SELECT row_number() OVER () AS k, * FROM clean.out EXCEPT ALL SELECT row_number() OVER () AS k, * FROM out))`);
      })) as [[number]];
    }
    const exact = paidAgain === N - kept;
    const ok =
      tables === 0 &&
      exact &&
      Number(rows) === N &&
      Number(outOfOrder) === 0 &&
      Number(unanswered) === 0 &&
      (differing === undefined || differing === 0);
    console.log(
      `${ok ? 'PASS' : 'FAIL'} crash-resume n=${N}: re-run paid ${paidAgain} for ${N - kept} rows not kept${exact ? '' : ' (MISMATCH)'}; ` +
        `table ${rows} rows, ${outOfOrder} out of input order, ${unanswered} without an answer` +
        (differing === undefined
          ? ' (not compared with an uninterrupted run)'
          : `, ${differing} rows differ from an uninterrupted run`),
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
