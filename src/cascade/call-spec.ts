/**
 * Everything one model call needs beside its rows, in one object: the
 * cascade it runs, the statement's limits, and what the target it serves asks
 * of each call (its own model, packing, confidence, list answers). Made once
 * where a statement's target is made (statements/map/map-rows.ts for MAP,
 * statements/semantic/calls/call-runner.ts for operators, statements/run/plan-run.ts for RUN) and
 * carried whole, as one field, through the row dispatcher, the chunk task
 * (thread/chunk-protocol.ts), the queue job (scale/queue-protocol.ts) and into
 * the cascade run (run-types.ts RunContext.call); each consumer reads the
 * fields it uses. A new per-call option is a field here, its producer and its
 * consumer: the hops between never name it. Plain data: the task crosses a
 * thread by structured clone, the job goes to Redis as JSON.
 */
import type { CallLimits, RunLimits } from './call-limits.js';

/** Which cascade a call runs: its file, and the content hash the plan resolved (cache keys use it). */
export interface CascadeRef {
  /** Where the runner loads it (a queue worker rewrites it to its own copy of the text). */
  readonly path: string;
  /** A worker that already loaded this version runs it without touching the file. */
  readonly hash?: string;
}

export interface CallSpec {
  readonly cascade: CascadeRef;
  /** The statement's limits as the planner made them (call-limits.ts), the same object for all its targets. */
  readonly limits: CallLimits;
  /** This target's own model over the statement's (a proxy's runs); see modelOverride. */
  readonly model?: string;
  /** Session ids of the runs start with this ('udf', 'batch', 'sql_fn_semantic_means_'). */
  readonly sessionPrefix: string;
  /** BATCH n (or an operator's packed prompts): rows per run; absent = one row per run. */
  readonly batchSize?: number;
  /**
   * With batchSize: the cascade is a one-tuple operator, packed batchSize to a
   * prompt (packed-prompt.ts) instead of reading `input.rows`; one row runs unpacked.
   */
  readonly pack?: boolean;
  /**
   * A proxy model's run (`-- @ proxy: m confidence t`): the answer also says
   * how sure it is, as `confidence` 0..1 (confidence.ts); its answers are
   * cached apart from plain ones.
   */
  readonly askConfidence?: boolean;
  /** Each run answers a list of exactly this many items (batch-schema.ts; a dimension's discovery: n labels). */
  readonly outputItems?: number;
}

/** What one target asks of its calls beyond the statement's (an operator's proxy model, a discovery's item count). */
export type TargetCall = Pick<CallSpec, 'model' | 'askConfidence' | 'outputItems'>;

/**
 * What a cascade run reads of its call's spec (RunContext.call): a CallSpec
 * is one, passed whole; a run made by hand (tests, a RUN) gives what it sets.
 */
export type RunCall = TargetCall & {
  readonly limits?: Pick<RunLimits, 'model' | 'timeoutMs' | 'retries' | 'maxTokens'>;
};

/** The model a call names over its cells' own: the target's (a proxy's), else the statement's. */
export function modelOverride(call: RunCall | undefined): string | undefined {
  return call?.model ?? call?.limits?.model;
}
