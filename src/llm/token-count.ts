/**
 * A chat's prompt tokens as OpenAI counts them: each message's content in
 * the o200k_base encoding (GPT-4o and later; gpt-tokenizer, pure JS), 3
 * tokens of markup per message plus its role (one token: system, user and
 * assistant are each one), and 3 priming the reply (OpenAI cookbook, "How to
 * count tokens with tiktoken": tokens_per_message = 3, each value of the
 * message encoded, "every reply is primed with <|start|>assistant<|message|>"),
 * each image its own tokens (images.ts).
 * Other providers' tokenizers differ by a few percent; their windows are
 * checked with this count, and a refusal from them teaches the client the
 * window (model-limits.ts) without trusting the count further.
 *
 * The encoding loads on first use (~250 ms, 4 MB): most prompts are far from
 * any window, and `upperBound` (a token is at least one UTF-8 byte) settles
 * them without it.
 */
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import { mergeBytes, tokenWork } from './bpe-merge.js';
import { byteRanks } from './bpe-ranks.js';
import { imageRefTokens, mayHoldImage, splitImages } from './images.js';

/** Per message: its markup and its role's one token; and priming the answer (OpenAI cookbook). */
const TOKENS_PER_MESSAGE = 3 + 1;
const REPLY_PRIMING = 3;

interface Encoding {
  countTokens(text: string): number;
  encode(text: string): number[];
  decode(tokens: readonly number[]): string;
}

/** gpt-tokenizer's encoding object, and the parts of its core (private in its types) the bounded count reads. */
interface LibraryEncoding {
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
 * o200k_base as gpt-tokenizer encodes (its pre-token split, its ranks),
 * linear in the text: each pre-token merged in n log n steps, a pre-token
 * longer than MERGE_PIECE_CHARS in pieces. Exact for every text without such
 * a word (tested against gpt-tokenizer); with one, at most a few tokens over
 * per 8,192 characters of it, never under. Special tokens are plain text.
 */
function boundedEncoding(library: LibraryEncoding): Encoding {
  const core = library.bytePairEncodingCoreProcessor;
  const rankOf = byteRanks(core.bytePairRankDecoder);
  const preToken = (text: string, out?: number[]): number => {
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
    }
    // A token is at least one byte (promptTokensUpperBound's premise), margin or not.
    return Math.min(n, bytes);
  };
  // Its own copy, read with exec: matchAll clones the pattern on every call, most of a short text's cost.
  // (Counting calls nothing that counts again, so one lastIndex serves every call.)
  const split = new RegExp(core.tokenSplitRegex.source, core.tokenSplitRegex.flags);
  const preTokens = (text: string, each: (preToken: string) => void) => {
    tokenWork.chars += text.length;
    split.lastIndex = 0;
    // Every alternative of the pattern takes at least one character: no empty match to step over.
    for (let m = split.exec(text); m !== null; m = split.exec(text)) each(m[0]);
  };
  return {
    countTokens(text) {
      let n = 0;
      preTokens(text, (p) => {
        n += preToken(p);
      });
      return n;
    },
    encode(text) {
      const out: number[] = [];
      preTokens(text, (p) => preToken(p, out));
      return out;
    },
    decode: (tokens) => library.decode(tokens),
  };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

let encoding: Encoding | undefined;

/**
 * The o200k_base encoding, loaded once per thread (gpt-tokenizer's CommonJS
 * build: TEXT_CHUNKS runs inside DuckDB's call and cannot await, and one
 * copy of its 200,000 ranks serves both callers). Its load is main-thread
 * work either way (about 250 ms idle, seconds under load): a server loads it
 * at start (engine/llm-statements-loader.ts).
 */
export function loadEncodingSync(): Encoding {
  encoding ??= boundedEncoding(
    (createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as { default: LibraryEncoding })
      .default,
  );
  return encoding;
}

/** The same encoding, for callers that await. */
export async function loadEncoding(): Promise<Encoding> {
  return loadEncodingSync();
}

interface CountedMessage {
  readonly content: string;
}

/** The tokens of each message's images, and its text without their markers. */
function parts(m: CountedMessage): { text: string; imageTokens: number } {
  if (!mayHoldImage(m.content)) return { text: m.content, imageTokens: 0 };
  const { text, images } = splitImages(m.content);
  return { text, imageTokens: images.reduce((sum, ref) => sum + imageRefTokens(ref), 0) };
}

/** At least the prompt's tokens, without the encoding: its text's UTF-8 bytes. */
export function promptTokensUpperBound(messages: readonly CountedMessage[]): number {
  let n = REPLY_PRIMING;
  for (const m of messages) {
    const p = parts(m);
    n += TOKENS_PER_MESSAGE + Buffer.byteLength(p.text, 'utf8') + p.imageTokens;
  }
  return n;
}

/** The prompt's tokens as OpenAI counts them. */
export async function promptTokens(messages: readonly CountedMessage[]): Promise<number> {
  const enc = await loadEncoding();
  let n = REPLY_PRIMING;
  for (const m of messages) {
    const p = parts(m);
    n += TOKENS_PER_MESSAGE + enc.countTokens(p.text) + p.imageTokens;
  }
  return n;
}

/** How long counting may hold the thread before it lets other work (a server's clients) run. */
const COUNT_SLICE_MS = 8;

/**
 * Each text's tokens (o200k_base), counted in slices of at most
 * COUNT_SLICE_MS with a turn of the event loop between them: counting the
 * 60,000 values of one aggregate group takes about a second of CPU, and on
 * the main thread (where aggregates are reduced and explained) that second
 * would hold every other client of the server. An awaited promise alone
 * yields to microtasks only, never to sockets or timers.
 */
export async function textsTokens(texts: readonly string[]): Promise<number[]> {
  const enc = await loadEncoding();
  const out = new Array<number>(texts.length);
  let sliceStart = performance.now();
  for (let i = 0; i < texts.length; i++) {
    out[i] = enc.countTokens(texts[i]!);
    if (performance.now() - sliceStart >= COUNT_SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return out;
}

/** A text's tokens (o200k_base). */
export async function textTokens(text: string): Promise<number> {
  return (await loadEncoding()).countTokens(text);
}

/** `text` cut into pieces of at most `maxTokens` tokens each, in order, at token boundaries. */
export async function piecesOfTokens(text: string, maxTokens: number): Promise<string[]> {
  const enc = await loadEncoding();
  const tokens = enc.encode(text);
  const pieces: string[] = [];
  for (let at = 0; at < tokens.length; at += maxTokens)
    pieces.push(enc.decode(tokens.slice(at, at + maxTokens)));
  return pieces;
}
