/** Token usage and cost of one call, from the provider's report, else the price table. */

import { costFromTable, type PriceTable } from './pricing.js';
import type { ChatUsage } from './types.js';

export function usageOf(
  report: unknown,
  prices: PriceTable | undefined,
  models: readonly string[],
): ChatUsage {
  const u = (report && typeof report === 'object' ? report : {}) as Record<string, unknown>;
  const tokensIn = count(u['prompt_tokens']);
  const tokensOut = count(u['completion_tokens']);
  // OpenRouter reports the dollars it charged; trust that over any table.
  if (typeof u['cost'] === 'number' && Number.isFinite(u['cost']))
    return { tokensIn, tokensOut, cost: u['cost'] };
  for (const m of models) {
    const cost = costFromTable(prices, m, tokensIn, tokensOut);
    if (cost !== null) return { tokensIn, tokensOut, cost };
  }
  return { tokensIn, tokensOut, cost: null };
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}
