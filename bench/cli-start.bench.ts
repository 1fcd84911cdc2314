/**
 * CLI start-up against its yardsticks, ratios from one run (issue 13's targets).
 * Runs the built bin (bin/rvbbit.js → dist/, `npm run build` first), each
 * command and its yardstick interleaved, `reps` times; compares medians.
 *
 *   node --import tsx bench/cli-start.bench.ts [reps]
 *
 * - `rvbbit query "SELECT 1"` ≤ 2 × a plain Node script that imports
 *   @duckdb/node-api and runs SELECT 1
 * - `rvbbit --version` ≤ 1.5 × `node -e 0` + 50 ms
 * - `rvbbit --help`, reported
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulatorEnv } from '../src/llm/config.js';

const reps = Number(process.argv[2] ?? 9);
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/rvbbit.js');
// Run from elsewhere, as a user would; the DuckDB script imports the package's own copy.
const cwd = mkdtempSync(join(tmpdir(), 'rvbbit-cli-start-'));
const duckScript = join(cwd, 'duck.mjs');
writeFileSync(
  duckScript,
  `import { DuckDBInstance } from ${JSON.stringify(import.meta.resolve('@duckdb/node-api'))};
const con = await (await DuckDBInstance.create(':memory:')).connect();
console.log((await con.runAndReadAll('SELECT 1')).getRows());\n`,
);
const env = simulatorEnv();

const commands = {
  query: [bin, 'query', 'SELECT 1'],
  duckdb: [duckScript],
  version: [bin, '--version'],
  node: ['-e', '0'],
  help: [bin, '--help'],
} as const;
type Name = keyof typeof commands;

function seconds(args: readonly string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

const times = Object.fromEntries(Object.keys(commands).map((k) => [k, [] as number[]])) as Record<
  Name,
  number[]
>;
for (const name of Object.keys(commands) as Name[]) seconds(commands[name]); // warm the file cache
for (let i = 0; i < reps; i++)
  for (const name of Object.keys(commands) as Name[]) times[name].push(seconds(commands[name]));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<Name, number>;
const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;

const queryRatio = m.query / m.duckdb;
const versionLimit = 1.5 * m.node + 0.05;
console.log(`medians of ${reps}, from ${cwd}:`);
console.log(
  `query "SELECT 1": ${ms(m.query)}; plain @duckdb/node-api script ${ms(m.duckdb)}; ratio ${queryRatio.toFixed(2)} (target ≤ 2) ${queryRatio <= 2 ? 'met' : 'MISSED'}`,
);
console.log(
  `--version: ${ms(m.version)}; node -e 0 ${ms(m.node)}; limit 1.5 × node + 50 ms = ${ms(versionLimit)} ${m.version <= versionLimit ? 'met' : 'MISSED'}`,
);
console.log(`--help: ${ms(m.help)}`);
