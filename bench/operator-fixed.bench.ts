/**
 * An operator statement's fixed cost (issue 56, third round): one warm
 * engine runs the bench grid's filter, score and join statements (strategy
 * batch, `-- @ cache: false`) over `bench_docs_<n>` again and again, each run
 * followed by raw undici replaying the same captured requests, against the
 * simulator at latency 0 in its own process. Prints, per workload, the
 * medians of the statement's wall, of raw undici's, their ratio (rows/s, as
 * the grid reports it) and the process CPU a statement used (main thread,
 * worker thread and V8's helpers; the simulator is another process).
 *
 *   node --import tsx bench/operator-fixed.bench.ts [--reps 30] [--n 100] [--parallel 64] [--only filter,score,join]
 */
import { parseArgs } from 'node:util';
import { createEngine } from '../src/index.js';
import { startSimulatorProcess } from '../src/sim/process.js';
import { ensureTables } from './data.js';
import { pickScenarios } from './scenarios/index.js';
import { CASCADE_ROOTS } from './suite.js';
import { startCapturer } from './yardsticks/capture.js';
import { RawUndici } from './yardsticks/raw-undici.js';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '30' },
    n: { type: 'string', default: '100' },
    parallel: { type: 'string', default: '64' },
    only: { type: 'string', default: 'filter,score,join' },
  },
});
const REPS = Number(values.reps);
const N = Number(values.n);
const PARALLEL = Number(values.parallel);
const scenarios = pickScenarios(values.only.split(','));

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const sim = await startSimulatorProcess({ latencyMs: 0, seed: 42 });
const capturer = await startCapturer(sim.url, CASCADE_ROOTS);
const captured = new Map<string, Awaited<ReturnType<typeof capturer.capture>>>();
try {
  for (const s of scenarios) {
    await s.setup(capturer.engine, N);
    captured.set(s.name, await capturer.capture(s.sql('batch', N, 64)));
  }
} finally {
  await capturer.close();
}
// As the grid's engine (bench/suite.ts): the default worker count, the result cache on.
const engine = await createEngine({
  cascadeRoots: CASCADE_ROOTS,
  provider: { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 1000 },
  cache: true,
});
const raw = new RawUndici();
try {
  await ensureTables(engine, N);
  for (const s of scenarios) {
    const sql = s.sql('batch', N, PARALLEL);
    const calls = captured.get(s.name)!;
    // Warm: the statement's modules, the worker's cascade, both clients' connections.
    for (let i = 0; i < 3; i++) {
      await engine.query(sql);
      await raw.run(calls.url, calls.bodies, PARALLEL);
    }
    const walls: number[] = [];
    const cpus: number[] = [];
    const raws: number[] = [];
    let rows = 0;
    for (let i = 0; i < REPS; i++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      rows = (await engine.query(sql)).rows.length;
      walls.push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      cpus.push((cpu.user + cpu.system) / 1000);
      const t1 = performance.now();
      await raw.run(calls.url, calls.bodies, PARALLEL);
      raws.push(performance.now() - t1);
    }
    const [wall, rawWall] = [median(walls), median(raws)];
    console.log(
      `${s.name} n=${N} p=${PARALLEL}: ${rows} rows; statement ${wall.toFixed(1)} ms, raw undici ${rawWall.toFixed(1)} ms, ` +
        `ratio ${(rawWall / wall).toFixed(2)}×; statement CPU ${median(cpus).toFixed(1)} ms (medians of ${REPS})`,
    );
  }
} finally {
  await raw.close();
  await engine.close();
  await sim.close();
}
