/**
 * The `union_all` strategy's split (the earlier Python design, kept to be
 * measured): `SELECT … FROM rel [WHERE c]` becomes N branches
 * `SELECT … FROM rel WHERE hash(rel) % N = i AND (c)` joined by UNION ALL,
 * each calling the blocking function. Only that shape splits without changing
 * the result; anything else (joins, GROUP BY, ORDER BY, LIMIT, DISTINCT, set
 * operations, CTEs) is reported and runs sequential.
 */
import { SqlTok, scanSql } from '../../../../grammar/index.js';

export type Split =
  | { readonly ok: true; readonly sql: string }
  | { readonly ok: false; readonly reason: string };

const BLOCKERS = new Set([
  'JOIN',
  'GROUP',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'HAVING',
  'QUALIFY',
  'WINDOW',
  'DISTINCT',
  'WITH',
  'USING',
  'SAMPLE',
  'PIVOT',
  'UNPIVOT',
  'NATURAL',
  'POSITIONAL',
  'ASOF',
]);

/** Aggregates (and window functions) over the whole relation would be computed per branch. */
const AGGREGATES = new Set([
  'COUNT',
  'SUM',
  'AVG',
  'MIN',
  'MAX',
  'LIST',
  'ARRAY_AGG',
  'STRING_AGG',
  'GROUP_CONCAT',
  'ANY_VALUE',
  'FIRST',
  'LAST',
  'ARG_MAX',
  'ARG_MIN',
  'MEDIAN',
  'MODE',
  'QUANTILE',
  'BOOL_AND',
  'BOOL_OR',
  'STDDEV',
  'VARIANCE',
  'HISTOGRAM',
  'COUNT_STAR',
  'FILTER',
  'OVER',
]);

export function splitUnionAll(sql: string, branches: number): Split {
  const { tokens, error } = scanSql(sql);
  if (error) return { ok: false, reason: error.what };
  const toks = tokens.filter((t) => t.type !== SqlTok.LineComment && t.type !== SqlTok.BlockComment);
  const word = (i: number) =>
    toks[i]?.type === SqlTok.Word ? sql.slice(toks[i]!.start, toks[i]!.end).toUpperCase() : '';
  let depth = 0;
  let from = -1;
  let where = -1;
  let end = toks.length;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    // Any depth of the select list: `rvbbit_llm_summarize(…, list(x))` aggregates too (conservative for subqueries).
    const w = word(i);
    if (
      from < 0 &&
      AGGREGATES.has(w) &&
      (toks[i + 1]?.type === SqlTok.LParen || w === 'FILTER' || w === 'OVER')
    )
      return { ok: false, reason: `the select list aggregates (${w})` };
    if (t.type === SqlTok.LParen) depth++;
    else if (t.type === SqlTok.RParen) depth--;
    else if (depth === 0 && t.type === SqlTok.Semicolon) {
      end = i;
      break;
    } else if (depth === 0) {
      const w = word(i);
      if (BLOCKERS.has(w)) return { ok: false, reason: `the query has ${w} at the top level` };
      if (w === 'FROM' && from < 0) from = i;
      else if (w === 'WHERE' && where < 0) where = i;
      else if (t.type === SqlTok.Comma && from >= 0 && where < 0)
        return { ok: false, reason: 'FROM lists more than one relation' };
    }
  }
  if (word(0) !== 'SELECT') return { ok: false, reason: 'the statement is not a plain SELECT' };
  if (from < 0) return { ok: false, reason: 'the query has no FROM' };
  const relEnd = where < 0 ? end : where;
  const rel = toks.slice(from + 1, relEnd);
  // `name`, `a.b`, `name [AS] alias`: the row struct of the alias (or name) is the hash key.
  const names = rel.filter((t) => t.type === SqlTok.Word || t.type === SqlTok.QuotedIdent);
  const simple = rel.every(
    (t) => t.type === SqlTok.Word || t.type === SqlTok.QuotedIdent || t.type === SqlTok.Dot,
  );
  if (!simple || names.length === 0) return { ok: false, reason: 'FROM is not a single table or view' };
  const last = names[names.length - 1]!;
  const key = sql.slice(last.start, last.end);
  const head = sql.slice(0, toks[relEnd - 1]!.end);
  const cond = where < 0 ? null : sql.slice(toks[where + 1]!.start, toks[end - 1]!.end);
  const parts: string[] = [];
  for (let i = 0; i < branches; i++) {
    const filter = `hash(${key}) % ${branches} = ${i}`;
    parts.push(`(${head} WHERE ${filter}${cond === null ? '' : ` AND (${cond})`})`);
  }
  return { ok: true, sql: parts.join('\nUNION ALL\n') };
}
