/**
 * How a cost is shown, in one place for every layer that shows one (the
 * CLI, the server's NOTICEs, EXPLAIN's text, `rvbbit eval`): unknown stays
 * unknown, and the same number reads the same everywhere. What a call costs
 * is src/llm/pricing.ts's.
 */

/**
 * Dollars as people read them: four significant digits, and cents at least
 * (never an exponent, no trailing zeros): 0.00008190000000000001 →
 * "0.0000819", 12.3456 → "12.35", 1234.567 → "1234.57", 0 → "0". Every
 * place that shows a cost as text prints it this way (formatCost in a
 * sentence, dollarsText in a column named for dollars); JSON (EXPLAIN's
 * FORMAT JSON, `rvbbit eval --format json`) and SQL (rvbbit.queries) keep the
 * number, NULL when unknown.
 */
export function formatDollars(dollars: number): string {
  if (!Number.isFinite(dollars)) return String(dollars);
  if (dollars === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(dollars)));
  const text = dollars.toFixed(Math.min(100, Math.max(2, 3 - magnitude)));
  return text.replace(/\.?0+$/, '');
}

/**
 * A cost in a sentence: `$` and its dollars, or `$ unknown` when a call had
 * no price (never `$0`, which reads as free). The CLI's cost line and
 * progress bar and the server's progress NOTICEs say a cost this way.
 */
export function formatCost(dollars: number | null): string {
  return dollars === null ? '$ unknown' : `$${formatDollars(dollars)}`;
}

/**
 * A cost in a column named for dollars (EXPLAIN's `est_dollars`, `rvbbit
 * eval`'s `dollars`): its dollars, or `unknown` when a call had no price.
 */
export function dollarsText(dollars: number | null): string {
  return dollars === null ? 'unknown' : formatDollars(dollars);
}
