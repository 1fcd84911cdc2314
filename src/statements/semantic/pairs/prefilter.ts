/**
 * The prefilter (`-- @ prefilter: k`): for each distinct left value, the k
 * right values nearest by cosine of their embeddings. Of a pair predicate
 * (`a ~ b`), only those pairs reach the model; the others are false without a
 * call. Of a relevance order (`ORDER BY a RELEVANCE TO q`, `ORDER BY ABOUT(a, q)
 * DESC`), the left value is the topic and the right values the rows' texts:
 * only the k texts nearest the topic are scored by the model, and the rest
 * sort after them unscored. Exact (every
 * left against every right, a k-slot insertion list per left): 2,000 × 2,000
 * values of 256 dimensions are ~1e9 multiply-adds, about a second, against
 * the 4,000,000 model calls it saves.
 */

import { RvbbitError } from '../../../../base/errors.js';

/** What a prefilter prunes: a pair predicate's pairs, or a relevance order's rows. */
export type PrefilterKind = 'pairs' | 'ranking';

export interface PrefilterPlan {
  readonly kind: PrefilterKind;
  readonly k: number;
  readonly leftValues: number;
  readonly rightValues: number;
  /** Pairs the join would ask about without the prefilter. */
  readonly pairs: number;
  /** Pairs kept (≤ leftValues × k); null when the whole cross product is kept (a small side: today's plan). */
  readonly kept: number | null;
}

export function describePlan(p: PrefilterPlan): string {
  if (p.kind === 'ranking') {
    const topics = p.leftValues === 1 ? 'the topic' : `each of ${p.leftValues} topics`;
    if (p.kept === null)
      return `relevance prefilter ${p.k}: not applied (${p.rightValues} values: at most ${p.k}, every one is scored)`;
    return `relevance prefilter ${p.k}: ${p.rightValues} values; the ${p.k} nearest ${topics} by embedding scored by the model (${p.kept} calls at most), ${p.pairs - p.kept} sorted after them unscored`;
  }
  if (p.kept === null)
    return `prefilter ${p.k}: not applied (${p.leftValues} × ${p.rightValues} values: a small side keeps its own plan)`;
  return `prefilter ${p.k}: ${p.leftValues} left × ${p.rightValues} right values = ${p.pairs} pairs; ${p.kept} kept (top ${p.k} per left value by embedding), ${p.pairs - p.kept} pruned`;
}

/**
 * Multiply-adds between yields to the event loop: about 5 ms of work here. A
 * server client's `SELECT 1` takes several turns of the loop (read, guard,
 * DuckDB, reply), each of which may wait one slice: at 20M (~25 ms) ENTITY
 * over 20,000 values held another client's SELECT 1 for 0.9 s.
 */
const YIELD_EVERY = 4_000_000;

/**
 * For each left value, the indexes (into `rights`) of its k nearest right
 * values by cosine, nearest first; a tie goes to the right value that sorts
 * first, so the choice does not depend on the order rows arrived in. It runs
 * on the main thread and yields to the event loop every few milliseconds:
 * 10,000 × 10,000 values take tens of seconds, in which a server must go on
 * answering its other clients.
 */
export async function topK(
  lefts: readonly string[],
  rights: readonly string[],
  vectorOf: (text: string) => ArrayLike<number>,
  k: number,
  signal?: AbortSignal,
): Promise<number[][]> {
  const order = rights
    .map((_, j) => j)
    .sort((x, y) => (rights[x]! < rights[y]! ? -1 : rights[x]! > rights[y]! ? 1 : 0));
  // The longest vector's length: '' is a zero vector of whatever length the embedder knew (embedder.ts).
  let dims = 0;
  for (const t of [...lefts, ...rights]) dims = Math.max(dims, vectorOf(t).length);
  // Rights as one unit-normalised matrix: the inner loop is a dot product over a flat array.
  const m = new Float32Array(order.length * dims);
  for (let j = 0; j < order.length; j++) normalizeInto(vectorOf(rights[order[j]!]!), m, j * dims, dims);
  const q = new Float32Array(dims);
  const bestI = new Int32Array(k);
  const bestS = new Float64Array(k);
  const out: number[][] = [];
  let work = 0;
  for (const l of lefts) {
    work += order.length * dims;
    if (work >= YIELD_EVERY) {
      work = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
      // A cancelled statement (cancel, disconnect, statement_timeout) stops here, not minutes later.
      if (signal?.aborted) throw stopped(signal);
    }
    normalizeInto(vectorOf(l), q, 0, dims);
    let n = 0;
    for (let j = 0; j < order.length; j++) {
      const off = j * dims;
      // Four running sums: independent multiply-adds V8 can overlap (about twice a single sum's speed).
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      let d = 0;
      for (; d + 3 < dims; d += 4) {
        d0 += q[d]! * m[off + d]!;
        d1 += q[d + 1]! * m[off + d + 1]!;
        d2 += q[d + 2]! * m[off + d + 2]!;
        d3 += q[d + 3]! * m[off + d + 3]!;
      }
      for (; d < dims; d++) d0 += q[d]! * m[off + d]!;
      const dot = d0 + d1 + d2 + d3;
      if (n === k && dot <= bestS[k - 1]!) continue;
      // Insert keeping the list sorted by score, descending (an earlier j wins a tie).
      let at = n < k ? n++ : k - 1;
      while (at > 0 && bestS[at - 1]! < dot) {
        bestS[at] = bestS[at - 1]!;
        bestI[at] = bestI[at - 1]!;
        at--;
      }
      bestS[at] = dot;
      bestI[at] = j;
    }
    out.push(Array.from(bestI.subarray(0, n), (j) => order[j]!));
  }
  return out;
}

function stopped(signal: AbortSignal): unknown {
  return signal.reason instanceof RvbbitError
    ? signal.reason
    : new RvbbitError('CANCELLED', 'statement cancelled');
}

/** Writes v normalised into out[offset, offset + dims); a shorter v (a zero vector) is padded with zeros. */
function normalizeInto(v: ArrayLike<number>, out: Float32Array, offset: number, dims: number): void {
  if (v.length < dims) out.fill(0, offset + v.length, offset + dims);
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  const s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < v.length; i++) out[offset + i] = v[i]! * s;
}
