/**
 * The whole suite: its own simulator (child process) and in-memory DuckDB,
 * the availability probe, one capture of the calls per workload and size,
 * then every group's runs interleaved with their yardsticks, repeated; then
 * ratios, summaries and the files under the output folder.
 */
import { fileURLToPath } from 'node:url';
import { SHIPPED_CASCADES } from '../src/engine/engine.js';
import { createEngine, type Engine } from '../src/index.js';
import { type SimulatorProcessHandle, startSimulatorProcess } from '../src/sim/process.js';
import { defaultThreads } from '../src/thread/cascade-pool.js';
import {
  callsFor,
  expectedMsFor,
  FULL_SETTINGS,
  type GridSettings,
  groupsFor,
  idealFor,
  planGroup,
  QUICK_SETTINGS,
  sizesFor,
  skipReason,
} from './grid.js';
import { describeMachine } from './machine.js';
import { latencyLabel, meanLatencyMs, rowsPerSec } from './metrics.js';
import { type OutputFiles, writeOutputs } from './output.js';
import type { CellKey, RunRecord, SuiteResult } from './records.js';
import { type RunnerContext, runBody, timedRun } from './runner.js';
import { pickScenarios } from './scenarios/index.js';
import type { Scenario } from './scenarios/scenario.js';
import { addRatios, summarize } from './summarize.js';
import { type CapturedCalls, startCapturer } from './yardsticks/capture.js';
import { RawUndici } from './yardsticks/raw-undici.js';

export const BENCH_CASCADES = fileURLToPath(new URL('./cascades/', import.meta.url));
/** The bench's cascades, then the shipped ones (the semantic operators' cascades live there). */
export const CASCADE_ROOTS: readonly string[] = [BENCH_CASCADES, SHIPPED_CASCADES];
export const DEFAULT_OUT = fileURLToPath(new URL('./results/', import.meta.url));
const SEED = 42;
/** The engine's default worker count on this machine (cores − 1), recorded in the JSON. */
const THREADS = defaultThreads();

export interface SuiteOptions {
  readonly quick?: boolean;
  readonly scenarios?: readonly string[];
  readonly out?: string;
  readonly reps?: number;
  readonly capMs?: number;
  readonly budgetMs?: number;
  readonly only?: GridSettings['only'];
  /** Progress lines (default: stderr). */
  readonly log?: (line: string) => void;
}

/** Runs the suite and writes `<name>.json`, `<name>.md` and `<name>-*.svg`; resolves to the result and paths. */
export async function runSuite(
  options: SuiteOptions = {},
): Promise<{ result: SuiteResult; files: OutputFiles }> {
  const base = options.quick ? QUICK_SETTINGS : FULL_SETTINGS;
  const settings: GridSettings = {
    ...base,
    reps: options.reps ?? base.reps,
    capMs: options.capMs ?? base.capMs,
    budgetMs: options.budgetMs ?? base.budgetMs,
    only: options.only,
  };
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const scenarios = pickScenarios(options.scenarios);
  const subset = (options.scenarios?.length ?? 0) > 0;
  const name = (settings.quick ? 'quick' : 'latest') + (subset ? `-${options.scenarios!.join('+')}` : '');
  const startedAt = new Date();
  const t0 = performance.now();

  const sim = await startSimulatorProcess({ latencyMs: 0, seed: SEED });
  const engine = await createEngine({
    cascadeRoots: CASCADE_ROOTS,
    provider: { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 1000 },
    threads: THREADS,
    cache: true,
  });
  const raw = new RawUndici();
  const ctx: RunnerContext = { engine, sim, raw, seed: SEED };
  try {
    const availability: Record<string, string | null> = {};
    for (const s of scenarios) availability[s.name] = await s.available(engine);
    for (const [s, why] of Object.entries(availability))
      log(`${s}: ${why === null ? 'available' : `not available (${why})`}`);
    const live = scenarios.filter((s) => availability[s.name] === null);

    const captured = await captureAll(live, settings, sim, engine, log);
    await warmUp(ctx, live, settings, captured, log);

    const runs: RunRecord[] = [];
    for (const s of scenarios.filter((x) => availability[x.name] !== null)) {
      runs.push(...unavailableRuns(s, settings, availability[s.name]!));
    }
    for (const scenario of live) {
      for (const group of groupsFor(scenario, settings)) {
        const latency = group.latency;
        await sim.setOptions(
          latency.kind === 'fixed'
            ? { latencyMs: latency.ms, latency: null }
            : { latency: { dist: 'lognormal', medianMs: latency.medianMs, sigma: latency.sigma } },
        );
        for (const n of group.n) {
          const calls = captured.get(`${scenario.name}|${n}`)!;
          const plan = planGroup(scenario, group.parallel, latency);
          for (let rep = 1; rep <= settings.reps; rep++) {
            for (const p of plan) {
              const key = cellKeyOf(scenario, n, latency, p.parallel, p.strategy);
              const idealMs = idealFor(scenario, p, n, latency);
              const expectedCalls = callsFor(scenario, p.strategy, n);
              const common = { ...key, rep, idealMs, expectedCalls };
              const over = performance.now() - t0 > settings.budgetMs ? 'quick-mode time budget spent' : null;
              const skip = skipReason(expectedMsFor(scenario, p, n, latency), settings) ?? over;
              if (skip) {
                runs.push({ ...common, status: 'skipped', reason: skip });
                continue;
              }
              try {
                const m = await timedRun(ctx, scenario, p.strategy, n, p.parallel, calls);
                const { calls: llmCalls, ...rest } = m;
                runs.push({
                  ...common,
                  status: 'ok',
                  ...rest,
                  llmCalls,
                  rowsPerSec: rowsPerSec(n, m.wallMs),
                });
                log(
                  `${scenario.name} n=${n} ${key.latencyLabel} p=${p.parallel} ${p.strategy} #${rep}: ` +
                    `${m.wallMs.toFixed(0)} ms (ideal ${idealMs.toFixed(0)}), ${m.calls} calls, max in flight ${m.maxInFlight}`,
                );
              } catch (err) {
                const code = (err as { code?: unknown }).code;
                const notAvailable = code === 'SEMANTIC_NOT_AVAILABLE';
                const reason = `${typeof code === 'string' ? `${code}: ` : ''}${err instanceof Error ? err.message : String(err)}`;
                runs.push({
                  ...common,
                  status: notAvailable ? 'not-available' : 'error',
                  reason: reason.slice(0, 300),
                });
                log(
                  `${scenario.name} n=${n} ${key.latencyLabel} p=${p.parallel} ${p.strategy} #${rep}: ${reason.slice(0, 200)}`,
                );
              }
            }
          }
        }
      }
    }
    addRatios(runs);
    const result: SuiteResult = {
      name,
      startedAt: startedAt.toISOString(),
      durationMs: performance.now() - t0,
      machine: await describeMachine(engine),
      settings: {
        quick: settings.quick,
        reps: settings.reps,
        capMs: settings.capMs,
        budgetMs: Number.isFinite(settings.budgetMs) ? settings.budgetMs : null,
        scenarios: scenarios.map((s) => s.name),
        seed: SEED,
        threads: THREADS,
      },
      availability,
      runs,
      cells: summarize(runs),
    };
    const files = await writeOutputs(result, options.out ?? DEFAULT_OUT);
    return { result, files };
  } finally {
    await raw.close();
    await engine.close();
    await sim.close();
  }
}

function cellKeyOf(
  scenario: Scenario,
  n: number,
  latency: CellKey['latency'],
  parallel: number,
  strategy: CellKey['strategy'],
): CellKey {
  return {
    scenario: scenario.name,
    workload: scenario.workload,
    n,
    latency,
    latencyLabel: latencyLabel(latency),
    latencyMeanMs: meanLatencyMs(latency),
    parallel,
    strategy,
  };
}

/** Tables on both engines, the cache warm-up, and the chat bodies of every (scenario, n), at latency 0. */
async function captureAll(
  live: readonly Scenario[],
  settings: GridSettings,
  sim: SimulatorProcessHandle,
  engine: Engine,
  log: (line: string) => void,
): Promise<Map<string, CapturedCalls>> {
  const captured = new Map<string, CapturedCalls>();
  if (live.length === 0) return captured;
  await sim.setOptions({ latencyMs: 0, latency: null });
  const capturer = await startCapturer(sim.url, CASCADE_ROOTS);
  try {
    for (const s of live) {
      for (const n of sizesFor(s, settings)) {
        await s.setup(engine, n);
        await s.warm?.(engine, n);
        await s.setup(capturer.engine, n);
        const calls = await capturer.capture(s.sql('batch', n, 64));
        captured.set(`${s.name}|${n}`, calls);
        log(`${s.name} n=${n}: captured ${calls.bodies.length} chat requests`);
      }
    }
  } finally {
    await capturer.close();
  }
  return captured;
}

/** One untimed latency-0 pass at P 64 and n ≤ 1000: worker threads, JIT and connections warm. */
async function warmUp(
  ctx: RunnerContext,
  live: readonly Scenario[],
  settings: GridSettings,
  captured: Map<string, CapturedCalls>,
  log: (line: string) => void,
): Promise<void> {
  for (const s of live) {
    const sizes = sizesFor(s, settings);
    const n = Math.max(...sizes.filter((x) => x <= 1000), Math.min(...sizes));
    const calls = captured.get(`${s.name}|${n}`)!;
    for (const p of planGroup(s, [64], { kind: 'fixed', ms: 0 })) {
      await runBody(ctx, s, p.strategy, n, p.parallel, calls)().catch(() => undefined);
    }
  }
  log('warm-up done');
}

/** Records for a workload the engine cannot run yet, one per cell of its grid. */
function unavailableRuns(scenario: Scenario, settings: GridSettings, why: string): RunRecord[] {
  const out: RunRecord[] = [];
  for (const { latency, n: sizes, parallel } of groupsFor(scenario, settings)) {
    for (const n of sizes) {
      for (const p of planGroup(scenario, parallel, latency)) {
        if (p.strategy === 'pool' || p.strategy === 'raw') continue;
        out.push({
          ...cellKeyOf(scenario, n, latency, p.parallel, p.strategy),
          rep: 1,
          status: 'not-available',
          reason: why,
          idealMs: idealFor(scenario, p, n, latency),
          expectedCalls: callsFor(scenario, p.strategy, n),
        });
      }
    }
  }
  return out;
}
