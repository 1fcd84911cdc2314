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

/** The tokens of one call (or an estimate's share of calls), as the provider bills them. */
export interface BilledTokens {
  /** Every input token, cached ones included (the provider's prompt_tokens). */
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** Of tokensIn, those served from the provider's prompt cache (absent: none). */
  readonly tokensCached?: number;
}

export interface PriceOptions {
  /** Delivered through the provider's Batch API: the model's `batch_discount` comes off. */
  readonly batch?: boolean;
}

/**
 * Dollars for one call, or null when the model has no price (never guessed):
 * ((tokensIn − cached) × in + cached × (cached_in ?? in) + tokensOut × out) / 1M,
 * times (1 − batch_discount) for a batch call. The one pricing rule: a run's
 * logged cost (usage.ts), EXPLAIN's estimate and budgets all come from here.
 */
export function costFromTable(
  table: PriceTable | undefined,
  model: string,
  tokens: BilledTokens,
  options: PriceOptions = {},
): number | null {
  const p = table?.[model];
  if (!p) return null;
  const cached = Math.min(Math.max(tokens.tokensCached ?? 0, 0), tokens.tokensIn);
  const dollars =
    ((tokens.tokensIn - cached) * p.in + cached * (p.cached_in ?? p.in) + tokens.tokensOut * p.out) / 1e6;
  return options.batch && p.batch_discount ? dollars * (1 - p.batch_discount) : dollars;
}
