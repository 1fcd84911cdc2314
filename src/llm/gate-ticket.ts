/**
 * A call's ticket to the provider's announced budget (gate-budget.ts): which
 * budget it draws on (its endpoint host and model: OpenAI's limits are per
 * model) and what the provider will count it for. Made per attempt (a refit
 * or a structured-output fallback changes the request); the count is made
 * only when the gate paces that budget, so a provider that announces none
 * never pays for it.
 */
import { budgetKey, type PaceTicket } from './gate-budget.js';
import { imageRefTokens, mayHoldImage, splitImages } from './images.js';
import type { ChatRequest } from './types.js';

/** OpenAI's rule of thumb for text it has not tokenized: "1 token ~= 4 chars in English" ("What are tokens" help article). */
const CHARS_PER_TOKEN = 4;

/**
 * What a request counts toward a tokens-per-minute limit when it arrives, as
 * OpenAI's rate limits guide states it ("Error mitigation": "your rate limit
 * is calculated as the maximum of max_tokens and the estimated number of
 * tokens based on the character count of your request"): the messages'
 * characters / 4, each image its own tokens (images.ts, OpenAI's rule for
 * image inputs), or max_tokens when that is more. The answer's length is not
 * known when the request arrives and is not part of it.
 */
export function admissionTokens(request: ChatRequest): number {
  let chars = 0;
  let images = 0;
  for (const m of request.messages) {
    if (!mayHoldImage(m.content)) {
      chars += m.content.length;
      continue;
    }
    const split = splitImages(m.content);
    chars += split.text.length;
    for (const ref of split.images) images += imageRefTokens(ref);
  }
  return Math.max(request.maxTokens ?? 0, Math.ceil(chars / CHARS_PER_TOKEN) + images);
}

/** Budget keys by host and model: an attempt looks its key up instead of hashing the names again. */
const keys = new Map<string, Map<string, number>>();

function keyOf(host: string, model: string): number {
  let byModel = keys.get(host);
  if (!byModel) {
    byModel = new Map();
    keys.set(host, byModel);
  }
  let key = byModel.get(model);
  if (key === undefined) {
    key = budgetKey(host, model);
    byModel.set(model, key);
  }
  return key;
}

/** The ticket of one attempt of a chat call to `model` at `host`. */
export function paceTicket(host: string, model: string, request: ChatRequest): PaceTicket {
  let counted: number | undefined;
  return {
    key: keyOf(host, model),
    tokens: () => {
      counted ??= admissionTokens(request);
      return counted;
    },
  };
}
