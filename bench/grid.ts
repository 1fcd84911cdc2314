/**
 * The axes of the suite and the plan of runs: full and quick grids, the
 * command-line filters, and which cells are skipped because even their ideal
 * time is over the cap.
 */
import { idealMs, type LatencySpec, meanLatencyMs } from './metrics.js';
import type { EngineStrategy, GridGroup, Scenario, Strategy } from './scenarios/scenario.js';

export const LATENCIES: readonly LatencySpec[] = [
  { kind: 'fixed', ms: 0 },
  { kind: 'fixed', ms: 20 },
  { kind: 'lognormal', medianMs: 200, sigma: 0.3 },
];

/** The cross product of the axes: every latency × every n × every parallelism. */
export function crossGroups(
  n: readonly number[],
  latency: readonly LatencySpec[],
  parallel: readonly number[],
): GridGroup[] {
  return latency.map((l) => ({ latency: l, n, parallel }));
}

export const FULL_GROUPS: readonly GridGroup[] = crossGroups([100, 1000, 10_000], LATENCIES, [1, 8, 64]);

/**
 * The quick subset (under a minute with every workload): all parallelisms at
 * latency 0 and 20 ms on small inputs, n = 10,000 at latency 0 (the ceiling
 * comparison needs enough rows to amortise a statement's fixed cost), and the
 * target cell n = 1000, 200 ms, P 64.
 */
export const QUICK_GROUPS: readonly GridGroup[] = [
  { latency: LATENCIES[0]!, n: [100, 1000], parallel: [1, 8, 64] },
  { latency: LATENCIES[0]!, n: [10_000], parallel: [64] },
  { latency: LATENCIES[1]!, n: [100], parallel: [1, 8, 64] },
  { latency: LATENCIES[1]!, n: [1000], parallel: [64] },
  { latency: LATENCIES[2]!, n: [1000], parallel: [64] },
];

export interface GridSettings {
  readonly quick: boolean;
  /** Repetitions of every run (interleaved). */
  readonly reps: number;
  /** Runs whose expected time (expectedMsFor) is above this are skipped. */
  readonly capMs: number;
  /** Stop starting runs after this much time (the rest are skipped and listed). */
  readonly budgetMs: number;
  readonly only?: {
    readonly n?: readonly number[];
    readonly parallel?: readonly number[];
    readonly latencyMs?: readonly number[];
  };
}

export const FULL_SETTINGS: GridSettings = {
  quick: false,
  reps: 3,
  capMs: 15_000,
  budgetMs: Number.POSITIVE_INFINITY,
};
export const QUICK_SETTINGS: GridSettings = { quick: true, reps: 1, capMs: 4_000, budgetMs: 50_000 };

/** A scenario's groups after its overrides and the command-line filters. */
export function groupsFor(scenario: Scenario, settings: GridSettings): GridGroup[] {
  const base = settings.quick ? QUICK_GROUPS : FULL_GROUPS;
  const own = settings.quick ? scenario.groups?.quick : scenario.groups?.full;
  const only = settings.only;
  const keep = <T>(values: readonly T[], allowed: readonly unknown[] | undefined, key: (v: T) => unknown) =>
    allowed && allowed.length > 0 ? values.filter((v) => allowed.includes(key(v))) : values;
  const latencyKey = (v: LatencySpec) => (v.kind === 'fixed' ? v.ms : v.medianMs);
  return (own ?? base)
    .filter((g) => keep([g.latency], only?.latencyMs, latencyKey).length > 0)
    .map((g) => ({
      latency: g.latency,
      n: keep(g.n, only?.n, (v) => v),
      parallel: keep(g.parallel, only?.parallel, (v) => v),
    }))
    .filter((g) => g.n.length > 0 && g.parallel.length > 0);
}

/** Every n a scenario runs at (tables and captures are made once per n). */
export function sizesFor(scenario: Scenario, settings: GridSettings): number[] {
  return [...new Set(groupsFor(scenario, settings).flatMap((g) => g.n))].sort((a, b) => a - b);
}

/** The runs of one (scenario, n, latency) group in one repetition, in interleaved order. */
export interface PlannedRun {
  readonly strategy: Strategy;
  readonly parallel: number;
}

/**
 * Every strategy at every parallelism, the yardsticks right after the engine
 * strategies of the same parallelism, so ratios compare figures from the same
 * moment. `sequential` ignores PARALLEL and runs once, at 1. `raw` is the
 * ceiling at latency 0 only.
 */
export function planGroup(
  scenario: Scenario,
  parallels: readonly number[],
  latency: LatencySpec,
): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const parallel of parallels) {
    for (const strategy of scenario.strategies) {
      if (strategy === 'sequential' && parallel !== parallels[0]) continue;
      runs.push({ strategy, parallel: strategy === 'sequential' ? 1 : parallel });
    }
    runs.push({ strategy: 'pool', parallel });
    if (meanLatencyMs(latency) === 0) runs.push({ strategy: 'raw', parallel });
  }
  return runs;
}

/** LLM calls a run makes: the scenario's count, or the batch count for a yardstick. */
export function callsFor(scenario: Scenario, strategy: Strategy, n: number): number {
  const engineStrategy: EngineStrategy = strategy === 'pool' || strategy === 'raw' ? 'batch' : strategy;
  return scenario.calls(engineStrategy, n);
}

/** ceil(calls / parallel) × mean latency. */
export function idealFor(scenario: Scenario, run: PlannedRun, n: number, latency: LatencySpec): number {
  return idealMs(callsFor(scenario, run.strategy, n), run.parallel, meanLatencyMs(latency));
}

/** Strategies that make one call at a time whatever PARALLEL says (design.md: JS functions are serialised). */
const SERIAL: ReadonlySet<Strategy> = new Set(['sequential', 'union_all']);
/** What one call costs besides its latency, for the time estimate only. */
export const CALL_OVERHEAD_MS = 2;

/**
 * What a run is expected to take, for the cap: ceil(calls / P') × (latency + 2 ms),
 * where P' is 1 for sequential and union_all. Not the ideal: union_all at P 64
 * has a small ideal and still takes calls × latency.
 */
export function expectedMsFor(scenario: Scenario, run: PlannedRun, n: number, latency: LatencySpec): number {
  const width = SERIAL.has(run.strategy) ? 1 : run.parallel;
  const engine = run.strategy !== 'pool' && run.strategy !== 'raw';
  const calls =
    engine && scenario.callsMade
      ? scenario.callsMade(run.strategy as EngineStrategy, n)
      : callsFor(scenario, run.strategy, n);
  return idealMs(calls, width, meanLatencyMs(latency) + CALL_OVERHEAD_MS);
}

/** Why a run is not worth starting, or null. */
export function skipReason(expectedMs: number, settings: GridSettings): string | null {
  return expectedMs > settings.capMs
    ? `expected ${(expectedMs / 1000).toFixed(1)} s > cap ${(settings.capMs / 1000).toFixed(0)} s`
    : null;
}
