/**
 * DuckDB's SQL as tokens with their values, for the engine-file guard
 * (engine-file-guard.ts): which texts are string constants or quoted names
 * (a file path can only be one of those, or be computed), and which names are
 * called. Read by the grammar's scanner and statement cutter
 * (grammar/sql-scan.ts, grammar/split.ts): this module only gives the tokens
 * their values, as DuckDB reads them.
 *
 * Where the guard must not be fooled, it errs on the side of seeing more:
 * strings that continue on the next line (`'/data/x.'` newline `'duckdb'`
 * is one string to DuckDB) are also checked joined, and a number runs on
 * through letters, digits, `_` and `.` (`1_000`, `0x1F`), as DuckDB's does.
 * A text the scanner reads differently from DuckDB is one DuckDB does not
 * parse at all (an unterminated string), so it never runs.
 */
import { statementChunks } from '../../grammar/split.js';
import { SqlTok, type SqlToken } from '../../grammar/sql-scan.js';

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

/** The guard's reading of `sql`: its tokens (statements joined by `;`), each statement's, and its string runs. */
export interface DuckdbSql {
  readonly tokens: Token[];
  /** The statements' tokens, empty statements left out. */
  readonly statements: Token[][];
  /** Runs of two or more adjacent strings, each also checked as one string. */
  readonly runs: StringRun[];
}

export function readDuckdbSql(sql: string): DuckdbSql {
  const tokens: Token[] = [];
  const statements: Token[][] = [];
  const runs: StringRun[] = [];
  const cut = statementChunks(sql);
  for (let r = cut.next(); !r.done; r = cut.next()) {
    const chunk = r.value;
    const stmt: Token[] = [];
    let run: Extract<Token, { kind: 'string' }>[] = [];
    const endRun = () => {
      if (run.length > 1) runs.push({ parts: run });
      run = [];
    };
    const toks = chunk.tokens;
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i]!;
      const open = chunk.error !== undefined && t.start === chunk.error.offset;
      if (t.type === SqlTok.LineComment || t.type === SqlTok.BlockComment) continue;
      if (t.type === SqlTok.String) {
        const token = stringToken(sql, t, open);
        stmt.push(token);
        run.push(token);
        continue;
      }
      endRun();
      if (t.type === SqlTok.QuotedIdent) {
        const at = sql.charCodeAt(t.start) === 34 ? t.start + 1 : t.start + 3;
        stmt.push({ kind: 'quoted', value: unquote(sql.slice(at, open ? t.end : t.end - 1), '"') });
      } else if (t.type === SqlTok.Word) stmt.push({ kind: 'name', value: sql.slice(t.start, t.end) });
      else if (t.type === SqlTok.Param) stmt.push({ kind: 'param', value: sql.slice(t.start, t.end) });
      else if (t.type === SqlTok.Number) {
        // DuckDB's number runs on through letters, digits, `_` and `.` written against it.
        let end = t.end;
        while (i + 1 < toks.length && toks[i + 1]!.start === end && NUMBER_PARTS.has(toks[i + 1]!.type)) {
          const next = toks[i + 1]!;
          if (next.type === SqlTok.Word && !/^[A-Za-z0-9_]+$/.test(sql.slice(next.start, next.end))) break;
          end = next.end;
          i++;
        }
        stmt.push({ kind: 'number', value: sql.slice(t.start, end) });
      } else stmt.push({ kind: 'op', value: sql.slice(t.start, t.end) });
    }
    endRun();
    if (tokens.length > 0) tokens.push({ kind: 'op', value: ';' });
    for (const t of stmt) tokens.push(t);
    statements.push(stmt);
  }
  return { tokens, statements, runs };
}

const NUMBER_PARTS: ReadonlySet<number> = new Set([SqlTok.Word, SqlTok.Number, SqlTok.Dot]);

/** A string constant's token: `'…'`, `E'…'`, `N'…'`, `B'…'`, `X'…'`, `U&'…'` or `$tag$…$tag$` (`open`: never closed). */
function stringToken(sql: string, t: SqlToken, open: boolean): Extract<Token, { kind: 'string' }> {
  const raw = sql.slice(t.start, t.end);
  if (raw.charCodeAt(0) === 36) {
    const tag = raw.slice(0, raw.indexOf('$', 1) + 1);
    return {
      kind: 'string',
      value: raw.slice(tag.length, open ? raw.length : raw.length - tag.length),
      raw,
      escaped: false,
    };
  }
  const quote = raw.indexOf("'");
  const body = raw.slice(quote + 1, open ? raw.length : raw.length - 1);
  const escaped = quote === 1 && (raw[0] === 'E' || raw[0] === 'e');
  return { kind: 'string', value: escaped ? unquoteEscaped(body) : unquote(body, "'"), raw, escaped };
}

/** A quoted body with its doubled quotes made single. */
function unquote(body: string, q: string): string {
  return body.includes(q) ? body.split(q + q).join(q) : body;
}

/** An E'…' body: `''` is one quote; a backslash and the character after it are kept as written (DuckDB decodes them). */
function unquoteEscaped(body: string): string {
  if (!body.includes("'")) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') {
      out += body.slice(i, i + 2);
      i++;
    } else if (c === "'" && body[i + 1] === "'") {
      out += c;
      i++;
    } else out += c;
  }
  return out;
}
