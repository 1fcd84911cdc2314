/**
 * LIMIT-aware evaluation: `SELECT … FROM t WHERE x MEANS y LIMIT 10` needs
 * answers for only as many rows as it takes to find 10 matches, but DuckDB
 * evaluates a filter a whole vector (2,048 rows) at a time, so a record pass
 * over the table asks about every row of the vector the LIMIT stops in. The
 * window runs the statement over a prefix of the table instead,
 * `FROM (SELECT * FROM t LIMIT w) AS t`, doubling w until the LIMIT is met.
 *
 * Exactness: the prefix is rows of `t`, and the pass that returns has no miss,
 * so every row returned is one that sequential evaluation over the whole table
 * accepts (its answers are the real ones). Which of the accepted rows, as for
 * any LIMIT without ORDER BY, is not specified. Only for one table (or view)
 * in FROM, followed by WHERE or LIMIT; anything else runs unwindowed.
 */
import { prefixLimit, SqlTok, type SqlToken, scanSql } from '../../grammar/index.js';

export interface LimitWindow {
  /** Rows the result has once the LIMIT is met. */
  readonly limit: number;
  /** Rows that must pass the filter for that: LIMIT + OFFSET. */
  readonly wanted: number;
  /** The table as written (`main.items`, `"My Table"`). */
  readonly table: string;
  /** The statement over the first `rows` rows of the table. */
  sql(rows: number): string;
}

/** After the table and its alias, only these may follow at depth 0 for a window to apply. */
const FOLLOWERS = new Set(['WHERE', 'LIMIT', 'OFFSET']);
/** Words that end a FROM item rather than name its alias. */
const NOT_ALIAS = new Set([
  'WHERE',
  'LIMIT',
  'OFFSET',
  'JOIN',
  'LEFT',
  'RIGHT',
  'INNER',
  'FULL',
  'CROSS',
  'NATURAL',
  'POSITIONAL',
  'ASOF',
  'ANTI',
  'SEMI',
  'SEMANTIC',
  'USING',
  'TABLESAMPLE',
  'SELECT',
  'PIVOT',
  'UNPIVOT',
]);

/**
 * The window for `statementText` (the statement as written: its LIMIT and
 * shape) run as `sql` (the rewritten statement, same top level), or null.
 */
export function limitWindow(statementText: string, sql: string): LimitWindow | null {
  const asked = prefixLimit(statementText, scanSql(statementText).tokens);
  if (asked === null || asked.limit === 0) return null;
  const tokens = scanSql(sql).tokens.filter(
    (t) => t.type !== SqlTok.LineComment && t.type !== SqlTok.BlockComment,
  );
  const word = (t: SqlToken | undefined) =>
    t?.type === SqlTok.Word ? sql.slice(t.start, t.end).toUpperCase() : undefined;
  const from = topLevelFrom(tokens, word);
  if (from < 0) return null;
  // The table: name(.name)*, each a word or a quoted identifier.
  let i = from + 1;
  const isName = (t: SqlToken | undefined) =>
    t !== undefined &&
    (t.type === SqlTok.QuotedIdent || (t.type === SqlTok.Word && !NOT_ALIAS.has(word(t)!)));
  if (!isName(tokens[i])) return null;
  const start = tokens[i]!.start;
  let parts = [tokens[i]!];
  i++;
  while (tokens[i]?.type === SqlTok.Dot && isName(tokens[i + 1])) {
    parts = [...parts, tokens[i + 1]!];
    i += 2;
  }
  const end = tokens[i - 1]!.end;
  if (tokens[i]?.type === SqlTok.LParen) return null; // a table function
  let alias = parts[parts.length - 1]!;
  if (word(tokens[i]) === 'AS') i++;
  if (isName(tokens[i]) && !FOLLOWERS.has(word(tokens[i]) ?? '')) {
    alias = tokens[i]!;
    i++;
    if (tokens[i]?.type === SqlTok.LParen) return null; // column aliases: t(a, b)
  }
  const next = tokens[i];
  if (next !== undefined && next.type !== SqlTok.Semicolon && !FOLLOWERS.has(word(next) ?? '')) return null;
  const table = sql.slice(start, end);
  const aliasText = sql.slice(alias.start, alias.end);
  const itemEnd = tokens[i - 1]!.end;
  return {
    limit: asked.limit,
    wanted: asked.limit + asked.offset,
    table,
    sql: (rows) =>
      `${sql.slice(0, start)}(SELECT * FROM ${table} LIMIT ${rows}) AS ${aliasText}${sql.slice(itemEnd)}`,
  };
}

/** Index of the first FROM at parenthesis depth 0, or -1. */
function topLevelFrom(tokens: readonly SqlToken[], word: (t: SqlToken) => string | undefined): number {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === SqlTok.LParen) depth++;
    else if (t.type === SqlTok.RParen) depth--;
    else if (depth === 0 && word(t) === 'FROM') return i;
  }
  return -1;
}
