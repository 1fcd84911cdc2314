/**
 * The columns DuckDB's prepare gives a plain SQL statement, without running it.
 * A parameter DuckDB cannot type from its context (`SELECT $1`) leaves the
 * whole statement untyped at prepare; such parameters are cast to the type
 * the caller says they will be bound as, and the statement prepared again.
 */
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import {
  dollarTagEnd,
  isDigit,
  isWordPart,
  isWordStart,
  skipBlockComment,
  skipQuoted,
} from '../../grammar/sql-chars.js';
import { type ResultColumn, typeName } from './query-result.js';

/** DuckDB could not type every parameter: the statement's columns are unknown until it is. */
function untyped(p: DuckDBPreparedStatement): boolean {
  for (let i = 1; i <= p.parameterCount; i++) if (p.parameterTypeId(i) === 0) return true;
  return false;
}

/** The columns DuckDB's prepare gives `sql`, untyped parameters cast as `paramTypes` says. */
export async function preparedColumns(
  con: DuckDBConnection,
  sql: string,
  paramTypes: readonly (string | undefined)[],
): Promise<ResultColumn[]> {
  const first = await con.prepare(sql);
  let p = first;
  try {
    if (untyped(first)) {
      first.destroySync();
      p = await con.prepare(castParameters(sql, (n) => paramTypes[n - 1] ?? 'VARCHAR'));
    }
    return Array.from({ length: p.columnCount }, (_, i) => ({
      name: p.columnName(i),
      type: typeName(p.columnType(i)),
    }));
  } finally {
    p.destroySync();
  }
}

/**
 * `sql` with every `$n` and `?` parameter written `CAST($n AS <type>)`;
 * strings, quoted names, comments and dollar quotes are left as they are.
 * `?` parameters are numbered in order, as DuckDB numbers them.
 */
export function castParameters(sql: string, typeOf: (n: number) => string): string {
  let out = '';
  let from = 0;
  let positional = 0;
  const end = sql.length;
  const cast = (at: number, to: number, n: number) => {
    out += `${sql.slice(from, at)}CAST(${sql.slice(at, to)} AS ${typeOf(n)})`;
    from = to;
  };
  let i = 0;
  while (i < end) {
    const c = sql.charCodeAt(i);
    if (c === 39 /* ' */ || c === 34 /* " */) {
      // E'…' holds backslash escapes: the word before the quote says so.
      const escaped =
        c === 39 && i > 0 && /[Ee]/.test(sql[i - 1]!) && (i < 2 || !isWordPart(sql.charCodeAt(i - 2)));
      const j = skipQuoted(sql, i, end, c, escaped);
      i = j < 0 ? end : j;
    } else if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? end : nl + 1;
    } else if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42) {
      const j = skipBlockComment(sql, i, end);
      i = j < 0 ? end : j;
    } else if (c === 36 /* $ */) {
      if (isDigit(sql.charCodeAt(i + 1))) {
        let j = i + 1;
        while (j < end && isDigit(sql.charCodeAt(j))) j++;
        cast(i, j, Number(sql.slice(i + 1, j)));
        i = j;
        continue;
      }
      const tagEnd = dollarTagEnd(sql, i, end);
      if (tagEnd < 0) {
        i++;
        continue;
      }
      const close = sql.indexOf(sql.slice(i, tagEnd), tagEnd);
      i = close < 0 ? end : close + (tagEnd - i);
    } else if (c === 63 /* ? */) {
      cast(i, i + 1, ++positional);
      i++;
    } else if (isWordStart(c)) {
      // A name may hold `$` and digits (a$1): not a parameter.
      let j = i + 1;
      while (j < end && isWordPart(sql.charCodeAt(j))) j++;
      i = j;
    } else i++;
  }
  return out + sql.slice(from);
}
