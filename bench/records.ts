/** The shapes the suite writes: one record per run, one summary per cell, the whole result. */
import type { Machine } from './machine.js';
import type { LatencySpec } from './metrics.js';
import type { Strategy } from './scenarios/scenario.js';

export type RunStatus = 'ok' | 'skipped' | 'not-available' | 'error';

/** Where a cell sits in the grid. */
export interface CellKey {
  readonly scenario: string;
  readonly workload: string;
  readonly n: number;
  readonly latency: LatencySpec;
  readonly latencyLabel: string;
  /** Mean latency of one call (the log-normal's mean, not its median). */
  readonly latencyMeanMs: number;
  readonly parallel: number;
  readonly strategy: Strategy;
}

export interface RunRecord extends CellKey {
  readonly rep: number;
  readonly status: RunStatus;
  readonly reason?: string;
  /** ceil(calls / parallel) × mean latency; 0 at latency 0. */
  readonly idealMs: number;
  /** LLM calls the ideal counts. */
  readonly expectedCalls: number;
  readonly wallMs?: number;
  readonly firstRowMs?: number | null;
  readonly rowsOut?: number;
  readonly rowsPerSec?: number;
  /** Requests the simulator received. */
  readonly llmCalls?: number;
  readonly maxInFlight?: number;
  readonly peakRssMb?: number;
  readonly loopDelayP99Ms?: number;
  /** CPU ms of the bench process (main + worker threads) and of the simulator process during the run. */
  readonly cpuMs?: number;
  readonly simCpuMs?: number | null;
  /** The ideal the efficiency used: idealMs, or at latency 0 the raw undici run of the same repetition (scaled to this run's calls). */
  idealUsedMs?: number | null;
  /** ideal / wall; at latency 0 the ideal is the raw undici run of the same repetition. */
  efficiency?: number | null;
  /** Reference wall / wall (same repetition); see speedupBase. */
  speedup?: number | null;
  /** 'sequential', 'batch@1' (MAP's PARALLEL 1) or 'ideal-seq' (calls × latency, when the reference was skipped). */
  speedupBase?: string | null;
}

export interface CellSummary extends CellKey {
  readonly status: RunStatus;
  readonly reason?: string;
  readonly runs: number;
  /** Median of the ideals the runs used (at latency 0: the raw undici time for the same calls). */
  readonly idealMs: number | null;
  readonly wallMedianMs: number | null;
  readonly wallMinMs: number | null;
  readonly wallMaxMs: number | null;
  /** (max − min) / median of the wall times. */
  readonly wallRelSpread: number | null;
  readonly efficiency: number | null;
  readonly speedup: number | null;
  readonly speedupBase: string | null;
  /** N / s: input rows per second. */
  readonly rowsPerSec: number | null;
  /** rows/s of raw undici in the same group and parallelism (latency 0 only). */
  readonly ceilingRowsPerSec: number | null;
  readonly llmCalls: number | null;
  readonly maxInFlight: number | null;
  readonly peakRssMb: number | null;
  readonly loopDelayP99Ms: number | null;
  /** CPU µs per input row: this process (engine or yardstick), and the simulator. */
  readonly cpuUsPerRow: number | null;
  readonly simCpuUsPerRow: number | null;
  readonly firstRowMs: number | null;
}

export interface SuiteResult {
  readonly name: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: Machine;
  readonly settings: {
    readonly quick: boolean;
    readonly reps: number;
    readonly capMs: number;
    readonly budgetMs: number | null;
    readonly scenarios: readonly string[];
    readonly seed: number;
    readonly threads: number;
  };
  /** Scenario name → null when it ran, else why not (e.g. SEMANTIC_NOT_AVAILABLE). */
  readonly availability: Readonly<Record<string, string | null>>;
  readonly runs: readonly RunRecord[];
  readonly cells: readonly CellSummary[];
}
