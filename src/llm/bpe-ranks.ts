/**
 * A BPE vocabulary's ranks found by their bytes without making a string:
 * gpt-tokenizer's own lookup checks the bytes are UTF-8, decodes them into a
 * string for its map, else binary-searches its byte tokens, about half of a
 * long word's merge time. Here the tokens' bytes sit in one pool, and an
 * open-addressing table of their ranks is keyed by an FNV-1a hash of the
 * bytes, each hit confirmed byte by byte. Built once per thread from the
 * encoding's rank list (about 200,000 tokens: ~4 MB, tens of ms).
 */

/** A token's rank from `bytes[start, end)`; undefined when those bytes are not a token. */
export type RankOf = (bytes: Uint8Array, start: number, end: number) => number | undefined;

const EMPTY = -1;

function hash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** A vocabulary's ranks by bytes, and tokens back to bytes. */
export interface ByteRanks {
  readonly rankOf: RankOf;
  /** The bytes of `tokens` in order; undefined when one is no rank here (a special token). */
  bytes(tokens: readonly number[]): Uint8Array | undefined;
}

/** The lookup for a rank list as gpt-tokenizer holds it: rank i's token as a string (UTF-8) or its bytes. */
export function byteRanks(tokens: readonly (string | readonly number[] | undefined)[]): ByteRanks {
  const utf8 = new TextEncoder();
  // At most 3 bytes per UTF-16 unit; written in place (most tokens are ASCII, copied byte by byte).
  let room = 0;
  for (const t of tokens) room += typeof t === 'string' ? t.length * 3 : (t?.length ?? 0);
  const pool = new Uint8Array(room);
  const offset = new Int32Array(tokens.length + 1);
  let at = 0;
  for (let rank = 0; rank < tokens.length; rank++) {
    offset[rank] = at;
    const t = tokens[rank];
    if (t === undefined) continue;
    if (typeof t !== 'string') {
      pool.set(t, at);
      at += t.length;
      continue;
    }
    let ascii = true;
    for (let i = 0; i < t.length && ascii; i++) ascii = t.charCodeAt(i) < 0x80;
    if (ascii) for (let i = 0; i < t.length; i++) pool[at++] = t.charCodeAt(i);
    else at += utf8.encodeInto(t, pool.subarray(at)).written;
  }
  offset[tokens.length] = at;
  let size = 1;
  while (size < tokens.length * 2) size *= 2;
  const mask = size - 1;
  const table = new Int32Array(size).fill(EMPTY);
  for (let rank = 0; rank < tokens.length; rank++) {
    if (offset[rank + 1] === offset[rank]) continue;
    let slot = hash(pool, offset[rank]!, offset[rank + 1]!) & mask;
    while (table[slot] !== EMPTY) slot = (slot + 1) & mask;
    table[slot] = rank;
  }

  const rankOf: RankOf = (bytes, start, end) => {
    const length = end - start;
    let slot = hash(bytes, start, end) & mask;
    for (;;) {
      const rank = table[slot]!;
      if (rank === EMPTY) return undefined;
      const from = offset[rank]!;
      if (offset[rank + 1]! - from === length) {
        let same = true;
        for (let i = 0; i < length; i++) {
          if (pool[from + i] !== bytes[start + i]) {
            same = false;
            break;
          }
        }
        if (same) return rank;
      }
      slot = (slot + 1) & mask;
    }
  };
  const bytes = (ranks: readonly number[]): Uint8Array | undefined => {
    let length = 0;
    for (const r of ranks) {
      if (!Number.isInteger(r) || r < 0 || r >= tokens.length) return undefined;
      length += offset[r + 1]! - offset[r]!;
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const r of ranks) {
      out.set(pool.subarray(offset[r]!, offset[r + 1]!), at);
      at += offset[r + 1]! - offset[r]!;
    }
    return out;
  };
  return { rankOf, bytes };
}
