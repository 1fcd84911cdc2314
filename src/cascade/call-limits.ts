/**
 * A statement's limits on its LLM calls, in one object: made once by the
 * planner, one way for MAP, RUN and operators (plan/plan-limits.ts
 * planLimits), from WITH options, `-- @` annotations and the engine's defaults, and carried unchanged, inside each target's CallSpec
 * (call-spec.ts), to the dispatcher, every chunk task and queue job and the
 * cascade run, and to the embedding calls. Each consumer reads the fields it enforces; none reshapes
 * them. It lives here, under the thread and plan layers, because both the
 * chunk protocol and the cascade run read it.
 */
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
  /**
   * Tokens each answer may have (`max_tokens`), sent as each call's max_tokens:
   * an answer cut there is tried once more at the model's cap (llm/call-fit.ts).
   */
  readonly maxTokens?: number;
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

/** The dollar budget as whole nano-dollars, as the shared spend counter keeps it (thread/budget.ts). */
export function budgetNanos(limits: Pick<CallLimits, 'budgetDollars'>): number | undefined {
  return limits.budgetDollars === undefined ? undefined : Math.round(limits.budgetDollars * 1e9);
}

/** Whether either budget is set. */
export function isBudgeted(limits: Pick<CallLimits, 'budgetDollars' | 'budgetTokens'>): boolean {
  return limits.budgetDollars !== undefined || limits.budgetTokens !== undefined;
}
