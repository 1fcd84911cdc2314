/**
 * The items of every SELECT list in a stretch of SQL, found lexically: what
 * the rewrite needs to name a column after what the user wrote when it
 * replaced a semantic construct inside it (DuckDB would name it after the
 * rewritten call, `rvbbit_semantic_means(7, …)`).
 *
 * The rule is conservative in one direction only: an item is reported as
 * unaliased only when no alias can follow its last construct, since adding
 * `AS "…"` after an alias would break the statement, while leaving an item
 * unnamed only leaves DuckDB's name.
 */
import { SqlTok, type SqlToken, scanSql } from './sql-scan.js';

export interface SelectItem {
  /** Offsets of the item's first and last non-comment token: [start, end). */
  readonly start: number;
  readonly end: number;
  /** The item's tokens, comments dropped. */
  readonly tokens: readonly SqlToken[];
}

/** Words that end a SELECT list at its own depth. */
const LIST_END = new Set([
  'FROM',
  'WHERE',
  'GROUP',
  'HAVING',
  'WINDOW',
  'QUALIFY',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'INTO',
  'FETCH',
  'USING',
]);

/** Words after which an item's next word is an operand, never an alias. */
const OPERAND_BEFORE = new Set([
  'AND',
  'OR',
  'NOT',
  'IS',
  'LIKE',
  'ILIKE',
  'GLOB',
  'BETWEEN',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
]);
/** Reserved words that end an expression and cannot be an alias. */
const NEVER_ALIAS = new Set(['NULL', 'TRUE', 'FALSE', 'END']);

/** Every SELECT list's items in `text[start, end)`, lists nested in items included; [] on a scan error. */
export function selectItems(text: string, start = 0, end = text.length): SelectItem[] {
  const { tokens, error } = scanSql(text, start, end);
  if (error) return [];
  const code = tokens.filter((t) => t.type !== SqlTok.LineComment && t.type !== SqlTok.BlockComment);
  const word = (i: number): string => {
    const t = code[i];
    return t?.type === SqlTok.Word ? text.slice(t.start, t.end).toUpperCase() : '';
  };
  const items: SelectItem[] = [];
  /** Open lists: the depth each was opened at and where its current item starts. */
  const open: { depth: number; from: number }[] = [];
  const finish = (to: number) => {
    const list = open[open.length - 1]!;
    if (to > list.from) {
      const own = code.slice(list.from, to);
      items.push({ start: own[0]!.start, end: own[own.length - 1]!.end, tokens: own });
    }
  };
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const t = code[i]!;
    const top = open[open.length - 1];
    const here = top !== undefined && top.depth === depth;
    if (t.type === SqlTok.LParen || t.type === SqlTok.LBracket) depth++;
    else if (t.type === SqlTok.RParen || t.type === SqlTok.RBracket) {
      if (here) {
        finish(i);
        open.pop();
      }
      depth--;
    } else if (t.type === SqlTok.Semicolon) {
      while (open.length > 0) {
        finish(i);
        open.pop();
      }
    } else if (here && t.type === SqlTok.Comma) {
      finish(i);
      top.from = i + 1;
    } else if (t.type === SqlTok.Word) {
      const w = word(i);
      // `a IS [NOT] DISTINCT FROM b` and `… WITHIN GROUP (ORDER BY …)` do not end the list.
      if (
        here &&
        LIST_END.has(w) &&
        !(w === 'FROM' && word(i - 1) === 'DISTINCT') &&
        word(i - 1) !== 'WITHIN'
      ) {
        finish(i);
        open.pop();
      }
      if (w === 'SELECT') {
        let from = i + 1;
        if (word(from) === 'ALL') from++;
        else if (word(from) === 'DISTINCT') {
          from++;
          if (word(from) === 'ON' && code[from + 1]?.type === SqlTok.LParen) {
            let d = 0;
            for (from++; from < code.length; from++) {
              const ty = code[from]!.type;
              if (ty === SqlTok.LParen) d++;
              else if (ty === SqlTok.RParen && --d === 0) break;
            }
            from++;
          }
        }
        open.push({ depth, from });
        i = from - 1;
      }
    }
  }
  while (open.length > 0) {
    finish(code.length);
    open.pop();
  }
  return items;
}

/**
 * True when the item may carry an alias (`expr AS name`, `expr name`, DuckDB's
 * `name: expr`). `after` is where the item's last rewritten construct ends:
 * its own words are part of the construct, never an alias.
 */
export function mayBeAliased(text: string, item: SelectItem, after: number): boolean {
  const toks = item.tokens;
  const word = (t: SqlToken | undefined) =>
    t?.type === SqlTok.Word ? text.slice(t.start, t.end).toUpperCase() : '';
  if (toks.length >= 2 && (toks[0]!.type === SqlTok.Word || toks[0]!.type === SqlTok.QuotedIdent)) {
    if (toks[1]!.type === SqlTok.Op && text.slice(toks[1]!.start, toks[1]!.end) === ':') return true;
  }
  const tail = toks.filter((t) => t.start >= after);
  const last = tail[tail.length - 1];
  if (!last) return false;
  if (last.type !== SqlTok.Word && last.type !== SqlTok.QuotedIdent) return false;
  if (NEVER_ALIAS.has(word(last))) return false;
  const before = toks[toks.indexOf(last) - 1];
  if (!before) return true;
  if (before.type === SqlTok.Op || before.type === SqlTok.Dot || before.type === SqlTok.Comma) return false;
  if (before.type === SqlTok.LParen || before.type === SqlTok.LBracket) return false;
  // `AS name` is an alias; `NOT flag`, `IS x`, `THEN y` are operands. Anything else may be an alias.
  const w = word(before);
  return w === 'AS' || !OPERAND_BEFORE.has(w);
}
