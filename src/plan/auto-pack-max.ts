/**
 * The most tuples an automatic pack holds: measured on the simulator, a
 * 200-row MEANS filter takes 0.35× the input tokens of one call per row at
 * 16 (docs/semantic-sql.md "Packing"); more saves little (the instructions
 * are already stated once for 16) and asks a real model to keep more answers
 * in order. A module of its own: pack-size.ts reads the cascade's packed
 * prompt, and what only needs the number (embed-statement.ts, on the
 * engine's start-up path) must not load the cascade layer and its template
 * libraries with it (start-loads.test.ts).
 */
export const AUTO_PACK_MAX = 16;

/**
 * The most tuples one prompt packs under a statement's `batch` before its
 * tuples are known: an explicit n, else the automatic pack's largest
 * (pack-size.ts may choose fewer, for long texts). What a pre-filtered LIMIT
 * window fills with left rows (batch-passes.ts windowRows) and what EXPLAIN's
 * bounds count a prompt's small-side calls by before the vectors are cached
 * (prefilter-state.ts).
 */
export function mostPerPrompt(batch: number | 'auto'): number {
  return batch === 'auto' ? AUTO_PACK_MAX : batch;
}
