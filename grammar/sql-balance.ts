/**
 * Paren matching for USING ( … ) and the top-level LIMIT test: both must skip
 * strings, quoted identifiers, comments and dollar quotes, as DuckDB does.
 */
import { SqlScanner, SqlTok, type SqlToken } from './sql-scan.js';

/**
 * Index after the `)` matching the `(` at `open`, skipping strings, quoted
 * identifiers, comments and dollar quotes; -1 if it never closes.
 */
export function matchParen(text: string, open: number, end = text.length): number {
  let depth = 0;
  const scanner = new SqlScanner(text, open, end);
  for (let t = scanner.next(); t !== null && scanner.error === null; t = scanner.next()) {
    if (t.type === SqlTok.LParen) depth++;
    else if (t.type === SqlTok.RParen && --depth === 0) return t.end;
  }
  return -1;
}

/** True when the tokens have a LIMIT at parenthesis depth 0 (the auto-LIMIT rule). */
export function hasTopLevelLimit(text: string, tokens: readonly SqlToken[]): boolean {
  let depth = 0;
  for (const t of tokens) {
    if (t.type === SqlTok.LParen) depth++;
    else if (t.type === SqlTok.RParen) depth--;
    else if (depth === 0 && t.type === SqlTok.Word && t.end - t.start === 5) {
      if (text.slice(t.start, t.end).toUpperCase() === 'LIMIT') return true;
    }
  }
  return false;
}

/** Words at depth 0 that make a LIMIT need every row's answer, not a prefix of the scan. */
const WHOLE_INPUT_WORDS = new Set([
  'ORDER',
  'GROUP',
  'HAVING',
  'DISTINCT',
  'QUALIFY',
  'WINDOW',
  'OVER',
  'UNION',
  'INTERSECT',
  'EXCEPT',
]);

/**
 * A top-level `LIMIT n [OFFSET m]` that a prefix of the scan can meet, or
 * null: no top-level LIMIT, a LIMIT or OFFSET that is not a literal, or a
 * clause at depth 0 (ORDER BY, GROUP BY, DISTINCT, a set operation, a window)
 * that needs every row before the LIMIT applies. With `orderBy`, a top-level
 * ORDER BY is allowed (`ordered`: a prefix of the rows in that order can meet
 * it; the caller checks its keys).
 */
export function prefixLimit(
  text: string,
  tokens: readonly SqlToken[],
  opts: { readonly orderBy?: boolean } = {},
): { readonly limit: number; readonly offset: number; readonly ordered?: boolean } | null {
  let depth = 0;
  let limit: number | null = null;
  let offset = 0;
  let ordered = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === SqlTok.LParen) depth++;
    else if (t.type === SqlTok.RParen) depth--;
    else if (depth === 0 && t.type === SqlTok.Word) {
      const word = text.slice(t.start, t.end).toUpperCase();
      if (word === 'ORDER' && opts.orderBy && !ordered) {
        ordered = true;
        continue;
      }
      if (WHOLE_INPUT_WORDS.has(word)) return null;
      if (word !== 'LIMIT' && word !== 'OFFSET') continue;
      const next = nextSignificant(tokens, i + 1);
      const n = next?.type === SqlTok.Number ? Number(text.slice(next.start, next.end)) : Number.NaN;
      if (!Number.isInteger(n) || n < 0) return null;
      if (word === 'LIMIT') limit = n;
      else offset = n;
    }
  }
  if (limit === null) return null;
  return opts.orderBy ? { limit, offset, ordered } : { limit, offset };
}

function nextSignificant(tokens: readonly SqlToken[], from: number): SqlToken | undefined {
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== SqlTok.LineComment && t.type !== SqlTok.BlockComment) return t;
  }
  return undefined;
}
