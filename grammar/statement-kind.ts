/**
 * What a statement is: the one classifier. From the text (its leading words,
 * read by the SQL scanner past comments, blanks and opening parentheses):
 * whether it is a query, which can run again without side effects. From the
 * parsed statement: whether it is a MAP, a RUN or SQL, and whether EXPLAIN
 * asks for its plan. The semantic planner, the LIMIT window, the query log,
 * annotation checks and the Postgres server's classification
 * (src/server/statement-class.ts) all ask here.
 */
import type { Statement } from './ast.js';
import { explainPrefix } from './split.js';
import { SqlTok, scanSql, skipSpaceAndComments } from './sql-scan.js';

/**
 * First words of a query: a statement that reads rows and nothing else
 * (unless a write word follows, `WITH … INSERT`), and that opens a subquery
 * in parentheses.
 */
export const QUERY_WORDS: ReadonlySet<string> = new Set(['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE']);

/** Words that make a statement write wherever they are (`WITH … INSERT INTO …`, `COPY (…) TO`). */
const WRITE_WORDS: ReadonlySet<string> = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'COPY',
  'CREATE',
  'DROP',
  'ALTER',
  'INTO',
]);

/** How much of a statement, from its first token, the leading words are read from. */
const HEAD_CHARS = 4096;

/**
 * Up to `max` leading words of `text`, upper-cased: the words before its
 * first token that is not a word, past comments, blanks and opening
 * parentheses (`(SELECT …`, `/* x *\/ ROLLBACK TO s`).
 */
export function leadingWords(text: string, max = 5): string[] {
  const start = skipSpaceAndComments(text);
  const { tokens } = scanSql(text, start, Math.min(text.length, start + HEAD_CHARS));
  const words: string[] = [];
  let opening = true;
  for (const t of tokens) {
    if (t.type === SqlTok.LineComment || t.type === SqlTok.BlockComment) continue;
    if (opening && t.type === SqlTok.LParen) continue;
    opening = false;
    if (t.type !== SqlTok.Word || words.length === max) break;
    words.push(text.slice(t.start, t.end).toUpperCase());
  }
  return words;
}

/** A write word (INSERT, INTO, COPY, …) as a bare word anywhere in `text`: not in a string, quoted name or comment. */
export function mentionsWrite(text: string): boolean {
  const { tokens } = scanSql(text);
  return tokens.some(
    (t) => t.type === SqlTok.Word && WRITE_WORDS.has(text.slice(t.start, t.end).toUpperCase()),
  );
}

/**
 * True when the statement can run more than once without side effects: a
 * query by its first word (QUERY_WORDS) with no write word anywhere (`WITH …
 * INSERT INTO …` writes).
 */
export function isQuery(text: string): boolean {
  return QUERY_WORDS.has(leadingWords(text, 1)[0] ?? '') && !mentionsWrite(text);
}

/** Where a write's query is in its text: `text.slice(start, end)`. */
export interface TextSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * The query a write statement writes, as a span of `text`, when the write is
 * that query's rows and nothing else: `CREATE [OR REPLACE] [TEMP] TABLE t AS
 * <query>`, `INSERT [OR …] INTO t [(cols)] [BY NAME] <query>` and `COPY
 * (<query>) TO …`. A semantic write runs its record passes over this query
 * alone and writes once (statements/semantic/run/write-passes.ts). Null for
 * any other statement (UPDATE, DELETE, `WITH … INSERT`, a CREATE VIEW), and
 * for an INSERT that does more than add the query's rows (ON CONFLICT,
 * RETURNING) or whose query is in parentheses: those run every pass as the
 * write.
 */
export function writtenQuery(text: string): TextSpan | null {
  const { tokens, error } = scanSql(text);
  if (error) return null;
  const toks = tokens.filter((t) => t.type !== SqlTok.LineComment && t.type !== SqlTok.BlockComment);
  const word = (i: number) => {
    const t = toks[i];
    return t?.type === SqlTok.Word ? text.slice(t.start, t.end).toUpperCase() : '';
  };
  // The statement's end: its first semicolon outside parentheses.
  let last = toks.length;
  for (let i = 0, depth = 0; i < toks.length; i++) {
    const type = toks[i]!.type;
    if (type === SqlTok.LParen) depth++;
    else if (type === SqlTok.RParen) depth--;
    else if (type === SqlTok.Semicolon && depth === 0) {
      last = i;
      break;
    }
  }
  if (last === 0) return null;
  const querySpan = (from: number, to: number): TextSpan | null => {
    if (from >= to) return null;
    const span = { start: toks[from]!.start, end: toks[to - 1]!.end };
    // A query by the one rule (`(SELECT …)` too: leading words are read past opening parentheses).
    return isQuery(text.slice(span.start, span.end)) ? span : null;
  };
  // The first token at depth 0 from `from` that `is` accepts; -1 if none.
  const atDepth0 = (from: number, is: (i: number) => boolean): number => {
    for (let i = from, depth = 0; i < last; i++) {
      const type = toks[i]!.type;
      if (depth === 0 && is(i)) return i;
      if (type === SqlTok.LParen) depth++;
      else if (type === SqlTok.RParen) depth--;
    }
    return -1;
  };
  switch (word(0)) {
    case 'COPY': {
      if (toks[1]?.type !== SqlTok.LParen) return null;
      // The parenthesis that closes the one after COPY: the first at depth 0 past it.
      const match = atDepth0(2, (i) => toks[i]!.type === SqlTok.RParen);
      if (match < 0 || word(match + 1) !== 'TO') return null;
      return querySpan(2, match);
    }
    case 'CREATE': {
      const as = atDepth0(1, (i) => word(i) === 'AS');
      if (as < 0) return null;
      // Only a table: `CREATE VIEW v AS …` stores its query, it does not write its rows.
      for (let i = 1; i < as; i++) if (word(i) === 'TABLE') return querySpan(as + 1, last);
      return null;
    }
    case 'INSERT': {
      const into = atDepth0(1, (i) => word(i) === 'INTO');
      if (into < 0) return null;
      const query = atDepth0(into + 2, (i) => QUERY_WORDS.has(word(i)));
      // `INSERT INTO t DEFAULT VALUES` has no query.
      if (query < 0 || word(query - 1) === 'DEFAULT') return null;
      const more = atDepth0(
        query,
        (i) => word(i) === 'RETURNING' || (word(i) === 'ON' && word(i + 1) === 'CONFLICT'),
      );
      return more >= 0 ? null : querySpan(query, last);
    }
    default:
      return null;
  }
}

/**
 * A parsed statement's kind: a MAP (CREATE TABLE … AS, INSERT INTO … and COPY (…) TO of one too), a RUN, SQL
 * (semantic or plain), or a CREATE/DROP SEMANTIC FUNCTION (`function`).
 */
export type StatementKind = 'map' | 'run' | 'sql' | 'function';

/** The kind of `stmt` and whether it is under EXPLAIN (of a MAP or RUN, or `EXPLAIN` before SQL). */
export function classifyParsed(stmt: Statement): { readonly kind: StatementKind; readonly explain: boolean } {
  switch (stmt.kind) {
    case 'MapStatement':
    case 'CreateTableAsStatement':
    case 'InsertMapStatement':
    case 'CopyMapStatement':
      return { kind: 'map', explain: false };
    case 'RunStatement':
      return { kind: 'run', explain: false };
    case 'ExplainStatement':
      return { kind: stmt.target.kind === 'MapStatement' ? 'map' : 'run', explain: true };
    case 'SqlStatement':
      return { kind: 'sql', explain: explainPrefix(stmt.text) !== null };
    case 'CreateSemanticFunctionStatement':
    case 'DropSemanticFunctionStatement':
      return { kind: 'function', explain: false };
  }
}
