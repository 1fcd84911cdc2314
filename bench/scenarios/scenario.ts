/**
 * One workload of the bench: the tables it needs, the SQL each strategy runs,
 * and how many LLM calls it should make. A new workload is one more module
 * exporting a `Scenario`; the suite, yardsticks and reports need no change.
 */
import type { Engine } from '../../src/index.js';
import type { LatencySpec } from '../metrics.js';

/** Engine strategies (operators), MAP's own variants, and the two yardsticks. */
export const STRATEGIES = [
  'sequential',
  'union_all',
  'vectorized',
  'batch',
  'batch_distinct',
  'batch_warm',
  'pool',
  'raw',
] as const;
export type Strategy = (typeof STRATEGIES)[number];
export type EngineStrategy = Exclude<Strategy, 'pool' | 'raw'>;

/** One latency with the sizes and parallelisms run at it. */
export interface GridGroup {
  readonly latency: LatencySpec;
  readonly n: readonly number[];
  readonly parallel: readonly number[];
}

export interface Scenario {
  readonly name: string;
  /** 'map', 'filter', 'score', 'join' (the column in the tables). */
  readonly workload: string;
  readonly description: string;
  /** Engine variants this workload runs (yardsticks are added by the suite). */
  readonly strategies: readonly EngineStrategy[];
  /** This workload's own grid instead of the suite's. */
  readonly groups?: { readonly full?: readonly GridGroup[]; readonly quick?: readonly GridGroup[] };
  /** Resolves to null when the engine can run it, else why not (e.g. 'SEMANTIC_NOT_AVAILABLE'). */
  available(engine: Engine): Promise<string | null>;
  /** Creates the tables for n rows (idempotent). */
  setup(engine: Engine, n: number): Promise<void>;
  /** The statement a strategy runs for n rows at `parallel`. */
  sql(strategy: EngineStrategy, n: number, parallel: number): string;
  /** LLM calls the ideal counts for this strategy (the yardsticks make `calls('batch', n)`). */
  calls(strategy: EngineStrategy, n: number): number;
  /** Calls a strategy really makes, when more than `calls` (the time estimate for the cap uses it). */
  callsMade?(strategy: EngineStrategy, n: number): number;
  /** Untimed set-up at latency 0 after `setup` (MAP fills the result cache for `batch_warm`). */
  warm?(engine: Engine, n: number): Promise<void>;
  /** The answer a hand-written client reads out of one completion's content (to compare rows). */
  extract(content: string): unknown;
}
