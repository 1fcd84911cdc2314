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
 */
import { loadEncodingSync } from '../llm/token-count.js';
import { DocumentError } from './document-error.js';

/** Smallest max_tokens: a code point is at most 4 UTF-8 bytes, so at most 4 tokens, and the overlap leaves at least half. */
export const MIN_CHUNK_TOKENS = 8;

const PARAGRAPH_END = /\n[ \t]*\n\s*/g;
const SENTENCE_END = /[.!?\u3002\uff01\uff1f]+["'\u201d\u2019)\]]*\s+/g;
const WORD_END = /\s+/g;
const LEVELS = [PARAGRAPH_END, SENTENCE_END, WORD_END] as const;

export function textChunks(text: string, maxTokens: number, overlapTokens = 0): string[] {
  checkChunkArguments(maxTokens, overlapTokens);
  if (text === '') return [];
  const count = loadEncodingSync().countTokens;
  const chunks: string[] = [];
  pack(text, 0, maxTokens - overlapTokens, count, chunks);
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

type Count = (text: string) => number;

/** `text` split after each separator of `level` (the separator stays with the piece before it). */
function pieces(text: string, level: number): string[] {
  if (level >= LEVELS.length) return Array.from(text);
  const re = LEVELS[level]!;
  re.lastIndex = 0;
  const out: string[] = [];
  let from = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = m.index + m[0].length;
    if (end === from) continue;
    out.push(text.slice(from, end));
    from = end;
  }
  if (from < text.length) out.push(text.slice(from));
  return out;
}

function pack(text: string, level: number, budget: number, count: Count, out: string[]): void {
  let current: string[] = [];
  let sum = 0;
  const flush = () => {
    if (current.length > 0) keepExact(current, level, budget, count, out);
    current = [];
    sum = 0;
  };
  for (const piece of pieces(text, level)) {
    const tokens = count(piece);
    if (tokens > budget) {
      flush();
      if (level >= LEVELS.length) {
        // Cannot happen for budget >= 4 (a code point is at most 4 tokens); said rather than looped on.
        throw new DocumentError(
          'DOCUMENT_BAD_ARGUMENT',
          `TEXT_CHUNKS: one character is ${tokens} tokens, over ${budget}`,
        );
      }
      pack(piece, level + 1, budget, count, out);
      continue;
    }
    if (sum + tokens > budget) flush();
    current.push(piece);
    sum += tokens;
  }
  flush();
}

/** Keeps the pieces as one chunk if its exact count fits (one piece was counted alone), else as runs that each fit. */
function keepExact(run: string[], level: number, budget: number, count: Count, out: string[]): void {
  const joined = run.join('');
  if (run.length === 1 || count(joined) <= budget) {
    out.push(joined);
    return;
  }
  let acc = '';
  for (const piece of run) {
    if (acc !== '' && count(acc + piece) > budget) {
      out.push(acc);
      acc = '';
    }
    acc += piece;
  }
  if (count(acc) <= budget) out.push(acc);
  else pack(acc, level + 1, budget, count, out);
}

/** The chunk after the last words of the one before: as many as fit in `overlap` tokens and keep it within `max`. */
function withOverlap(previous: string, chunk: string, overlap: number, max: number, count: Count): string {
  const words = pieces(previous, LEVELS.length - 1);
  let tail = '';
  for (let i = words.length - 1; i >= 0; i--) {
    const longer = words[i] + tail;
    if (count(longer) > overlap || count(longer + chunk) > max) break;
    tail = longer;
  }
  return tail + chunk;
}
