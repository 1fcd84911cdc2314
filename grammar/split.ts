/**
 * Cuts SQL into statements at `;` — the one statement cutter, for the parser
 * and the Postgres server alike — and sorts each into the RVBBIT path
 * (Chevrotain) or the passthrough path. Semicolons split at any paren depth:
 * DuckDB has no `;` inside parentheses outside strings, and cutting there
 * keeps one broken statement from swallowing the next.
 */
import { isRvbbitWord } from './keywords.js';
import { type ScanError, SqlScanner, SqlTok, type SqlToken, skipSpaceAndComments } from './sql-scan.js';

export interface StatementChunk {
  /** Comments before the first token (where annotations live). */
  readonly leading: readonly SqlToken[];
  /** Tokens from the first to the last significant one, comments removed. */
  readonly tokens: readonly SqlToken[];
  /** Offset of the first significant token / just past the last one. */
  readonly start: number;
  readonly end: number;
  /**
   * The scanner stopped in it: a string, quoted name or comment from
   * `error.offset` never ends, and runs to the end of the text as the
   * statement's last token (an open comment too: the rest is one broken statement).
   */
  readonly error?: ScanError;
}

/**
 * The statements of `text` in order, each cut when it is reached: only the
 * current statement's tokens are held, so a text of millions of statements
 * costs no more memory than its longest one. Returns the comments after the
 * last statement.
 */
export function* statementChunks(text: string): Generator<StatementChunk, readonly SqlToken[]> {
  const scanner = new SqlScanner(text);
  let leading: SqlToken[] = [];
  let sig: SqlToken[] = [];
  for (let t = scanner.next(); t !== null; t = scanner.next()) {
    if (t.type === SqlTok.Semicolon) {
      if (sig.length > 0) {
        yield chunk(leading, sig);
        leading = [];
      }
      sig = [];
    } else if ((t.type === SqlTok.LineComment || t.type === SqlTok.BlockComment) && scanner.error === null) {
      if (sig.length === 0) leading.push(t);
    } else sig.push(t);
  }
  if (sig.length === 0) return leading;
  yield scanner.error ? { ...chunk(leading, sig), error: scanner.error } : chunk(leading, sig);
  return [];
}

/** Every statement of `text` (statementChunks), the comments after the last, and the scanner's error. */
export function splitStatements(text: string): {
  chunks: StatementChunk[];
  trailing: readonly SqlToken[];
  error: ScanError | null;
} {
  const chunks: StatementChunk[] = [];
  const cut = statementChunks(text);
  for (let r = cut.next(); ; r = cut.next()) {
    if (r.done) return { chunks, trailing: r.value, error: chunks[chunks.length - 1]?.error ?? null };
    chunks.push(r.value);
  }
}

function chunk(leading: SqlToken[], sig: SqlToken[]): StatementChunk {
  return { leading, tokens: sig, start: sig[0]!.start, end: sig[sig.length - 1]!.end };
}

/**
 * True when the statement is RVBBIT dialect (MAP/RUN, EXPLAIN of one, CREATE
 * TABLE … AS RVBBIT, INSERT INTO t [(…)] RVBBIT, COPY (RVBBIT …) TO), RVBBIT
 * written either way (`RVBBIT` or larsql's `LARS`).
 */
export function isRvbbitStatement(text: string, toks: readonly SqlToken[]): boolean {
  const rvbbitAt = (i: number) => isRvbbitWord(word(text, toks, i));
  const first = word(text, toks, 0);
  if (rvbbitAt(0)) return true;
  if (first === 'EXPLAIN') {
    if (rvbbitAt(1)) return true;
    if (toks[1]?.type !== SqlTok.LParen) return false;
    for (let i = 2; i < toks.length && i < 12; i++) {
      if (toks[i]!.type === SqlTok.RParen) return rvbbitAt(i + 1);
    }
    return false;
  }
  if (first === 'CREATE') {
    for (let i = 1; i < toks.length && i < 12; i++) {
      if (toks[i]!.type === SqlTok.LParen) return false;
      if (word(text, toks, i) === 'AS') return rvbbitAt(i + 1);
    }
  }
  if (first === 'COPY') return toks[1]?.type === SqlTok.LParen && rvbbitAt(2);
  if (first === 'INSERT' && word(text, toks, 1) === 'INTO') return rvbbitAt(afterInsertTarget(toks));
  return false;
}

/** The most tokens of `INSERT INTO name (columns)` read to find the RVBBIT after them. */
const INSERT_HEAD_TOKENS = 200;

/** The index of the token after `INSERT INTO name [(columns)]`: past the dotted name and one parenthesised list. */
function afterInsertTarget(toks: readonly SqlToken[]): number {
  // toks[2] is the name's first part; `a.b.c` goes on while a dot follows.
  let i = 2;
  while (toks[i + 1]?.type === SqlTok.Dot) i += 2;
  i++;
  if (toks[i]?.type !== SqlTok.LParen) return i;
  for (let j = i + 1; j < toks.length && j < INSERT_HEAD_TOKENS; j++) {
    if (toks[j]!.type === SqlTok.RParen) return j + 1;
    if (toks[j]!.type === SqlTok.LParen) return -1;
  }
  return -1;
}

function word(text: string, toks: readonly SqlToken[], i: number): string {
  const t = toks[i];
  return t && t.type === SqlTok.Word && t.end - t.start <= 9 ? text.slice(t.start, t.end).toUpperCase() : '';
}

const EXPLAIN_WORD = /EXPLAIN\b/iy;
const EXPLAIN_FORMAT = /\(\s*FORMAT\s+(TEXT|JSON)\s*\)/iy;

/**
 * `EXPLAIN [ (FORMAT TEXT|JSON) ]` at the start of a statement's text (after
 * white space and comments): how long it is, with the white space and
 * comments after it (`EXPLAIN -- @ parallel: 7⏎SELECT …`: the explained
 * statement starts at SELECT), and whether it asks for JSON; null when the
 * text is no EXPLAIN. The one reading of that prefix, for the planner (what
 * is explained), the parser (the annotations after EXPLAIN), the query log
 * (what kind ran) and the CLI's `explain`.
 */
export function explainPrefix(text: string): { readonly length: number; readonly json: boolean } | null {
  let at = skipSpaceAndComments(text);
  EXPLAIN_WORD.lastIndex = at;
  const word = EXPLAIN_WORD.exec(text);
  if (!word) return null;
  at = skipSpaceAndComments(text, at + word[0].length);
  EXPLAIN_FORMAT.lastIndex = at;
  const format = EXPLAIN_FORMAT.exec(text);
  if (format) at = skipSpaceAndComments(text, at + format[0].length);
  return { length: at, json: (format?.[1] ?? '').toUpperCase() === 'JSON' };
}
