/** Shared bits of the LLM client tests. */
import type { ChatRequest } from '../../src/llm/types.js';

export const fast = { baseMs: 5, maxMs: 20 } as const;

export function ask(content: string, model = 'sim-small'): ChatRequest {
  return { model, messages: [{ role: 'user', content }] };
}

export async function codeOf(
  p: Promise<unknown>,
): Promise<{ code: string; message: string; detail: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string; message: string; detail: Record<string, unknown> };
    return { code: e.code, message: e.message, detail: e.detail };
  }
  throw new Error('expected a rejection');
}

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves once `done()` holds, polled every 5 ms; rejects naming `what` after `limitMs` (a hang,
 * not a bound). Tests that act "once the request is out" wait for that, not for a fixed delay:
 * at load ~10 a request had not reached the simulator 50 ms after it was made.
 */
export async function until(done: () => boolean, what: string, limitMs = 30_000): Promise<void> {
  const started = performance.now();
  while (!done()) {
    if (performance.now() - started > limitMs) throw new Error(`not within ${limitMs} ms: ${what}`);
    await wait(5);
  }
}
