/** Token usage and cost of one call, from the provider's report, else the price table. */

import { costFromTable, type PriceOptions, type PriceTable } from './pricing.js';
import type { ChatUsage } from './types.js';

/**
 * `report` is the body's `usage`: prompt_tokens, completion_tokens,
 * prompt_tokens_details.cached_tokens (the part of the prompt the provider
 * served from its prompt cache; 0 when absent, at most prompt_tokens) and,
 * from OpenRouter, `cost`. The first of `models` with a price prices it;
 * `options.batch` for an answer delivered by the provider's Batch API.
 */
export function usageOf(
  report: unknown,
  prices: PriceTable | undefined,
  models: readonly string[],
  options: PriceOptions = {},
): ChatUsage {
  const u = (report && typeof report === 'object' ? report : {}) as Record<string, unknown>;
  const tokensIn = count(u['prompt_tokens']);
  const tokensOut = count(u['completion_tokens']);
  const details = u['prompt_tokens_details'];
  const tokensCached =
    details && typeof details === 'object'
      ? Math.min(count((details as Record<string, unknown>)['cached_tokens']), tokensIn)
      : 0;
  // OpenRouter reports the dollars it charged; trust that over any table.
  let cost: number | null = null;
  if (typeof u['cost'] === 'number' && Number.isFinite(u['cost'])) cost = u['cost'];
  else {
    const tokens = { tokensIn, tokensOut, tokensCached };
    for (const m of models) {
      cost = costFromTable(prices, m, tokens, options);
      if (cost !== null) break;
    }
  }
  return { tokensIn, tokensOut, tokensCached, cost };
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}
