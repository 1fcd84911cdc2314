/**
 * `a RHYMES 'b'` where no cascade defines RHYMES: plain SQL would read RHYMES
 * as an alias and DuckDB would fail at run time, so the editor warns. The
 * pattern is an operand, an unknown word, an operand; words SQL itself
 * places there (`NULLS FIRST`, `AT TIME ZONE`, `ESCAPE '\'`, types…) are not flagged.
 */
import {
  type Grammar,
  HIGHLIGHT_KEYWORDS,
  LITERAL_WORDS,
  SQL_RESERVED,
  SqlTok,
  type SqlToken,
  scanSql,
  TYPE_NAMES,
} from '../../grammar/index.js';

/** Non-reserved SQL words that may sit between two operands. */
const SQL_INFIX_WORDS = new Set(
  (
    'AT ZONE ESCAPE TABLESAMPLE SAMPLE REPEATABLE PERCENT ROWS RANGE GROUPS PRECEDING FOLLOWING UNBOUNDED ' +
    'CURRENT ROW DAY DAYS HOUR HOURS MINUTE MINUTES SECOND SECONDS MONTH MONTHS YEAR YEARS WEEK WEEKS ' +
    'MILLISECOND MILLISECONDS MICROSECOND MICROSECONDS INTERVAL ORDINALITY IGNORE RESPECT WITHIN ' +
    'PRECISION VARYING CHARACTER OVERLAPS PLACING KEY BERNOULLI SYSTEM RESERVOIR TIMESTAMPTZ COLLATION'
  ).split(' '),
);

export interface UnknownOperator {
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

/** Words used as infix operators that the grammar's operator set does not define. */
export function unknownOperators(grammar: Grammar, text: string): UnknownOperator[] {
  const known = new Set(grammar.operators.flatMap((o) => [o.word, o.optionalWord ?? o.word]));
  const ignorable = (up: string) =>
    SQL_RESERVED.has(up) ||
    LITERAL_WORDS.has(up) ||
    HIGHLIGHT_KEYWORDS.has(up) ||
    SQL_INFIX_WORDS.has(up) ||
    (TYPE_NAMES as readonly string[]).includes(up) ||
    known.has(up);
  const upper = (t: SqlToken) => text.slice(t.start, t.end).toUpperCase();
  const endsOperand = (t: SqlToken | undefined) =>
    t !== undefined &&
    (t.type === SqlTok.String ||
      t.type === SqlTok.Number ||
      t.type === SqlTok.QuotedIdent ||
      t.type === SqlTok.Param ||
      t.type === SqlTok.RParen ||
      (t.type === SqlTok.Word && !ignorable(upper(t))));
  const startsOperand = (t: SqlToken | undefined) =>
    t !== undefined &&
    (t.type === SqlTok.String ||
      t.type === SqlTok.Number ||
      t.type === SqlTok.QuotedIdent ||
      t.type === SqlTok.Param ||
      (t.type === SqlTok.Word && (LITERAL_WORDS.has(upper(t)) || !ignorable(upper(t)))));
  const toks = scanSql(text).tokens.filter((t) => t.type < SqlTok.LineComment);
  const out: UnknownOperator[] = [];
  for (let i = 1; i + 1 < toks.length; i++) {
    const t = toks[i]!;
    if (t.type !== SqlTok.Word || ignorable(upper(t))) continue;
    if (!endsOperand(toks[i - 1]) || !startsOperand(toks[i + 1])) continue;
    out.push({ word: text.slice(t.start, t.end), start: t.start, end: t.end });
  }
  return out;
}
