/**
 * A model's price in dollars per 1M tokens. `cached_in` is the price of
 * input tokens the provider served from its prompt cache (absent: the same
 * as `in`); `batch_discount` is the fraction taken off a call delivered
 * through the provider's Batch API (OpenAI: 0.5; absent: 0).
 */
export interface ModelPrice {
  readonly in: number;
  readonly out: number;
  readonly cached_in?: number;
  readonly batch_discount?: number;
}

/** Prices by model id (after alias resolution). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** Dollars for one call, or null when the model has no price (never guessed). */
export function costFromTable(
  table: PriceTable | undefined,
  model: string,
  tokensIn: number,
  tokensOut: number,
): number | null {
  const p = table?.[model];
  if (!p) return null;
  return (tokensIn * p.in + tokensOut * p.out) / 1e6;
}
