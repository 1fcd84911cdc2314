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
 *
 * The same list on both sides (ENTITY's blocking, entities.ts) is symmetric:
 * each pair's cosine is computed once and offered to both values' lists, half
 * the multiply-adds (5,000 values: 21 s of a test's CPU). The answer is the
 * same to the bit: a cosine is the same products summed in the same order
 * either way round, and every value's list is still offered its candidates in
 * sorted order, so ties break as they do between two lists.
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
  const pause = pauser(signal);
  if (lefts === rights) {
    const lists = new NearestLists(order.length, k);
    for (let i = 0; i < order.length; i++) {
      await pause((order.length - i) * dims);
      for (let j = i; j < order.length; j++) {
        const cos = dot(m, i * dims, m, j * dims, dims);
        lists.offer(i, j, cos);
        if (j !== i) lists.offer(j, i, cos);
      }
    }
    const out: number[][] = new Array(order.length);
    order.forEach((original, i) => {
      out[original] = lists.of(i).map((j) => order[j]!);
    });
    return out;
  }
  const q = new Float32Array(dims);
  const list = new NearestLists(1, k);
  const out: number[][] = [];
  for (const l of lefts) {
    await pause(order.length * dims);
    normalizeInto(vectorOf(l), q, 0, dims);
    list.clear();
    for (let j = 0; j < order.length; j++) list.offer(0, j, dot(q, 0, m, j * dims, dims));
    out.push(list.of(0).map((j) => order[j]!));
  }
  return out;
}

/** Counts multiply-adds and yields to the event loop past YIELD_EVERY; a cancelled statement stops there. */
function pauser(signal: AbortSignal | undefined): (work: number) => Promise<void> {
  let work = 0;
  return async (more) => {
    work += more;
    if (work < YIELD_EVERY) return;
    work = 0;
    await new Promise<void>((resolve) => setImmediate(resolve));
    // A cancelled statement (cancel, disconnect, statement_timeout) stops here, not minutes later.
    if (signal?.aborted) throw stopped(signal);
  };
}

/** x[xo, xo + dims) · y[yo, yo + dims). */
function dot(x: Float32Array, xo: number, y: Float32Array, yo: number, dims: number): number {
  // Four running sums: independent multiply-adds V8 can overlap (about twice a single sum's speed).
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let d = 0;
  for (; d + 3 < dims; d += 4) {
    d0 += x[xo + d]! * y[yo + d]!;
    d1 += x[xo + d + 1]! * y[yo + d + 1]!;
    d2 += x[xo + d + 2]! * y[yo + d + 2]!;
    d3 += x[xo + d + 3]! * y[yo + d + 3]!;
  }
  for (; d < dims; d++) d0 += x[xo + d]! * y[yo + d]!;
  return d0 + d1 + d2 + d3;
}

/** For each of `rows` lists, its k best candidates by score, descending; among equal scores the first offered stays first. */
class NearestLists {
  private readonly index: Int32Array;
  private readonly score: Float64Array;
  private readonly count: Int32Array;

  constructor(
    rows: number,
    private readonly k: number,
  ) {
    this.index = new Int32Array(rows * k);
    this.score = new Float64Array(rows * k);
    this.count = new Int32Array(rows);
  }

  offer(row: number, candidate: number, score: number): void {
    const base = row * this.k;
    const n = this.count[row]!;
    if (n === this.k && score <= this.score[base + this.k - 1]!) return;
    // Insert keeping the list sorted by score, descending (an earlier candidate wins a tie).
    let at = n < this.k ? n : this.k - 1;
    if (n < this.k) this.count[row] = n + 1;
    while (at > 0 && this.score[base + at - 1]! < score) {
      this.score[base + at] = this.score[base + at - 1]!;
      this.index[base + at] = this.index[base + at - 1]!;
      at--;
    }
    this.score[base + at] = score;
    this.index[base + at] = candidate;
  }

  of(row: number): number[] {
    return Array.from(this.index.subarray(row * this.k, row * this.k + this.count[row]!));
  }

  clear(): void {
    this.count.fill(0);
  }
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
