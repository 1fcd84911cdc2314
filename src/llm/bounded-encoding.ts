/**
 * An encoding's count and tokens linear in the text, for the LLM client's
 * counter (token-count.ts: prompt limits, pacing, EXPLAIN, TEXT_CHUNKS).
 * gpt-tokenizer gives the encoding (pre-token pattern, ranks); its merge of
 * one pre-token is n² (bpe-merge.ts says how this one is not), so it merges
 * only short pre-tokens here. (The simulator counts with gpt-tokenizer on its
 * own, sim/token-count.ts: it must not lean on the code it tests.)
 */
import { mergeBytes, tokenWork } from './bpe-merge.js';
import { byteRanks } from './bpe-ranks.js';

/** What callers count and encode with. */
export interface BoundedEncoding {
  /**
   * The text's tokens; with `over`, counting stops once the count passes it
   * (a number over `over` is all the caller learns): a count is a sum over
   * pre-tokens, so a running count past `over` only grows. TEXT_CHUNKS asks
   * whether a piece is over its budget, and a 30 MB word is over it early.
   */
  countTokens(text: string, over?: number): number;
  encode(text: string): number[];
  /**
   * The text of `tokens`. Decoded afresh each call: gpt-tokenizer's decode
   * shares one streaming TextDecoder, so the bytes of a character cut at the
   * end of one call began the next call's text (another answer's). A cut
   * character at the end is left out, as gpt-tokenizer leaves it.
   */
  decode(tokens: readonly number[]): string;
  /**
   * `tokens` cut into runs of `size`, as text: one decoder streams across
   * the runs, so a character whose bytes two runs share goes whole to the
   * later one, and the runs joined are the tokens' text.
   */
  decodeRuns(tokens: readonly number[], size: number): string[];
}

/** gpt-tokenizer's encoding object, and the parts of its core (private in its types) the bounded count reads. */
export interface LibraryEncoding {
  decode(tokens: readonly number[]): string;
  readonly bytePairEncodingCoreProcessor: {
    readonly tokenSplitRegex: RegExp;
    /** Rank i's token: a string (its UTF-8) or its bytes. */
    readonly bytePairRankDecoder: readonly (string | readonly number[])[];
    getBpeRankFromString(text: string): number | undefined;
    bytePairEncode(text: string): number[];
  };
}

/**
 * A pre-token this short goes to gpt-tokenizer's own merge (n², cached by
 * the pre-token: at most its 100,000 entries of this many characters); a
 * longer one to the n log n merge (bpe-merge.ts).
 */
const LIBRARY_MERGE_MAX_CHARS = 32;
/**
 * A pre-token longer than this (UTF-16 units; a long word of letters, CJK or
 * emoji, a run of spaces) is merged in pieces of this size, cut between code
 * points, so one merge's arrays are bounded (about 1 MB) whatever the text.
 */
export const MERGE_PIECE_CHARS = 8192;
/**
 * Added to the count for each such cut: a cut stops merges across it, so a
 * piecewise count is at least the whole one in every case measured (random
 * letters, CJK, emoji, punctuation, spaces: 0 to 1.4 tokens more per cut),
 * and the margin keeps it at or above the exact count where a cut could save
 * one. Only words over 8,192 characters are counted so; others are exact.
 */
export const MERGE_CUT_MARGIN = 1;

const utf8 = new TextEncoder();

/**
 * Where a text may be cut so that its pieces' counts add up to its own: after a
 * run of line breaks followed by a character that is neither white space nor
 * `/`. No pre-token of o200k_base or cl100k_base crosses such a cut: the ones
 * that take a line break (`\s*[\r\n]+`, and punctuation's `[\r\n/]*` tail) end
 * at the run's end unless white space or `/` follows, and none of the others
 * starts with or takes one (tested against the whole text's count on random and
 * prompt-like texts, test/llm/token-count-pieces.test.ts).
 */
const PIECE_CUT = /[\r\n]+(?=[^\s/])/g;
/**
 * Pieces at most this long are counted once and remembered: a cost estimate
 * renders and counts dozens of prompts that share most of their lines (a pair
 * plan's alternatives list the same values in packed, block and small-side
 * prompts; a packed prompt repeats its template's lines), and counting those
 * lines again was most of a 100-row semantic join's planning (issue 66: the
 * quick grid's n = 100 rows).
 */
const PIECE_MEMO_MAX_CHARS = 256;
/** Pieces remembered before the memo starts over: at most ~2 MB of keys (256 two-byte characters each). */
const PIECE_MEMO_ENTRIES = 4096;

/**
 * An encoding as gpt-tokenizer encodes it (its pre-token split, its ranks),
 * linear in the text: each pre-token merged in n log n steps, a pre-token
 * longer than MERGE_PIECE_CHARS in pieces. Exact for every text without such
 * a word (tested against gpt-tokenizer); with one, at most a few tokens over
 * per 8,192 characters of it, never under. Special tokens are plain text.
 */
export function boundedEncoding(library: LibraryEncoding): BoundedEncoding {
  const core = library.bytePairEncodingCoreProcessor;
  const ranks = byteRanks(core.bytePairRankDecoder);
  const rankOf = ranks.rankOf;
  const preToken = (text: string, out?: number[], over = Number.POSITIVE_INFINITY): number => {
    const rank = core.getBpeRankFromString(text);
    if (rank !== undefined) {
      out?.push(rank);
      return 1;
    }
    if (text.length <= LIBRARY_MERGE_MAX_CHARS) {
      const tokens = core.bytePairEncode(text);
      if (out) for (const t of tokens) out.push(t);
      return tokens.length;
    }
    let n = 0;
    let bytes = 0;
    for (let at = 0; at < text.length; ) {
      let end = Math.min(at + MERGE_PIECE_CHARS, text.length);
      // Never between the halves of a surrogate pair.
      if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
      if (at > 0) n += MERGE_CUT_MARGIN;
      const piece = utf8.encode(text.slice(at, end));
      n += mergeBytes(piece, rankOf, out);
      bytes += piece.length;
      at = end;
      if (n > over) return n;
    }
    // A token is at least one byte (promptTokensUpperBound's premise), margin or not.
    return Math.min(n, bytes);
  };
  // Its own copy, read with exec: matchAll clones the pattern on every call, most of a short text's cost.
  // (Counting calls nothing that counts again, so one lastIndex serves every call.)
  const split = new RegExp(core.tokenSplitRegex.source, core.tokenSplitRegex.flags);
  const countWhole = (text: string, over: number): number => {
    split.lastIndex = 0;
    let n = 0;
    let read = 0;
    // Every alternative of the pattern takes at least one character: no empty match to step over.
    for (let m = split.exec(text); m !== null; m = split.exec(text)) {
      n += preToken(m[0], undefined, over - n);
      read = split.lastIndex;
      if (n > over) break;
    }
    tokenWork.chars += read;
    return n;
  };
  // A dictionary object rather than a Map: its keys are internalized copies, so a remembered
  // piece never holds on to the (long) text it was sliced from.
  let memo: Record<string, number> = Object.create(null);
  let remembered = 0;
  const countPiece = (piece: string, over: number): number => {
    if (piece.length > PIECE_MEMO_MAX_CHARS) return countWhole(piece, over);
    const known = memo[piece];
    if (known !== undefined) return known;
    const n = countWhole(piece, Number.POSITIVE_INFINITY);
    if (remembered === PIECE_MEMO_ENTRIES) {
      memo = Object.create(null);
      remembered = 0;
    }
    memo[piece] = n;
    remembered++;
    return n;
  };
  const cut = new RegExp(PIECE_CUT.source, PIECE_CUT.flags);
  return {
    countTokens(text, over = Number.POSITIVE_INFINITY) {
      cut.lastIndex = 0;
      let n = 0;
      let from = 0;
      for (;;) {
        const m = cut.exec(text);
        const to = m === null ? text.length : cut.lastIndex;
        n += countPiece(from === 0 && to === text.length ? text : text.slice(from, to), over - n);
        if (m === null || n > over) return n;
        from = to;
      }
    },
    encode(text) {
      tokenWork.chars += text.length;
      const out: number[] = [];
      split.lastIndex = 0;
      for (let m = split.exec(text); m !== null; m = split.exec(text)) preToken(m[0], out);
      return out;
    },
    decode(tokens) {
      const bytes = ranks.bytes(tokens);
      // A special token is no rank of the pool: gpt-tokenizer decodes those.
      return bytes === undefined ? library.decode(tokens) : new TextDecoder().decode(bytes, { stream: true });
    },
    decodeRuns(tokens, size) {
      const text = new TextDecoder();
      const runs: string[] = [];
      for (let at = 0; at < tokens.length; at += size) {
        const run = tokens.slice(at, at + size);
        const bytes = ranks.bytes(run);
        runs.push(
          bytes === undefined
            ? library.decode(run)
            : text.decode(bytes, { stream: at + size < tokens.length }),
        );
      }
      return runs;
    },
  };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
