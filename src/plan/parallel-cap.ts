/**
 * PARALLEL above the provider's concurrency cap (`llm.limits.concurrency`,
 * the engine's `maxConcurrency`) is honoured only up to the cap: every LLM
 * call takes a slot of the provider's gate. Said out loud, in EXPLAIN and as
 * a notice, rather than silently.
 */

/** The notice for a statement whose PARALLEL exceeds the cap, or undefined when it does not. */
export function parallelCapNotice(parallel: number, cap: number): string | undefined {
  if (!(parallel > cap)) return undefined;
  return (
    `WARNING: PARALLEL ${parallel} is above the provider's concurrency cap of ${cap}: ` +
    `at most ${cap} LLM calls run at once (raise llm.limits.concurrency to allow more)`
  );
}

/**
 * Calls in flight when neither the statement (PARALLEL, `-- @ parallel`) nor
 * the engine (option defaultParallel, the CLI's --parallel, the config's
 * `parallel`) says: 8 calls of ~1 s each are ~480 requests a minute, under
 * the 500 RPM of OpenAI's first usage tier for its small models; a provider
 * that allows fewer says so in its rate-limit headers, and the gate paces
 * every call by them and halves its concurrency on a 429 (llm/gate-budget.ts,
 * llm/shared-gate.ts), so more in flight never means more than it allows.
 */
export const AUTO_PARALLEL = 8;

/** The default PARALLEL for a provider whose concurrency cap is `cap` (llm.limits.concurrency), and why. */
export function autoParallel(cap: number): { parallel: number; why: string } {
  const parallel = Math.max(1, Math.min(AUTO_PARALLEL, cap));
  const bound = cap < AUTO_PARALLEL ? `the provider's concurrency cap of ${cap}` : `at most ${AUTO_PARALLEL}`;
  return {
    parallel,
    why: `auto: ${bound}, paced by the provider's rate-limit headers (requests and tokens per minute)`,
  };
}
