/**
 * The bench's tables, generated inside DuckDB: `bench_docs_<n>` holds n short
 * reviews (unique text per row; `tag` repeats so DISTINCT keeps a tenth), and
 * `bench_labels` is the small side of the semantic join.
 */
import type { Engine } from '../src/index.js';

const PHRASES = [
  'late shipping and a damaged box',
  'great battery life on long trips',
  'the screen cracked after a week',
  'fast delivery and friendly support',
  'the price is too high for what it does',
  'works exactly as described',
  'battery drains overnight, shipping was slow',
  'broken on arrival, support never answered',
] as const;

export const LABELS = ['shipping problem', 'battery', 'broken screen', 'price'] as const;

/** Name of the n-row table. */
export function docsTable(n: number): string {
  return `bench_docs_${n}`;
}

/** Distinct tags in the n-row table (what MAP DISTINCT keeps). */
export function distinctTags(n: number): number {
  return Math.max(1, Math.floor(n / 10));
}

/** SQL that creates the n-row table (idempotent). */
export function docsTableSql(n: number): string {
  const phrases = `[${PHRASES.map((p) => `'${p}'`).join(', ')}]`;
  return `CREATE TABLE IF NOT EXISTS ${docsTable(n)} AS
    SELECT range::INTEGER AS id,
      'review ' || range || ': ' || ${phrases}[(range % ${PHRASES.length}) + 1] AS text,
      'tag ' || (range % ${distinctTags(n)}) AS tag
    FROM range(${n})`;
}

/** Creates `bench_docs_<n>` and `bench_labels` in the engine's database if missing. */
export async function ensureTables(engine: Engine, n: number): Promise<void> {
  await engine.query(docsTableSql(n));
  const labels = LABELS.map((l, i) => `(${i}, '${l}')`).join(', ');
  await engine.query(
    `CREATE TABLE IF NOT EXISTS bench_labels AS SELECT * FROM (VALUES ${labels}) AS v(id, label)`,
  );
}
