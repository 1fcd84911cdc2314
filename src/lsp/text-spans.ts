/**
 * Offsets in a document's text (UTF-16 indexes, what the grammar reports):
 * the word at an offset, how far an error's range reaches, and where a
 * statement's cascade reference is.
 */
import { isRvbbitWord, RVBBIT_WORDS, SqlTok, scanSql } from '../../grammar/index.js';

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

/**
 * Every `RVBBIT MAP|RUN [modifiers] 'ref'` (or `LARS MAP …`) in the text, from tokens rather
 * than the AST, so a statement with an error elsewhere is still checked.
 */
export function cascadeRefs(text: string): { value: string; start: number; end: number }[] {
  const toks = scanSql(text).tokens.filter((t) => t.type < SqlTok.LineComment);
  const word = (i: number) => {
    const t = toks[i];
    return t?.type === SqlTok.Word ? text.slice(t.start, t.end).toUpperCase() : '';
  };
  const out: { value: string; start: number; end: number }[] = [];
  for (let i = 0; i + 2 < toks.length; i++) {
    if (!isRvbbitWord(word(i)) || (word(i + 1) !== 'MAP' && word(i + 1) !== 'RUN')) continue;
    let j = i + 2;
    for (;;) {
      const w = word(j);
      if (w === 'DISTINCT' || w === 'ASYNC') j++;
      else if ((w === 'PARALLEL' || w === 'BATCH') && toks[j + 1]?.type === SqlTok.Number) j += 2;
      else break;
    }
    const t = toks[j];
    if (t?.type !== SqlTok.String || text[t.start] !== "'" || text[t.end - 1] !== "'" || t.end - t.start < 2)
      continue;
    out.push({ value: text.slice(t.start + 1, t.end - 1).replace(/''/g, "'"), start: t.start, end: t.end });
  }
  return out;
}

/** A cascade path being typed: `RVBBIT MAP '<typed>` (or `LARS MAP`, modifiers allowed) just before the cursor. */
const PATH_BEFORE_CURSOR = new RegExp(
  `\\b(?:${RVBBIT_WORDS.join('|')})\\s+(?:MAP|RUN)\\b(?:\\s+(?:PARALLEL\\s+\\d+|BATCH\\s+\\d+|DISTINCT|ASYNC))*\\s*'([^'\\n]*)$`,
  'i',
);

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
