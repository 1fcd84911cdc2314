/**
 * MAP against the physical limit (issue 4's targets), ratios from one run.
 * The simulator runs in its own process, so its CPU does not hide in ours.
 *
 *   node --import tsx bench/map.bench.ts [latency|overhead|memory|cache|all]
 *
 * - latency:  N=2000, 100 ms per call, PARALLEL 100 → wall ≤ 1.1 × ceil(N/P) × latency; the wall split
 *             at the simulator's first arrival and last answer, and raw undici making the same calls
 * - overhead: N=20,000 at 0 ms → MAP rows/s ≥ 0.6 × raw undici req/s (same simulator, same run)
 * - memory:   engine.stream of a MAP over N=10k and 100k generated rows of 1 KB at 0 ms, each in its
 *             own process (map-memory.child.mjs) → peak RSS ≤ 400 MB, RSS(100k) ≤ 1.3 × RSS(10k)
 * - cache:    a finished 20,000-row MAP again → 0 calls, ≥ 10× faster
 * - durable:  N=20,000 at 0 ms, cache on, a database file (cache and log rows committed within
 *             250 ms, so kill -9 keeps the paid work) vs in-memory: rows/s ratio, 3 rounds alternating
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import type { SimulatorStats } from '../src/sim/stats.js';
import { createEngine, engineBuild, startSimulatorProcess } from './engine-under-test.js';

const which = process.argv[2] ?? 'all';
console.log(`engine: ${engineBuild} (npm run build first; RVBBIT_BENCH_SOURCE=1 for the sources)`);
const sim = await startSimulatorProcess({ latencyMs: 0 });
const cascades = fileURLToPath(new URL('./cascades/', import.meta.url));
const engine = await createEngine({
  cascadeRoots: [cascades],
  provider: { baseUrl: sim.url, maxConcurrency: 1024 },
});
const results: Record<string, unknown> = {};

function mapSql(n: number, parallel: number, cache: boolean): string {
  return `RVBBIT MAP PARALLEL ${parallel} 'bench_label' USING (SELECT id, text FROM docs WHERE id < ${n})
    WITH (limit = 0${cache ? '' : ', cache = false'})`;
}

async function timed(
  sql: string,
  shape: { readonly parallel: number; readonly latencyMs: number } = { parallel: 1, latencyMs: 0 },
): Promise<{
  seconds: number;
  calls: number;
  rows: number;
  /** Where the wall time went, from the simulator's clock (see latencySplit). */
  split: LatencySplit;
}> {
  await sim.resetStats();
  const t0 = performance.now();
  const r = await engine.query(sql);
  const t1 = performance.now();
  const stats = await sim.stats();
  const seconds = (t1 - t0) / 1000;
  return {
    seconds,
    calls: stats.requests,
    rows: r.rows.length,
    split: latencySplit(t0, t1, stats, shape.parallel, shape.latencyMs),
  };
}

interface LatencySplit {
  /** From the query's start to the first request's arrival at the simulator. */
  readonly startMs: number;
  /** From the first request's arrival to the last answer sent. */
  readonly callsMs: number;
  /** From the last answer sent to the query's end (reading it, the last chunk, the result). */
  readonly endMs: number;
  /** Mean time an answer went out after its due time (the simulator's timers and busy loop). */
  readonly lateMsPerAnswer: number;
  /**
   * Slot time left idle within the calls' span, per call: PARALLEL × span, less every
   * call's latency and lateness, over the calls. What is left is the engine's turnaround
   * (an answer read, the row finished, the next request built and sent) and the first
   * wave's and last wave's stagger.
   */
  readonly idleMsPerCall: number;
}

/** The wall time cut at the simulator's first arrival and last answer (both on the machine's epoch clock). */
function latencySplit(
  t0: number,
  t1: number,
  stats: SimulatorStats,
  parallel: number,
  latencyMs: number,
): LatencySplit {
  const origin = performance.timeOrigin;
  const first = stats.firstRequestAt ?? origin + t0;
  const last = stats.lastAnswerAt ?? origin + t1;
  return {
    startMs: first - (origin + t0),
    callsMs: last - first,
    endMs: origin + t1 - last,
    lateMsPerAnswer: stats.completed > 0 ? stats.answeredLateMs / stats.completed : 0,
    idleMsPerCall:
      stats.completed > 0
        ? (parallel * (last - first) - stats.completed * latencyMs - stats.answeredLateMs) / stats.completed
        : 0,
  };
}

await engine.query(
  `CREATE TABLE docs AS SELECT range AS id, 'Acme product number ' || range AS text FROM range(20000)`,
);
// Warm-up: worker threads started, connections open, JIT warm.
await engine.query(mapSql(2000, 64, false));

if (which === 'all' || which === 'latency') {
  await sim.setOptions({ latencyMs: 100 });
  const n = 2000;
  const p = 100;
  const ideal = Math.ceil(n / p) * 0.1;
  const run = await timed(mapSql(n, p, false), { parallel: p, latencyMs: 100 });
  const ratio = run.seconds / ideal;
  // The same requests from raw undici at the same PARALLEL: what the machine and the
  // simulator allow any client on this run (on a busy machine far above the ideal).
  await sim.resetStats();
  const rawSeconds = n / (await rawUndici(n, p));
  const rawLate = await sim.stats();
  results.latency = {
    n,
    parallel: p,
    latencyMs: 100,
    idealS: ideal,
    wallS: run.seconds,
    ratioToIdeal: ratio,
    calls: run.calls,
    split: run.split,
    rawUndiciS: rawSeconds,
    ratioToRawUndici: run.seconds / rawSeconds,
  };
  const { startMs, callsMs, endMs, lateMsPerAnswer, idleMsPerCall } = run.split;
  console.log(
    `latency-bound: N=${n} P=${p} 100 ms: wall ${run.seconds.toFixed(2)} s, ideal ${ideal.toFixed(2)} s, ` +
      `wall/ideal ${ratio.toFixed(3)} (target ≤ 1.1), calls ${run.calls}\n` +
      `  start to first call ${startMs.toFixed(1)} ms, first call to last answer ${callsMs.toFixed(1)} ms ` +
      `(${(callsMs / (ideal * 1000)).toFixed(3)} × ideal), last answer to end ${endMs.toFixed(1)} ms; ` +
      `answers sent ${lateMsPerAnswer.toFixed(2)} ms after due on average; slots idle ${idleMsPerCall.toFixed(2)} ms per call\n` +
      `  raw undici, the same requests at P ${p}: ${rawSeconds.toFixed(2)} s (${(rawSeconds / ideal).toFixed(3)} × ideal, ` +
      `answers ${(rawLate.answeredLateMs / Math.max(1, rawLate.completed)).toFixed(2)} ms after due); ` +
      `MAP / raw undici ${(run.seconds / rawSeconds).toFixed(3)}`,
  );
  await sim.setOptions({ latencyMs: 0 });
}

/**
 * Raw undici from this thread: for row i, exactly the request the bench
 * cascade sends for row i (captured from the simulator), `concurrency` loops.
 * Kept here rather than the suite's RawUndici (bench/yardsticks): measured in
 * this bench, that class gave 25–40% lower raw rates, which would flatter the
 * ratio; why is not understood yet, so the stricter loop stays.
 * Every body differs, as the MAP's do: one fixed body would be answered from
 * the simulator's answer cache and make the yardstick cheaper than the work
 * the MAP asks for.
 */
async function rawUndici(total: number, concurrency: number): Promise<number> {
  const base = new URL(sim.url);
  const pool = new Pool(base.origin, { connections: concurrency });
  const schema = { type: 'object', required: ['label'], properties: { label: { type: 'string' } } };
  const system = `Answer only with JSON that matches this JSON Schema:\n${JSON.stringify(schema)}`;
  const responseFormat = { type: 'json_schema', json_schema: { name: 'label_output', strict: true, schema } };
  const body = (i: number) =>
    JSON.stringify({
      model: 'sim-small',
      messages: [
        { role: 'system', content: system },
        {
          role: 'user',
          content: `Give a short label for: "Acme product number ${i}". Answer as JSON with "label".\n`,
        },
      ],
      response_format: responseFormat,
    });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const res = await pool.request({
          path: `${base.pathname}/chat/completions`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: body(next++),
        });
        JSON.parse(await res.body.text());
      }
    }),
  );
  const rate = (total / (performance.now() - t0)) * 1000;
  await pool.close();
  return rate;
}

/**
 * Both sides keep the same number of requests in flight against the
 * simulator: the yardstick's 64 connections, the MAP's PARALLEL 64. (At
 * PARALLEL 128 the MAP measured 4–8% fewer rows/s: more sockets for both the
 * engine and the simulator to serve, for no more throughput.)
 */
const OVERHEAD_PARALLEL = 64;
const OVERHEAD_ROUNDS = 8;

if (which === 'all' || which === 'overhead') {
  const n = 20_000;
  const rounds: { raw: number; map: number }[] = [];
  // Warm both sides (and the simulator) to a steady state before measuring:
  // two whole rounds, not counted. Both kept speeding up over the first
  // rounds (JIT tiering in this thread, the worker and the simulator):
  // measured after one 10k warm-up, raw went 30k → 46k req/s and the MAP
  // 19k → 25k rows/s from round 1 to round 4.
  for (let i = 0; i < 2; i++) {
    await rawUndici(n, OVERHEAD_PARALLEL);
    await engine.query(mapSql(n, OVERHEAD_PARALLEL, false));
  }
  // The machine's speed drifts within seconds (a shared VM: the same round
  // measured 0.52–0.74). Odd rounds run the MAP first, so a drift weighs on
  // both sides alike (ABBA), and eight rounds average it out.
  const mapRate = async () => {
    const run = await timed(mapSql(n, OVERHEAD_PARALLEL, false));
    return run.rows / run.seconds;
  };
  for (let i = 0; i < OVERHEAD_ROUNDS; i++) {
    let raw: number;
    let map: number;
    if (i % 2 === 0) {
      raw = await rawUndici(n, OVERHEAD_PARALLEL);
      map = await mapRate();
    } else {
      map = await mapRate();
      raw = await rawUndici(n, OVERHEAD_PARALLEL);
    }
    rounds.push({ raw, map });
    console.log(
      `overhead round ${i + 1}: raw undici ${raw.toFixed(0)} req/s, MAP ${map.toFixed(0)} rows/s, ratio ${(map / raw).toFixed(2)}`,
    );
  }
  const mean = (k: 'raw' | 'map') => rounds.reduce((s, r) => s + r[k], 0) / rounds.length;
  results.overhead = {
    n,
    rawReqPerS: mean('raw'),
    mapRowsPerS: mean('map'),
    ratio: mean('map') / mean('raw'),
    rounds,
  };
  console.log(
    `overhead-bound: MAP ${mean('map').toFixed(0)} rows/s vs raw undici ${mean('raw').toFixed(0)} req/s: ratio ${(mean('map') / mean('raw')).toFixed(2)} (target ≥ 0.6)`,
  );
}

if (which === 'all' || which === 'cache') {
  const n = 20_000;
  // Both paths warm, as for the other targets: a cached re-run of other rows
  // first, so the measured re-run is not the first time its code runs.
  const warm = `RVBBIT MAP PARALLEL 128 'bench_label' USING (SELECT id, 'warm-up ' || text AS text FROM docs WHERE id < 2000)
    WITH (limit = 0)`;
  await engine.query(warm);
  await engine.query(warm);
  const first = await timed(mapSql(n, 128, true));
  const again = await timed(mapSql(n, 128, true));
  const speedup = first.seconds / again.seconds;
  results.cache = {
    n,
    firstS: first.seconds,
    firstCalls: first.calls,
    againS: again.seconds,
    againCalls: again.calls,
    speedup,
  };
  console.log(
    `cache: first run ${first.seconds.toFixed(2)} s (${first.calls} calls), re-run ${again.seconds.toFixed(2)} s (${again.calls} calls): ${speedup.toFixed(1)}× faster (target ≥ 10×, 0 calls)`,
  );
}

if (which === 'all' || which === 'durable') {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-bench-durable-'));
  const fileEngine = await createEngine({
    database: join(dir, 'bench.duckdb'),
    cascadeRoots: [cascades],
    provider: { baseUrl: sim.url, maxConcurrency: 1024 },
  });
  await fileEngine.query(
    `CREATE TABLE docs AS SELECT range AS id, 'Acme product number ' || range AS text FROM range(20000)`,
  );
  await fileEngine.query(mapSql(2000, 64, false));
  const n = 20_000;
  const rate = { memory: [] as number[], file: [] as number[] };
  for (let round = 0; round < 3; round++) {
    // New texts each round: every row is a cache miss, so every row writes a cache entry and a log row.
    const sql = `RVBBIT MAP PARALLEL 128 'bench_label'
      USING (SELECT id, 'round ${round} ' || text AS text FROM docs WHERE id < ${n}) WITH (limit = 0)`;
    for (const [name, e] of [
      ['memory', engine],
      ['file', fileEngine],
    ] as const) {
      const t0 = performance.now();
      await e.query(sql);
      rate[name].push(n / ((performance.now() - t0) / 1000));
    }
  }
  await fileEngine.close();
  rmSync(dir, { recursive: true, force: true });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
  results.durable = { n, memoryRowsS: rate.memory, fileRowsS: rate.file };
  console.log(
    `durable: MAP with cache and logs, in-memory ${median(rate.memory).toFixed(0)} rows/s vs database file ` +
      `${median(rate.file).toFixed(0)} rows/s (median of 3): ratio ${(median(rate.file) / median(rate.memory)).toFixed(2)}`,
  );
}

if (which === 'all' || which === 'memory') {
  const child = fileURLToPath(new URL('./map-memory.child.mjs', import.meta.url));
  const loader = process.env.RVBBIT_BENCH_SOURCE === '1' ? ['--import', 'tsx'] : [];
  const measure = (n: number) =>
    JSON.parse(
      execFileSync(process.execPath, [...loader, child, String(n), sim.url], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .at(-1)!,
    );
  const small = measure(10_000);
  const large = measure(100_000);
  const ratio = large.peakRssMb / small.peakRssMb;
  results.memory = { small, large, ratio };
  console.log(
    `memory: 10k rows peak RSS ${small.peakRssMb} MB (${small.seconds} s), 100k rows ${large.peakRssMb} MB (${large.seconds} s): ` +
      `ratio ${ratio.toFixed(2)} (targets: ≤ 400 MB, ratio ≤ 1.3); main-thread heap peak ${small.peakHeapMb} and ${large.peakHeapMb} MB`,
  );
}

console.log(JSON.stringify(results));
await engine.close();
await sim.close();
