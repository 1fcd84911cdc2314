/**
 * DuckDB's SQL split into tokens, as its scanner (Postgres' scan.l) splits it,
 * for the engine-file guard (engine-file-guard.ts): which texts are string
 * constants or quoted names (a file path can only be one of those, or be
 * computed), and which names are called.
 *
 * Where the guard must not be fooled, the scanner errs on the side of seeing
 * more: nested block comments, strings that continue on the next line
 * (`'/data/x.'` newline `'duckdb'` is one string to DuckDB), escape strings,
 * dollar quotes. A text this scanner reads differently from DuckDB is one
 * DuckDB does not parse at all (an unterminated string), so it never runs.
 */
import { skipBlockComment } from '../../grammar/sql-chars.js';

export type Token =
  /** A string constant; `escaped` (E'…') holds backslash escapes only DuckDB decodes exactly. */
  | { readonly kind: 'string'; readonly value: string; readonly raw: string; readonly escaped: boolean }
  /** A bare name (`read_blob`, `FROM`); `value` as written. */
  | { readonly kind: 'name'; readonly value: string }
  /** A double-quoted name, unescaped. */
  | { readonly kind: 'quoted'; readonly value: string }
  | { readonly kind: 'number'; readonly value: string }
  /** `$1`, `?`, `$name`: a value bound later, unknown to the guard. */
  | { readonly kind: 'param'; readonly value: string }
  /** Punctuation and operators, one token per run (`::`, `:=`, `||`). */
  | { readonly kind: 'op'; readonly value: string };

/** Strings separated only by blanks and comments (DuckDB joins them across a line break). */
export interface StringRun {
  readonly parts: readonly Extract<Token, { kind: 'string' }>[];
}

const isSpace = (c: string) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const isNameStart = (c: string) => {
  const k = c.charCodeAt(0);
  return (k >= 65 && k <= 90) || (k >= 97 && k <= 122) || k === 95 || k >= 0x80;
};
const isDigit = (c: string) => c >= '0' && c <= '9';
const isNameChar = (c: string) => isNameStart(c) || isDigit(c) || c === '$';
/** The rest of a name, of a number (sticky: matched where lastIndex is). */
const NAME = /[A-Za-z0-9_$\u0080-\uffff]*/y;
const NUMBER = /[0-9A-Za-z_.]*/y;
const OP_CHARS = '+-*/<>=~!@#%^&|`?:';
const PUNCT = '()[]{},;.';

interface Scanned {
  readonly tokens: Token[];
  /** Runs of two or more adjacent strings (token indexes), each also checked as one string. */
  readonly runs: StringRun[];
}

export function scanSql(sql: string): Scanned {
  const tokens: Token[] = [];
  const runs: StringRun[] = [];
  let run: Extract<Token, { kind: 'string' }>[] = [];
  const endRun = () => {
    if (run.length > 1) runs.push({ parts: run });
    run = [];
  };
  let i = 0;
  const n = sql.length;
  /** Skips blanks and comments; true if any was there. */
  const skipBlank = (): boolean => {
    const start = i;
    for (;;) {
      if (i < n && isSpace(sql[i]!)) i++;
      else if (sql.startsWith('--', i)) {
        while (i < n && sql[i] !== '\n' && sql[i] !== '\r') i++;
      } else if (sql.startsWith('/*', i)) {
        // Nested, as in Postgres and DuckDB; unterminated: the rest is comment.
        const end = skipBlockComment(sql, i, n);
        i = end < 0 ? n : end;
      } else return i > start;
    }
  };
  /** A quoted body from `i` (just past the opening quote) to its closing `q`; `''` is one quote. */
  const quoted = (q: string, backslash: boolean): string => {
    const parts: string[] = [];
    for (;;) {
      let end = sql.indexOf(q, i);
      if (backslash) {
        // A backslash escapes the next character (the quote included): kept as written, DuckDB decodes it.
        let b = sql.indexOf('\\', i);
        while (b >= 0 && (end < 0 || b < end)) {
          if (b + 1 === end) end = sql.indexOf(q, end + 1);
          b = sql.indexOf('\\', b + 2);
        }
      }
      if (end < 0) {
        parts.push(sql.slice(i));
        i = n;
        return parts.join('');
      }
      parts.push(sql.slice(i, end));
      if (sql[end + 1] === q) {
        parts.push(q);
        i = end + 2;
      } else {
        i = end + 1;
        return parts.join('');
      }
    }
  };
  while (i < n) {
    if (skipBlank()) continue;
    const c = sql[i]!;
    const start = i;
    const prefix = 'EeNnBbXxUu'.includes(c)
      ? /^(?:[EeNnBbXx]|[Uu]&)'/.exec(sql.slice(i, i + 3))?.[0]
      : undefined;
    if (c === "'" || prefix !== undefined) {
      const escaped = prefix !== undefined && /^[Ee]/.test(prefix);
      i += prefix?.length ?? 1;
      const value = quoted("'", escaped);
      const token = { kind: 'string' as const, value, raw: sql.slice(start, i), escaped };
      tokens.push(token);
      run.push(token);
      continue;
    }
    if (c === '"' || (/[Uu]/.test(c) && sql.startsWith('&"', i + 1))) {
      i += c === '"' ? 1 : 3;
      tokens.push({ kind: 'quoted', value: quoted('"', false) });
      endRun();
      continue;
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i))?.[0];
      if (tag !== undefined) {
        const end = sql.indexOf(tag, i + tag.length);
        const stop = end < 0 ? n : end;
        const value = sql.slice(i + tag.length, stop);
        i = end < 0 ? n : end + tag.length;
        const token = { kind: 'string' as const, value, raw: sql.slice(start, i), escaped: false };
        tokens.push(token);
        run.push(token);
        continue;
      }
      i++;
      while (i < n && isNameChar(sql[i]!)) i++;
      tokens.push({ kind: 'param', value: sql.slice(start, i) });
      endRun();
      continue;
    }
    endRun();
    if (c === '?') {
      i++;
      while (i < n && isDigit(sql[i]!)) i++;
      tokens.push({ kind: 'param', value: sql.slice(start, i) });
    } else if (isNameStart(c)) {
      NAME.lastIndex = i + 1;
      NAME.test(sql);
      i = NAME.lastIndex;
      tokens.push({ kind: 'name', value: sql.slice(start, i) });
    } else if (isDigit(c) || (c === '.' && isDigit(sql[i + 1] ?? ''))) {
      NUMBER.lastIndex = i;
      NUMBER.test(sql);
      i = NUMBER.lastIndex;
      tokens.push({ kind: 'number', value: sql.slice(start, i) });
    } else if (PUNCT.includes(c)) {
      i++;
      tokens.push({ kind: 'op', value: c });
    } else if (OP_CHARS.includes(c)) {
      // An operator run stops where a comment starts.
      while (i < n && OP_CHARS.includes(sql[i]!) && !sql.startsWith('--', i) && !sql.startsWith('/*', i)) i++;
      if (i === start) i++;
      tokens.push({ kind: 'op', value: sql.slice(start, i) });
    } else {
      i++;
      tokens.push({ kind: 'op', value: c });
    }
  }
  endRun();
  return { tokens, runs };
}
