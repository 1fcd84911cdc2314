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
