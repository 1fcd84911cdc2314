/**
 * The embedding proxy (`-- @ proxy: embedding recall 0.9 precision 0.9`): a boolean
 * operator's rows scored by the embedding model, no chat call. An operator's first
 * argument is the row's value and the others what it is judged against (MEANS's
 * criterion, IMPLIES's statement, LLM_FILTER's inputs against its condition), so the
 * score is the cosine similarity of the first argument's vector and the others'
 * (joined by newlines, as one text). Related texts score higher, but a similarity is
 * no probability: SUPG (supg.ts) needs only that the score ranks rows, and learns
 * from the statement model's answers on its sample where to cut. The score is the
 * cosine mapped onto 0..1 as (1 + cos)/2: monotone, so any cut of the scores is a cut
 * of the similarities, and never 0, so SUPG's √score proposal draws every row at a
 * fair rate. (Negatives clipped to 0 left a third to a half of the rows tied at 0,
 * drawn only by the 10% uniform share: the positives among them went unseen and the
 * recall target failed in 19 of 120 trials, supg-embedding-guarantee.test.ts.)
 */

export { EMBEDDING_PROXY } from '../../grammar/annotation-node.js';

const text = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : Array.isArray(v)
      ? v.map(text).join('\n')
      : v === null || v === undefined
        ? ''
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);

/** The two texts an embedding proxy compares for one row: its first argument, and the others joined. */
export function proxyTexts(
  args: readonly string[],
  input: Readonly<Record<string, unknown>>,
): { readonly value: string; readonly against: string } {
  const [first, ...rest] = args;
  return { value: text(input[first!]), against: rest.map((a) => text(input[a])).join('\n') };
}

/**
 * Each input's pair of texts and the distinct texts among them: what the
 * embedding proxy embeds (each once) and what EXPLAIN counts its calls by.
 */
export function proxyTextPairs(
  args: readonly string[],
  inputs: readonly Readonly<Record<string, unknown>>[],
): {
  readonly pairs: readonly { readonly value: string; readonly against: string }[];
  readonly texts: string[];
} {
  const pairs = inputs.map((input) => proxyTexts(args, input));
  return { pairs, texts: [...new Set(pairs.flatMap((p) => [p.value, p.against]))] };
}

/** The proxy score of two vectors: their cosine similarity mapped onto 0..1, (1 + cos)/2. */
export function similarityScore(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  // A text with no vector (all zeros) is as unrelated as orthogonal texts: cosine 0.
  const cos = na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
  return Math.min(1, Math.max(0, (1 + cos) / 2));
}
