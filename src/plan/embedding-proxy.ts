/**
 * The embedding proxy (`-- @ proxy: embedding recall 0.9 precision 0.9`): a boolean
 * operator's rows scored by the embedding model, no chat call. An operator's first
 * argument is the row's value and the others what it is judged against (MEANS's
 * criterion, IMPLIES's statement, LLM_FILTER's inputs against its condition), so the
 * score is the cosine similarity of the first argument's vector and the others'
 * (joined by newlines, as one text). Related texts score higher, but a similarity is
 * no probability: SUPG (supg.ts) needs only that the score ranks rows, and learns
 * from the statement model's answers on its sample where to cut. A negative cosine
 * (texts less alike than unrelated ones) scores 0, since the importance sample
 * draws by √score.
 */

export { EMBEDDING_PROXY } from '../../grammar/index.js';

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

/** The proxy score of two vectors: their cosine similarity, negatives as 0. */
export function similarityScore(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 || nb === 0) return 0;
  return Math.min(1, Math.max(0, dot / Math.sqrt(na * nb)));
}
