/**
 * A statement's limits on its LLM calls, in one object: made once by the
 * planner (plan/plan-map.ts for MAP, plan/semantic-options.ts for operators,
 * plan/plan-run.ts for RUN) from WITH options, `-- @` annotations and the
 * engine's defaults, and carried unchanged from there to the dispatcher, into
 * every chunk task (thread/chunk-protocol.ts) and queue job, and to the
 * embedding calls. Each consumer reads the fields it enforces; none reshapes
 * them. It lives here, under the thread and plan layers, because both the
 * chunk protocol and the cascade run read it.
 */
import type { RunContext } from './run-types.js';

/** What one cascade run is held to: its model, deadline, retries and the answer cache. */
export interface RunLimits {
  /** Every cell's model instead of its own (`WITH (model = …)`, `-- @ model:`); undefined: the cascade's. */
  readonly model?: string;
  /** Whether answers are reused: false = bypass the cache; a number = TTL in ms; undefined = no expiry. */
  readonly cache: false | number | undefined;
  /** Deadline of one cascade run, ms (`timeout`); the engine's LLM timeout otherwise. */
  readonly timeoutMs?: number;
  /** Attempts per LLM call (`retries`); the engine's default otherwise. */
  readonly retries?: number;
}

/** A statement's limits: its runs' and the ones that hold across all its calls. */
export interface CallLimits extends RunLimits {
  /** Calls in flight at once across the whole statement (PARALLEL). */
  readonly parallel: number;
  /** No call starts once the statement has spent this many dollars. */
  readonly budgetDollars?: number;
  /** …or this many tokens, in + out. */
  readonly budgetTokens?: number;
  /**
   * `batch` (`WITH (delivery = 'batch')`, `-- @ delivery: batch`): the calls
   * go through the provider's Batch API (llm/batch-delivery.ts), answered
   * within its window at its batch price; absent: one HTTP call each.
   */
  readonly delivery?: 'batch';
}

/** The part of a RunContext the limits set; `model` is a target's own model (a proxy's) over the statement's. */
export function runContextLimits(
  limits: RunLimits,
  model = limits.model,
): Pick<RunContext, 'modelOverride' | 'timeoutMs' | 'retries'> {
  return {
    ...(model !== undefined ? { modelOverride: model } : {}),
    ...(limits.timeoutMs !== undefined ? { timeoutMs: limits.timeoutMs } : {}),
    ...(limits.retries !== undefined ? { retries: limits.retries } : {}),
  };
}

/** The dollar budget as whole nano-dollars, as the shared spend counter keeps it (thread/budget.ts). */
export function budgetNanos(limits: Pick<CallLimits, 'budgetDollars'>): number | undefined {
  return limits.budgetDollars === undefined ? undefined : Math.round(limits.budgetDollars * 1e9);
}

/** Whether either budget is set. */
export function isBudgeted(limits: Pick<CallLimits, 'budgetDollars' | 'budgetTokens'>): boolean {
  return limits.budgetDollars !== undefined || limits.budgetTokens !== undefined;
}
