/**
 * Offsets in a document's text (UTF-16 indexes, what the grammar reports):
 * the word at an offset, how far an error's range reaches, and where a
 * statement's cascade reference is.
 */
import type { CascadeRef, Statement } from '../../grammar/index.js';

const WORD_CHAR = /[A-Za-z0-9_$]/;

/** The end of an error range starting at `offset`: its word, or one character, never past the text. */
export function errorEnd(text: string, offset: number): number {
  let end = offset;
  while (end < text.length && WORD_CHAR.test(text[end]!)) end++;
  if (end === offset && offset < text.length && text[offset] !== '\n' && text[offset] !== '\r') end++;
  return end;
}

/** The word (letters, digits, `_`) around `offset`, with its bounds, or undefined. */
export function wordAt(
  text: string,
  offset: number,
): { word: string; start: number; end: number } | undefined {
  let start = offset;
  let end = offset;
  while (start > 0 && /\w/.test(text[start - 1]!)) start--;
  while (end < text.length && /\w/.test(text[end]!)) end++;
  if (start === end) return undefined;
  return { word: text.slice(start, end), start, end };
}

/** The cascade reference of a MAP/RUN statement (inside EXPLAIN or CREATE … AS too), if it has one. */
export function cascadeRefOf(s: Statement): CascadeRef | undefined {
  switch (s.kind) {
    case 'MapStatement':
    case 'RunStatement':
      return s.cascade;
    case 'ExplainStatement':
      return s.target.cascade;
    case 'CreateTableAsStatement':
      return s.map.cascade;
    default:
      return undefined;
  }
}

/** A cascade path being typed: `RVBBIT MAP '<typed>` (modifiers allowed) just before the cursor. */
const PATH_BEFORE_CURSOR =
  /\bRVBBIT\s+(?:MAP|RUN)\b(?:\s+(?:PARALLEL\s+\d+|BATCH\s+\d+|DISTINCT|ASYNC))*\s*'([^'\n]*)$/i;

export function cascadePathBefore(text: string, offset: number): string | undefined {
  const from = Math.max(0, offset - 400);
  return PATH_BEFORE_CURSOR.exec(text.slice(from, offset))?.[1];
}

/** The quoted cascade reference around `offset` (`MAP 'a/b.yaml'`), with its bounds (quotes excluded). */
export function cascadePathAt(
  text: string,
  offset: number,
): { ref: string; start: number; end: number } | undefined {
  const open = text.lastIndexOf("'", offset - 1);
  if (open < 0) return undefined;
  const close = text.indexOf("'", open + 1);
  if (close < offset || text.slice(open, close).includes('\n')) return undefined;
  if (cascadePathBefore(text, open + 1) === undefined) return undefined;
  return { ref: text.slice(open + 1, close), start: open + 1, end: close };
}
