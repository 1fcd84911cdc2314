/**
 * The simulator's price list, dollars per 1M tokens: the one source of its
 * prices. The engine prices calls to its built-in simulator with it (EXPLAIN's
 * estimates, budgets and the logged cost, engine/provider.ts), and the
 * simulator reports the same figure as `usage.cost` (as OpenRouter reports
 * what it charged) when started with it: the engine's own simulator and
 * `rvbbit sim`, so a run through `--provider-url` to `rvbbit sim` logs what a
 * `--sim` run logs.
 *
 * OpenAI's published prices for gpt-4o-mini (sim-small), gpt-4o
 * (sim-large) and text-embedding-3-small: cached input at half the input
 * price, and the Batch API at half price (batch_discount 0.5), as OpenAI
 * bills those models.
 */

/** A model's price (the shape of llm/pricing.ts ModelPrice; the simulator shares no module with the client). */
export interface SimPrice {
  readonly in: number;
  readonly out: number;
  readonly cached_in?: number;
  readonly batch_discount?: number;
}

export const SIM_PRICES: Readonly<Record<string, SimPrice>> = {
  'sim-small': { in: 0.15, out: 0.6, cached_in: 0.075, batch_discount: 0.5 },
  'sim-large': { in: 2.5, out: 10, cached_in: 1.25, batch_discount: 0.5 },
  // The engine's default embedding model (statements/semantic/plan/semantic-options.ts), at OpenAI's price for it.
  'text-embedding-3-small': { in: 0.02, out: 0, batch_discount: 0.5 },
};

/** The model the simulator answers as when nothing chooses one. */
export const SIM_DEFAULT_MODEL = 'sim-small';

/**
 * Dollars for one answer at `price`, by the rule the client prices a call
 * with (llm/pricing.ts costFromTable), in the same order of operations, so
 * the reported figure and the table's are the same number.
 */
export function priceAnswer(
  price: SimPrice,
  tokensIn: number,
  tokensOut: number,
  tokensCached: number,
  batch: boolean,
): number {
  const cached = Math.min(Math.max(tokensCached, 0), tokensIn);
  const dollars =
    ((tokensIn - cached) * price.in + cached * (price.cached_in ?? price.in) + tokensOut * price.out) / 1e6;
  return batch && price.batch_discount ? dollars * (1 - price.batch_discount) : dollars;
}
