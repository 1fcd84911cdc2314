/** Small helpers of the queue link and the worker: error text and a deadline on a promise. */

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
