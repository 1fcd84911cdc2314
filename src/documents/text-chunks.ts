/**
 * TEXT_CHUNKS(text, max_tokens [, overlap_tokens]): a long text cut into
 * pieces an operator can take. Tokens are counted as the provider-limits
 * work counts them (llm/token-count.ts: o200k_base, special tokens as text),
 * each chunk counted whole, so every chunk is at most `max_tokens`.
 *
 * Cuts fall at paragraph ends (after a blank line), then sentence ends, then
 * after a word's trailing spaces, and inside a word only when one word alone
 * is over the limit (then between code points, never inside one). With no
 * overlap the chunks are an exact partition: concatenated they are the text.
 * With an overlap, each chunk after the first starts with the last words of
 * the one before (at most `overlap_tokens` of them) and the rest is cut with
 * `max_tokens - overlap_tokens`, so each is still within `max_tokens`.
 *
 * Packing sums the pieces' counts (one count per piece, linear in the text)
 * and checks each chunk's exact count before it is kept: a BPE count of a
 * concatenation can differ from the sum of its parts.
 *
 * Memory: it runs on the parser thread under its heap cap, where one array
 * grown past the cap aborts the whole process, not the thread (Node's
 * resourceLimits are best-effort: nodejs/node#47224). So pieces are produced
 * one at a time, never as an array of a long text's words or characters,
 * and a text is cut into at most MAX_CHUNKS chunks.
 */
import { Buffer } from 'node:buffer';
import { loadEncodingSync } from '../llm/token-count.js';
import { DocumentError } from './document-error.js';

/** Smallest max_tokens: a code point is at most 4 UTF-8 bytes, so at most 4 tokens, and the overlap leaves at least half. */
export const MIN_CHUNK_TOKENS = 8;
/** Chunks of one text at most (a larger max_tokens makes fewer). */
export const MAX_CHUNKS = 1_000_000;

const PARAGRAPH_END = /\n[ \t]*\n\s*/g;
/**
 * A run of sentence marks, closing quotes, then space. Matched from the run's
 * first mark only (the lookbehind) and taken whole (the lookahead's capture,
 * an atomic group): else a long run of marks with no space after it (a text
 * of 200,000 '!') is tried again from each of its marks, n².
 */
const SENTENCE_END = /(?<![.!?\u3002\uff01\uff1f])(?=([.!?\u3002\uff01\uff1f]+))\1["'\u201d\u2019)\]]*\s+/g;
const WORD_END = /\s+/g;
const LEVELS = [PARAGRAPH_END, SENTENCE_END, WORD_END] as const;

export function textChunks(text: string, maxTokens: number, overlapTokens = 0): string[] {
  checkChunkArguments(maxTokens, overlapTokens);
  if (text === '') return [];
  // A token is at least one UTF-8 byte (a UTF-16 unit at most three): a text this short is one chunk, uncounted.
  if (text.length * 3 <= maxTokens || (text.length <= maxTokens && Buffer.byteLength(text) <= maxTokens))
    return [text];
  const count = loadEncodingSync().countTokens;
  const chunks: string[] = [];
  pack(text, 0, maxTokens - overlapTokens, count, chunks, false);
  if (overlapTokens === 0) return chunks;
  return chunks.map((chunk, i) =>
    i === 0 ? chunk : withOverlap(chunks[i - 1]!, chunk, overlapTokens, maxTokens, count),
  );
}

/** DOCUMENT_BAD_ARGUMENT unless the limits are ones textChunks takes (checked before a text is sent to be cut). */
export function checkChunkArguments(maxTokens: number, overlapTokens: number): void {
  if (!Number.isInteger(maxTokens) || maxTokens < MIN_CHUNK_TOKENS) {
    throw new DocumentError(
      'DOCUMENT_BAD_ARGUMENT',
      `TEXT_CHUNKS: max_tokens must be an integer of at least ${MIN_CHUNK_TOKENS}, got ${maxTokens}`,
    );
  }
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens * 2 > maxTokens) {
    throw new DocumentError(
      'DOCUMENT_BAD_ARGUMENT',
      `TEXT_CHUNKS: overlap_tokens must be an integer from 0 to half of max_tokens (${Math.floor(maxTokens / 2)}), got ${overlapTokens}`,
    );
  }
}

/** A text's tokens; past `over`, some number over it (bounded-encoding.ts). */
type Count = (text: string, over?: number) => number;

/** Code points' counts, kept: a word cut between code points asks the same few again for each one. */
const pointCounts = new Map<string, number>();
/** Code points kept at most (a text of many distinct ones counts the rest each time). */
const POINT_COUNTS_KEPT = 4096;

function pointTokens(point: string, count: Count): number {
  let n = pointCounts.get(point);
  if (n === undefined) {
    n = count(point);
    if (pointCounts.size < POINT_COUNTS_KEPT) pointCounts.set(point, n);
  }
  return n;
}

/** `text` split after each separator of `level` (the separator stays with the piece before it), one at a time. */
function* pieces(text: string, level: number): Generator<string> {
  if (level >= LEVELS.length) {
    yield* text; // code points
    return;
  }
  // Its own regex state: a level's pieces may be asked for again while these are still being read.
  const re = new RegExp(LEVELS[level]!);
  let from = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = m.index + m[0].length;
    if (end === from) continue;
    yield text.slice(from, end);
    from = end;
  }
  if (from < text.length) yield text.slice(from);
}

/**
 * Packs `text`'s pieces of `level` into chunks. `over`: the caller counted
 * `text` already and it is over the budget, so when it is one piece at this
 * level too (a long word has no sentence end) it is not counted again: a
 * count per level would be four passes over a 30 MB word.
 */
function pack(text: string, level: number, budget: number, count: Count, out: string[], over: boolean): void {
  // The run of pieces packed so far, joined, and how many there are.
  let current = '';
  let n = 0;
  let sum = 0;
  const flush = () => {
    if (n > 0) keepExact(current, n, level, budget, count, out);
    current = '';
    n = 0;
    sum = 0;
  };
  for (const piece of pieces(text, level)) {
    const tokens =
      level >= LEVELS.length
        ? pointTokens(piece, count)
        : over && piece.length === text.length
          ? Number.POSITIVE_INFINITY
          : count(piece, budget);
    if (tokens > budget) {
      flush();
      if (level >= LEVELS.length) {
        // Cannot happen for budget >= 4 (a code point is at most 4 tokens); said rather than looped on.
        throw new DocumentError(
          'DOCUMENT_BAD_ARGUMENT',
          `TEXT_CHUNKS: one character is ${tokens} tokens, over ${budget}`,
        );
      }
      pack(piece, level + 1, budget, count, out, true);
      continue;
    }
    if (sum + tokens > budget) flush();
    current += piece;
    n++;
    sum += tokens;
  }
  flush();
}

/**
 * Keeps a run of `n` pieces of `level` (joined) as one chunk if its exact
 * count fits (one piece was counted alone), else as runs that each fit: the
 * same pieces, split again (a level's cuts in a run are the cuts in the text).
 */
function keepExact(
  joined: string,
  n: number,
  level: number,
  budget: number,
  count: Count,
  out: string[],
): void {
  if (n === 1 || count(joined, budget) <= budget) {
    keep(joined, out);
    return;
  }
  let acc = '';
  for (const piece of pieces(joined, level)) {
    if (acc !== '' && count(acc + piece, budget) > budget) {
      keep(acc, out);
      acc = '';
    }
    acc += piece;
  }
  if (count(acc, budget) <= budget) keep(acc, out);
  else pack(acc, level + 1, budget, count, out, true);
}

function keep(chunk: string, out: string[]): void {
  if (out.length >= MAX_CHUNKS) {
    throw new DocumentError(
      'DOCUMENT_TOO_LARGE',
      `TEXT_CHUNKS: the text makes more than ${MAX_CHUNKS} chunks; a larger max_tokens makes fewer`,
      { limit: MAX_CHUNKS },
    );
  }
  out.push(chunk);
}

/** The chunk after the last words of the one before: as many as fit in `overlap` tokens and keep it within `max`. */
function withOverlap(previous: string, chunk: string, overlap: number, max: number, count: Count): string {
  const words = Array.from(pieces(previous, LEVELS.length - 1));
  let tail = '';
  for (let i = words.length - 1; i >= 0; i--) {
    const longer = words[i] + tail;
    if (count(longer, overlap) > overlap || count(longer + chunk, max) > max) break;
    tail = longer;
  }
  return tail + chunk;
}
