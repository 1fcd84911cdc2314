/**
 * Scale-out: a coordinator and 3 `rvbbit worker` processes on one Redis
 * against one local engine, on the simulator (its own process).
 *
 *   node --import tsx bench/scale.bench.ts [rows=6000] [latencies=100,500]
 *
 * 1. At each latency: local PARALLEL 100 vs distributed PARALLEL 300 over
 *    `rows` rows, each path's second run (steady state); wall against the
 *    ideal ceil(N/P) × latency for each, and as a control one local engine
 *    at PARALLEL 300 (if it misses the ideal as well, the machine is the
 *    limit, not the distribution), and where a distributed job's time goes:
 *    queue in (add → a worker starts it), run, queue out (finish → result),
 *    and each process's CPU per row (bench/process-cpu.ts). (At
 *    100 ms the distributed run needs 3,000 calls/s, more than this 2-core
 *    machine serves at latency 0 with simulator, workers and coordinator on
 *    it; 500 ms needs 600/s, which it can.)
 * 2. At latency 0: rows/s of each path, and Redis commands per chunk (from
 *    Redis's own INFO counters, so everything BullMQ and rvbbit send counts).
 * This machine has 2 cores: the "hosts" are processes sharing them, so the
 * latency-0 figures are CPU-bound here; see the README's Scale-out section
 * for how they extend to N hosts.
 */
import { createEngine, type Engine } from '../src/index.js';
import type { LegSummary } from '../src/scale/job-timings.js';
import { openRedis } from '../src/scale/redis-clients.js';
import { startSimulatorProcess } from '../src/sim/index.js';
import { start } from '../test/cli/helpers.js';
import { startRedis } from '../test/scale/redis-server.js';
import { CpuMeter, type Processes } from './process-cpu.js';

const N = Number(process.argv[2] ?? 6000);
const LATENCIES = (process.argv[3] ?? '100,500').split(',').map(Number);
const CASCADES = new URL('../test/fixtures/cascades/engine/', import.meta.url).pathname;

const mapSql = (n: number, parallel: number, tag: string) =>
  `RVBBIT MAP PARALLEL ${parallel} 'label' USING (SELECT i AS id, '${tag} ' || i AS text FROM range(${n}) t(i) ORDER BY i) WITH (cache = false, limit = 0)`;

const redis = await startRedis();
const sim = await startSimulatorProcess({ latencyMs: 0 });
const workers = await Promise.all(
  [0, 1, 2].map(async () => {
    const w = start(
      ['worker', '--redis', redis.url, '--threads', '1', '--max-concurrency', '2000', '--concurrency', '256'],
      { env: { RVBBIT_BASE_URL: sim.url, RVBBIT_API_KEY: '', OPENAI_API_KEY: '', OPENROUTER_API_KEY: '' } },
    );
    while (!/taking jobs/.test(w.out())) {
      if (w.child.exitCode !== null) throw new Error(w.err());
      await new Promise((r) => setTimeout(r, 50));
    }
    return w;
  }),
);
const engineOptions = {
  cascadeRoots: [CASCADES],
  provider: { baseUrl: sim.url, maxConcurrency: 2000 },
  threads: 1,
};
const local = await createEngine(engineOptions);
const coord = await createEngine({ ...engineOptions, queue: { redis: redis.url } });
const control = await openRedis(redis.url);

async function commandsProcessed(): Promise<number> {
  const info = await control.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)![1]);
}

async function timed(
  engine: Engine,
  sql: string,
): Promise<{ ms: number; maxInFlight: number; requests: number }> {
  await sim.resetStats();
  const t0 = performance.now();
  const r = await engine.query(sql);
  const ms = performance.now() - t0;
  const s = await sim.stats();
  if (r.rows.length === 0) throw new Error('no rows');
  return { ms, maxInFlight: s.maxInFlight, requests: s.requests };
}

function line(label: string, ms: number, ideal: number | undefined, extra: string): void {
  const vs = ideal === undefined ? '' : `  ideal ${ideal} ms  wall/ideal ${(ms / ideal).toFixed(3)}`;
  console.log(`${label.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms${vs}  ${extra}`);
}

// Warm-up: worker threads, sockets, JIT, on both paths, at latency 0. Each row through
// each thread as often on both: a worker's thread sees a third of the distributed rows.
// (With 600 rows of warm-up, the workers' threads still spent 30% more CPU per row in
// the timed runs than after these.)
await sim.setOptions({ latencyMs: 0 });
await local.query(mapSql(N, 300, 'warm-l'));
for (const round of [1, 2, 3]) await coord.query(mapSql(N, 300, `warm-c${round}`));

/**
 * Each path runs the statement twice and the second run is the figure: the
 * first after a worker starts also pays for JIT, sockets and pools warming up
 * (shown in brackets), which a running service has behind it.
 */
async function steady(engine: Engine, sql: (tag: string) => string) {
  const first = await timed(engine, sql('first'));
  engine.shared.queue?.timings.take();
  const processes: Processes = engine.shared.queue
    ? {
        coordinator: [process.pid],
        '3 workers': workers.map((w) => w.child.pid!),
        Redis: [redis.pid],
        simulator: [sim.pid],
      }
    : { engine: [process.pid], simulator: [sim.pid] };
  const meter = new CpuMeter(processes);
  const second = await timed(engine, sql('second'));
  const cpu = meter.perRow(N);
  return { ...second, first: first.ms, jobs: engine.shared.queue?.timings.take() ?? null, cpu };
}

/** A leg's median and p90 (ms). */
const leg = (l: LegSummary) => `${l.median.toFixed(1)} ms (p90 ${l.p90.toFixed(1)})`;

for (const LATENCY of LATENCIES) {
  console.log(`\n1. ${N} rows at ${LATENCY} ms latency (second run; the first in brackets)`);
  await sim.setOptions({ latencyMs: LATENCY });
  const l1 = await steady(local, (t) => mapSql(N, 100, `lat${LATENCY}-l-${t}`));
  const idealLocal = Math.ceil(N / 100) * LATENCY;
  line(
    'local, PARALLEL 100',
    l1.ms,
    idealLocal,
    `max in flight ${l1.maxInFlight}  (${l1.first.toFixed(0)} ms)`,
  );
  const d1 = await steady(coord, (t) => mapSql(N, 300, `lat${LATENCY}-d-${t}`));
  const idealDist = Math.ceil(N / 300) * LATENCY;
  line(
    'coordinator + 3 workers, PARALLEL 300',
    d1.ms,
    idealDist,
    `max in flight ${d1.maxInFlight}  (${d1.first.toFixed(0)} ms)`,
  );
  if (d1.jobs) {
    console.log(
      `  per job (${d1.jobs.jobs} jobs): queue in ${leg(d1.jobs.queueIn)}, run ${leg(d1.jobs.run)}, queue out ${leg(d1.jobs.queueOut)}`,
    );
  }
  if (d1.cpu) console.log(`  ${d1.cpu}`);
  console.log(`throughput ratio distributed/local: ${(l1.ms / d1.ms).toFixed(2)}x`);
  // The control: the same 300 calls in flight from one process. When it misses
  // its ideal too, the limit is what this machine serves, not the distribution.
  const l3 = await steady(local, (t) => mapSql(N, 300, `lat${LATENCY}-l3-${t}`));
  line(
    'control: local, PARALLEL 300',
    l3.ms,
    idealDist,
    `max in flight ${l3.maxInFlight}  (${l3.first.toFixed(0)} ms)`,
  );
  if (l3.cpu) console.log(`  ${l3.cpu}`);
}

console.log(`\n2. ${N} rows at latency 0`);
await sim.setOptions({ latencyMs: 0 });
const l2 = await timed(local, mapSql(N, 100, 'zero-l'));
line('local, PARALLEL 100', l2.ms, undefined, `${Math.round((N / l2.ms) * 1000)} rows/s`);
const l3 = await timed(local, mapSql(N, 300, 'zero-l3'));
line('local, PARALLEL 300', l3.ms, undefined, `${Math.round((N / l3.ms) * 1000)} rows/s`);
const before = await commandsProcessed();
const d2 = await timed(coord, mapSql(N, 300, 'zero-d'));
const commands = (await commandsProcessed()) - before;
const chunkSize = coord.shared.queue!.chunkSizeFor(300);
const chunks = Math.ceil(N / chunkSize);
line('coordinator + 3 workers, PARALLEL 300', d2.ms, undefined, `${Math.round((N / d2.ms) * 1000)} rows/s`);
console.log(
  `Redis commands: ${commands} for ${chunks} chunks of ${chunkSize} rows = ${(commands / chunks).toFixed(1)} per chunk (${((d2.ms / chunks) * 1).toFixed(2)} ms of wall per chunk)`,
);

control.disconnect();
await coord.close();
await local.close();
for (const w of workers) w.child.kill('SIGTERM');
await Promise.all(workers.map((w) => w.done));
await sim.close();
await redis.stop();
