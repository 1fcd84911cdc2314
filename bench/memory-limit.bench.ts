/**
 * What the engine's memory_limit (db/spill-settings.ts, `--memory-limit`) costs a statement with no
 * LLM work in it: DuckDB-heavy plain queries over N rows of ~1 KB text (the rows of
 * paths-memory.bench.ts), each run by `rvbbit query` in its own process under GNU time, at each
 * limit given, one after the other for each query. A lower limit makes DuckDB spill what a higher
 * one kept in memory: this says what that costs in wall time and what it saves in peak RSS.
 *
 *   node --import tsx bench/memory-limit.bench.ts [limits=1GB,256MB] [n=1000000] [query,query|all]
 *
 * Measure the build (`npm run build` first), as paths-memory.bench.ts does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMeasured, usingRows } from './paths-memory.bench.js';

const CLI = fileURLToPath(new URL('../bin/rvbbit.js', import.meta.url));

/** Each plain query prints one short row, so what is measured is DuckDB's work, not the printing. */
export const PLAIN_QUERIES: Readonly<Record<string, (n: number) => string>> = {
  // A sort of every row by its 1 KB text (a window over the whole input).
  sort: (n) =>
    `SELECT count(*) AS n, max(rn) AS last FROM (SELECT row_number() OVER (ORDER BY text DESC) AS rn FROM (${usingRows(n)}))`,
  // A hash join whose build side carries the 1 KB texts.
  join: (n) =>
    `SELECT count(*) AS n, sum(length(b.text)) AS bytes FROM (${usingRows(n)}) a JOIN (${usingRows(n)}) b ON a.id = b.id`,
  // A GROUP BY on the 1 KB text itself: N distinct groups.
  aggregate: (n) =>
    `SELECT count(*) AS groups FROM (SELECT text, count(*) AS c FROM (${usingRows(n)}) GROUP BY text)`,
  // A sorted table of the rows in the in-memory database, then counted.
  'ctas-sorted': (n) =>
    `CREATE TABLE s AS SELECT * FROM (${usingRows(n)}) ORDER BY text DESC; SELECT count(*) AS n FROM s`,
};

async function main(): Promise<void> {
  const [limitsText = '1GB,256MB', nText = '1000000', which = 'all'] = process.argv.slice(2);
  const limits = limitsText.split(',');
  const n = Number(nText);
  const names = which === 'all' ? Object.keys(PLAIN_QUERIES) : which.split(',');
  for (const name of names) {
    const sql = PLAIN_QUERIES[name];
    if (!sql) throw new Error(`no such query: ${name} (queries: ${Object.keys(PLAIN_QUERIES).join(', ')})`);
    const runs: { limit: string; seconds: number; peakRssMb: number }[] = [];
    for (const limit of limits) {
      const dir = mkdtempSync(join(tmpdir(), 'rvbbit-limit-'));
      try {
        const run = await runMeasured(
          [process.execPath, CLI, 'query', '--format', 'csv', '--memory-limit', limit, sql(n)],
          dir,
        );
        runs.push({ limit, seconds: run.seconds, peakRssMb: run.peakRssMb });
        console.log(
          `${name} n=${n} memory_limit ${limit}: ${run.seconds} s, peak RSS ${run.peakRssMb} MB, printed ${JSON.stringify(run.stdoutTail.trim().split('\n').at(-1))}`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const [base, ...others] = runs;
    for (const o of others)
      console.log(
        `${name}: ${o.limit} takes ${(o.seconds / base!.seconds).toFixed(2)}× the time of ${base!.limit}, ${(o.peakRssMb / base!.peakRssMb).toFixed(2)}× its peak RSS`,
      );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
