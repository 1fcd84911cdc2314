/**
 * Token usage and cost of one call, from the provider's report, else the
 * price table. A provider's figures are not taken on trust: a token count
 * that is negative, not a whole number, not a number at all, or more than
 * MAX_REPORTED_TOKENS is no count, and the call's tokens are then counted
 * from its text (token-count.ts) and its cost priced from them, with
 * `estimated` saying so. Budgets (budget_tokens, budget_dollars) and the
 * logs count such a call as what it was, never as 0 tokens and $0, and an
 * absurd figure never reaches the log's INTEGER columns.
 */

import { costFromTable, type PriceOptions, type PriceTable } from './pricing.js';
import type { ChatUsage } from './types.js';

/**
 * The most tokens one call's report may count: more than any model's window
 * holds many times over (the largest are a few million), and within the
 * log's INTEGER columns (2^31 − 1).
 */
export const MAX_REPORTED_TOKENS = 1_000_000_000;

/** The call's tokens counted from its text, for a report that holds no usable count. */
export type UsageEstimate = () => { readonly tokensIn: number; readonly tokensOut: number };

/**
 * `report` is the body's `usage`: prompt_tokens, completion_tokens,
 * prompt_tokens_details.cached_tokens (the part of the prompt the provider
 * served from its prompt cache; 0 when absent, at most prompt_tokens) and,
 * from OpenRouter, `cost`. The first of `models` with a price prices it;
 * `options.batch` for an answer delivered by the provider's Batch API.
 * `estimate` counts the call's text when a figure is no token count (absent
 * figures are 0, as a provider that reports none).
 */
export function usageOf(
  report: unknown,
  prices: PriceTable | undefined,
  models: readonly string[],
  options: PriceOptions = {},
  estimate?: UsageEstimate,
): ChatUsage {
  const u = (report && typeof report === 'object' ? report : {}) as Record<string, unknown>;
  const reportedIn = count(u['prompt_tokens']);
  const reportedOut = count(u['completion_tokens']);
  const unusable = [
    ...(reportedIn === undefined ? ['prompt_tokens'] : []),
    ...(reportedOut === undefined ? ['completion_tokens'] : []),
  ];
  const counted = unusable.length > 0 && estimate ? estimate() : undefined;
  const tokensIn = reportedIn ?? counted?.tokensIn ?? 0;
  const tokensOut = reportedOut ?? counted?.tokensOut ?? 0;
  const details = u['prompt_tokens_details'];
  const tokensCached =
    details && typeof details === 'object'
      ? Math.min(count((details as Record<string, unknown>)['cached_tokens']) ?? 0, tokensIn)
      : 0;
  // OpenRouter reports the dollars it charged; trust that over any table, unless its token figures were no counts.
  let cost: number | null = null;
  const reportedCost = u['cost'];
  if (
    unusable.length === 0 &&
    typeof reportedCost === 'number' &&
    Number.isFinite(reportedCost) &&
    reportedCost >= 0
  )
    cost = reportedCost;
  else {
    const tokens = { tokensIn, tokensOut, tokensCached };
    for (const m of models) {
      cost = costFromTable(prices, m, tokens, options);
      if (cost !== null) break;
    }
  }
  if (unusable.length === 0) return { tokensIn, tokensOut, tokensCached, cost };
  const estimated = `${unusable.join(' and ')} ${unusable.length === 1 ? 'was' : 'were'} not a token count (a whole number from 0 to ${MAX_REPORTED_TOKENS}): ${counted ? 'counted from the text' : 'counted as 0'}`;
  return { tokensIn, tokensOut, tokensCached, cost, estimated };
}

/** A reported figure: a count, 0 when absent, undefined when it is no token count. */
function count(v: unknown): number | undefined {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_REPORTED_TOKENS
    ? v
    : undefined;
}
