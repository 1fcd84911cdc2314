/**
 * Byte-pair merging of one pre-token in n log n steps, with the same result
 * as tiktoken's (and gpt-tokenizer's) merge: the pair of adjacent parts with
 * the lowest rank merges first, the leftmost on a tie, until no pair is a
 * token. gpt-tokenizer's merge scans every pair for the lowest after each
 * merge and splices arrays, n² in the pre-token's length: one 16,000
 * character CJK or emoji word (one pre-token: o200k splits words, not
 * characters) held the thread about a second, and one 30 MB word grew its
 * arrays past the heap and aborted the process. Here the pairs wait in a
 * heap keyed by (rank, position), the parts are a linked list over typed
 * arrays (off V8's heap, sized by the piece), and a popped pair that no
 * longer exists is skipped: the rank of a part's pair names its bytes, so an
 * entry whose rank still matches its part's current pair is that pair.
 */

import type { RankOf } from './bpe-ranks.js';

/**
 * The token counter's work since the thread started: characters it read and
 * ranks its merges looked up (the n log n merge's steps). TEXT_CHUNKS bounds
 * what one DuckDB call does on the main thread by it, and tests hold it linear.
 */
export const tokenWork = { chars: 0, lookups: 0 };

/** tokenWork as one number of steps: about 0.1 to 0.3 µs each, prose or a long CJK word alike. */
export function tokenSteps(): number {
  return tokenWork.chars + tokenWork.lookups;
}

/** Positions fit below 2^32 and ranks below 2^20: a heap key is exact in a double. */
const POSITION_SPAN = 2 ** 32;
const NO_PAIR = -1;

/**
 * The tokens of one pre-token's bytes: pushed to `out` when given; returns how many.
 * Every single byte is a token in a byte-level BPE, so the merge always ends in tokens.
 */
export function mergeBytes(bytes: Uint8Array, rankOf: RankOf, out?: number[]): number {
  const n = bytes.length;
  if (n === 0) return 0;
  // next[i]: where the part starting at i ends (n: the last); -1: i no longer starts a part.
  const next = new Int32Array(n + 1);
  const prev = new Int32Array(n + 1);
  // pairRank[i]: the rank of the part at i joined with the next, or NO_PAIR.
  const pairRank = new Int32Array(n);
  // At most n - 1 pairs at first and two more per merge (n - 1 merges).
  const heap = new Float64Array(3 * n);
  let size = 0;

  const push = (key: number) => {
    let at = size++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (heap[parent]! <= key) break;
      heap[at] = heap[parent]!;
      at = parent;
    }
    heap[at] = key;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap[--size]!;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
      if (heap[child]! >= last) break;
      heap[at] = heap[child]!;
      at = child;
    }
    heap[at] = last;
    return top;
  };
  const rankPair = (i: number) => {
    const j = next[i]!;
    if (j >= n) {
      pairRank[i] = NO_PAIR;
      return;
    }
    tokenWork.lookups++;
    const rank = rankOf(bytes, i, next[j]!);
    pairRank[i] = rank ?? NO_PAIR;
    if (rank !== undefined) push(rank * POSITION_SPAN + i);
  };

  for (let i = 0; i <= n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  for (let i = 0; i < n; i++) rankPair(i);

  let parts = n;
  while (size > 0) {
    const key = pop();
    const rank = Math.floor(key / POSITION_SPAN);
    const i = key - rank * POSITION_SPAN;
    if (pairRank[i] !== rank) continue; // a pair merged away or changed since it was pushed
    const j = next[i]!;
    const k = next[j]!;
    next[i] = k;
    if (k < n) prev[k] = i;
    next[j] = -1;
    pairRank[j] = NO_PAIR;
    parts--;
    rankPair(i);
    if (i > 0) rankPair(prev[i]!);
  }

  if (out) {
    for (let i = 0; i < n; i = next[i]!) {
      const rank = rankOf(bytes, i, next[i]!);
      if (rank === undefined) throw new Error(`byte-pair merge left a part that is not a token at ${i}`);
      out.push(rank);
    }
  }
  return parts;
}
