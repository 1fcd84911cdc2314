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
