/** Small helpers of the queue link and the worker: error text, a deadline on a promise, retries while Redis is away. */

/** An error's text for a message: its code (ECONNREFUSED) first when it has one. */
export function errText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return errText(err.errors[0]);
  const e = err as NodeJS.ErrnoException;
  return e?.code
    ? `${e.code}${e.message ? `: ${e.message}` : ''}`
    : err instanceof Error
      ? err.message
      : String(err);
}

/** `p`, or a rejection after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `attempt()` again every `everyMs` while it fails, for up to `forMs`: a
 * reconnecting Redis client refuses commands at once, and a statement that
 * starts just as Redis comes back should wait for it, not fail. The last
 * error once the time is up, or at once when `stop()` says nobody waits.
 */
export async function retryFor<T>(
  attempt: () => Promise<T>,
  forMs: number,
  stop: () => boolean = () => false,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + forMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() >= deadline || stop()) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
