/**
 * Start-up against its yardsticks, ratios from one run (issues 13 and 66).
 * Runs the built bin (bin/rvbbit.js → dist/, `npm run build` first), each
 * command and its yardstick interleaved, `reps` times, each under GNU time
 * (`/usr/bin/time -f`: the process's peak resident set, every thread and
 * DuckDB included, and its CPU seconds); compares medians.
 *
 *   node --import tsx bench/cli-start.bench.ts [reps]
 *
 * Targets (issue 66):
 * - `rvbbit query "SELECT 1"` ≤ 1.5 × the wall time of a plain Node script
 *   that imports @duckdb/node-api and runs SELECT 1, and ≤ 130 MB peak RSS
 * - `createEngine()` plus a first plain query (the library, dist/index.js):
 *   the same, against the same script
 * - `rvbbit --version` ≤ 1.5 × `node -e 0` + 50 ms (issue 13)
 * - `rvbbit --help`, reported
 * CPU seconds are printed beside wall time: on a machine others share, they
 * are the steadier figure of what a start costs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { simulatorEnv } from '../src/llm/config.js';

const reps = Number(process.argv[2] ?? 9);
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/rvbbit.js');
// Run from elsewhere, as a user would; the scripts import the package's own copies.
const cwd = mkdtempSync(join(tmpdir(), 'rvbbit-cli-start-'));
const duckScript = join(cwd, 'duck.mjs');
writeFileSync(
  duckScript,
  `import { DuckDBInstance } from ${JSON.stringify(import.meta.resolve('@duckdb/node-api'))};
const con = await (await DuckDBInstance.create(':memory:')).connect();
console.log((await con.runAndReadAll('SELECT 1')).getRows());\n`,
);
const engineScript = join(cwd, 'engine.mjs');
writeFileSync(
  engineScript,
  `import { createEngine } from ${JSON.stringify(pathToFileURL(join(root, 'dist/index.js')).href)};
const engine = await createEngine();
console.log((await engine.query('SELECT 1')).rows);
await engine.close();\n`,
);
const env = simulatorEnv();

const commands = {
  query: [bin, 'query', 'SELECT 1'],
  engine: [engineScript],
  duckdb: [duckScript],
  version: [bin, '--version'],
  node: ['-e', '0'],
  help: [bin, '--help'],
} as const;
type Name = keyof typeof commands;

interface Run {
  readonly wall: number;
  readonly cpu: number;
  readonly rssMb: number;
}

/** One run under GNU time: wall and CPU seconds, peak RSS. */
function measure(args: readonly string[]): Run {
  const out = join(cwd, 'time.txt');
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', '%U %S %M', process.execPath, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [user, sys, kb] = readFileSync(out, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wall, cpu: user! + sys!, rssMb: kb! / 1024 };
}

const runs = Object.fromEntries(Object.keys(commands).map((k) => [k, [] as Run[]])) as Record<Name, Run[]>;
for (const name of Object.keys(commands) as Name[]) measure(commands[name]); // warm the file cache
for (let i = 0; i < reps; i++)
  for (const name of Object.keys(commands) as Name[]) runs[name].push(measure(commands[name]));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const m = Object.fromEntries(
  Object.entries(runs).map(([k, v]) => [
    k,
    {
      wall: median(v.map((r) => r.wall)),
      cpu: median(v.map((r) => r.cpu)),
      rssMb: median(v.map((r) => r.rssMb)),
    },
  ]),
) as Record<Name, Run>;
const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
const met = (ok: boolean) => (ok ? 'met' : 'MISSED');

const WALL_RATIO = 1.5;
const PEAK_RSS_MB = 130;
console.log(`medians of ${reps}, from ${cwd}:`);
console.log(
  `plain @duckdb/node-api script: ${ms(m.duckdb.wall)} wall, ${ms(m.duckdb.cpu)} CPU, ${m.duckdb.rssMb.toFixed(0)} MB peak RSS`,
);
for (const name of ['query', 'engine'] as const) {
  const label = name === 'query' ? 'rvbbit query "SELECT 1"' : 'createEngine() + SELECT 1';
  const ratio = m[name].wall / m.duckdb.wall;
  console.log(
    `${label}: ${ms(m[name].wall)} wall (${ratio.toFixed(2)}× DuckDB's, target ≤ ${WALL_RATIO}: ${met(ratio <= WALL_RATIO)}), ` +
      `${ms(m[name].cpu)} CPU (${(m[name].cpu / m.duckdb.cpu).toFixed(2)}×), ` +
      `${m[name].rssMb.toFixed(0)} MB peak RSS (target ≤ ${PEAK_RSS_MB}: ${met(m[name].rssMb <= PEAK_RSS_MB)})`,
  );
}
const versionLimit = 1.5 * m.node.wall + 0.05;
console.log(
  `--version: ${ms(m.version.wall)}; node -e 0 ${ms(m.node.wall)}; limit 1.5 × node + 50 ms = ${ms(versionLimit)} ${met(m.version.wall <= versionLimit)}`,
);
console.log(`--help: ${ms(m.help.wall)}, ${m.help.rssMb.toFixed(0)} MB peak RSS`);
