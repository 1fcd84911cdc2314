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
