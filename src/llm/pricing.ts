/** Prices in dollars per 1M tokens, by model id (after alias resolution). */
export type PriceTable = Readonly<Record<string, { readonly in: number; readonly out: number }>>;

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
