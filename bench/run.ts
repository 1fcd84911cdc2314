/**
 * `npm run bench`: the strategy benchmark suite.
 *
 *   npm run bench                         full grid, 3 runs per cell → bench/results/latest.*
 *   npm run bench -- --quick              a subset in under a minute → bench/results/quick.*
 *   npm run bench -- --scenario map       one workload (map, filter, score, join, smoke)
 *   options: --out <dir>  --reps <n>  --cap <seconds>  --n 100,1000  --parallel 8,64  --latency 0,20
 */
import { parseArgs } from 'node:util';
import { runSuite } from './suite.js';
import { checkTargets } from './targets.js';

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((x) => Number(x.trim()))
        .filter((x) => Number.isFinite(x));

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenario: { type: 'string', multiple: true },
    out: { type: 'string' },
    reps: { type: 'string' },
    cap: { type: 'string' },
    n: { type: 'string' },
    parallel: { type: 'string' },
    latency: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: npm run bench -- [--quick] [--scenario map|filter|score|join|smoke] [--out dir] [--reps n] [--cap s] [--n list] [--parallel list] [--latency list]',
  );
  process.exit(0);
}

const { result, files } = await runSuite({
  quick: values.quick,
  scenarios: values.scenario?.flatMap((s) => s.split(',')),
  out: values.out,
  reps: values.reps === undefined ? undefined : Number(values.reps),
  capMs: values.cap === undefined ? undefined : Number(values.cap) * 1000,
  only: { n: list(values.n), parallel: list(values.parallel), latencyMs: list(values.latency) },
});

for (const t of checkTargets(result.cells)) {
  console.log(`${t.pass === null ? '·' : t.pass ? '✓' : '✗'} [${t.workload}] ${t.name}: ${t.value}`);
}
console.log(`wrote ${[files.json, files.markdown, ...files.charts].join(', ')}`);
console.log(
  `${result.runs.filter((r) => r.status === 'ok').length} runs in ${(result.durationMs / 1000).toFixed(0)} s`,
);
