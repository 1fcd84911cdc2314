/**
 * LIMIT-aware evaluation: `SELECT … FROM src WHERE x MEANS y LIMIT 10` needs
 * answers for only as many rows as it takes to find 10 matches, but DuckDB
 * evaluates a filter a whole vector (2,048 rows) at a time, on several
 * threads, so a record pass over the source asks about every row of the
 * vectors it reads before the LIMIT stops it, whichever rows those are. The
 * window runs the statement over the first rows of its source instead,
 * `FROM (SELECT * FROM src LIMIT w) AS src`, doubling w until the LIMIT is met
 * (or w covers the source, and the statement itself runs). The source is the
 * FROM clause's first item, whatever it is: a table, a view, a CTE, a
 * subquery, a table function (`range`, `read_csv`); joined to more items by
 * joins that make each output row from one row of it (INNER, LEFT, CROSS,
 * SEMI, ANTI, ASOF, NATURAL, LATERAL, a comma). With every join inner and
 * the semantic calls reading one other item's columns alone, that item is
 * windowed instead (the x-rays a filter reads, not the patients they join
 * to): the rows asked about are then the window's whatever the FROM order.
 * A prefilter's pairs are planned over the statement without its LIMIT
 * before any window runs (batch-passes.ts), and a pre-filtered pair
 * predicate's window is its left side's item alone, each row with its k kept
 * pairs (`prefilterLeft`).
 *
 * Exactness, the rule the LIMIT tests check: the rows returned are LIMIT rows
 * of the statement's full evaluation (its rows with every answer known, no
 * LIMIT or OFFSET), as a multiset, and as many as full evaluation with the
 * LIMIT returns. Which of them, as for any LIMIT without ORDER BY, is not
 * specified. Why it holds: the pass that returns has no miss, so its answers
 * are the real ones; the window's rows are rows of the source; and each
 * allowed join makes an output row from one source row and the other items
 * alone, so every row over the window is a row over the whole source. A
 * window holds the first w rows in DuckDB's scan order (insertion order is
 * preserved by default), so over one source they are the very rows full
 * evaluation with the LIMIT returns; a join's output order is DuckDB's.
 *
 * ORDER BY plain columns of the source (`ORDER BY id`, `i.k DESC NULLS
 * FIRST, "Id"`; no expression, position, ALL or COLLATE, and no SELECT item
 * named like a key unless it is that column: DuckDB binds the name to the
 * item): the window holds the source's first rows in that order, `QUALIFY
 * rank() OVER (ORDER BY keys) <= w`, so every row tied with one inside is
 * inside and every row outside sorts after all of them. Each output row comes
 * from one source row (joined items are read whole), so the rows over the
 * window are full evaluation's rows up to the window's last key, and when the
 * LIMIT is met there its rows are full evaluation's first rows — up to rows
 * tied on every key, which DuckDB orders as it likes ("ORDER BY may not use a
 * stable algorithm": which tied rows come first depends on every row it
 * sorts). So the run checks, with every answer known (`tiesSql`), that no key
 * repeats among the rows at positions OFFSET − 1 … OFFSET + LIMIT of the
 * window's sorted rows; if one does, the statement runs whole and DuckDB
 * picks, as it would have (batch-passes.ts).
 *
 * What must hold for that (else the statement runs unwindowed, limited by a
 * pass budget instead, batch-passes.ts): a literal top-level LIMIT with
 * nothing that needs every row first (ORDER BY other than the above, GROUP BY,
 * DISTINCT, a window, a set operation; `prefixLimit`); no RIGHT, FULL or POSITIONAL join (they add
 * rows for the other side's unmatched rows) and no sample; the source and the
 * WITH clause free of semantic calls (their record passes would read on past
 * NULL placeholders and ask about every row); and, checked by running them
 * (batch-passes.ts), that the window binds, that the statement over an empty
 * window returns no row (an aggregate without GROUP BY returns one: its
 * answer needs every row), and that the source's rows can be counted.
 */
import { prefixLimit, SqlTok, type SqlToken, scanSql } from '../../../../grammar/index.js';
import { QUERY_WORDS } from '../../../../grammar/statement-kind.js';
import { PREFILTER_FN } from './embed-rewrite.js';
import { registeredName } from './semantic-rewrite.js';

export interface LimitWindow {
  /** Rows the result has once the LIMIT is met. */
  readonly limit: number;
  /** Rows that must pass the filter for that: LIMIT + OFFSET. */
  readonly wanted: number;
  /**
   * The windowed items as written, with their aliases (`main.items AS i`, `range(3000) r(i)`,
   * `(SELECT …) s`): the source, then each item joined to it INNER, CROSS or by a comma.
   */
  readonly source: string;
  /** How many items are windowed: a window of w rows holds up to w^items combinations. */
  readonly items: number;
  /**
   * The one windowed item is the left side of the statement's pre-filtered pair predicates: each
   * of its rows meets its k kept right values (`-- @ prefilter: k`), k pairs a row.
   */
  readonly prefilterLeft?: boolean;
  /**
   * With `prefilterLeft`: the items the statement would window without the
   * prefilter (the left item and the items paired with it: 2 for a join of
   * two tables ON a pair predicate). A window of w rows of each asks w^n
   * pairs; the pre-filtered window is sized to ask as many (batch-passes.ts windowRows).
   */
  readonly pairedItems?: number;
  /** The statement over the first `rows` rows of each windowed item. */
  sql(rows: number): string;
  /** A query of one row, `n`: how many rows the largest windowed item has, counted up to `atMost`. */
  countSql(atMost: number): string;
  /**
   * With a top-level ORDER BY of plain columns of the source: its keys as
   * written (`id DESC NULLS FIRST`); the window holds the source's first rows
   * in that order, every row tied with the last one included.
   */
  readonly orderBy?: string;
  /**
   * With `orderBy`: a query of one row, `n`, over the window of `rows` rows
   * (answers known): how many ORDER BY keys repeat among the rows the LIMIT
   * returns and their neighbours where it cuts; 0 means the rows and their
   * order do not depend on how DuckDB orders ties.
   */
  tiesSql?(rows: number): string;
}

/** Words that end the FROM clause at depth 0 (SELECT: DuckDB's FROM-first form; ORDER: ORDER BY). */
const FROM_ENDS = new Set(['WHERE', 'ORDER', 'LIMIT', 'OFFSET', 'SELECT']);
/** Words of a join's type that keep every output row one row of the left side's. */
const ROW_JOIN_WORDS = new Set(['NATURAL', 'INNER', 'LEFT', 'OUTER', 'CROSS', 'SEMI', 'ANTI', 'ASOF']);
/** Of those, the words of an inner join: its right item may be windowed as well (a pair predicate's). */
const INNER_JOIN_WORDS = new Set(['NATURAL', 'INNER', 'CROSS']);
/** Join types that add rows of their own (the right side's unmatched rows, positions past the left's end). */
const ROW_ADDING_JOINS = new Set(['RIGHT', 'FULL', 'POSITIONAL']);
/** Words that never name an alias. */
const NOT_ALIAS = new Set([
  ...FROM_ENDS,
  ...ROW_JOIN_WORDS,
  ...ROW_ADDING_JOINS,
  'JOIN',
  'ON',
  'USING',
  'AS',
  'AT',
  'WITH',
  'LATERAL',
  'SEMANTIC',
  'TABLESAMPLE',
  'SAMPLE',
  'PIVOT',
  'UNPIVOT',
  'GROUP',
  'HAVING',
  'WINDOW',
  'QUALIFY',
  'ORDER',
  'UNION',
  'EXCEPT',
  'INTERSECT',
]);

/** One key of an ORDER BY: the column as written and its ASC/DESC, NULLS FIRST/LAST (with a leading space). */
interface OrderKey {
  readonly expr: string;
  readonly modifiers: string;
}

interface OrderKeys {
  readonly keys: readonly OrderKey[];
  /** The keys as an ORDER BY list. */
  readonly text: string;
}

/** One FROM item: tokens [start, end) and the name its rows go by, if any. */
interface FromItem {
  readonly start: number;
  readonly end: number;
  /** The alias, or a table's last name part, or a table function's name; null for an unnamed subquery. */
  readonly name: string | null;
}

/**
 * The window for `statementText` (the statement as written: its LIMIT and
 * shape) run as `sql` (the rewritten statement, same top level), or null.
 */
export function limitWindow(statementText: string, sql: string): LimitWindow | null {
  const asked = prefixLimit(statementText, scanSql(statementText).tokens, { orderBy: true });
  if (asked === null || asked.limit === 0) return null;
  const tokens = scanSql(sql).tokens.filter(
    (t) => t.type !== SqlTok.LineComment && t.type !== SqlTok.BlockComment,
  );
  const r = new Reader(sql, tokens);
  // A sample draws from the rows it is given: over a window, from other rows.
  if (r.depthZero().some((i) => r.word(i) === 'SAMPLE' || r.word(i) === 'TABLESAMPLE')) return null;
  const from = r.depthZero().find((i) => r.word(i) === 'FROM');
  if (from === undefined) return null;
  const head = r.depthZero().find((i) => r.word(i) === 'SELECT' || r.word(i) === 'FROM');
  const source = r.item(from + 1, false);
  if (!source) return null;
  const text = (a: number, b: number) => sql.slice(tokens[a]!.start, tokens[b - 1]!.end);
  const prefix = head === undefined || head === 0 ? '' : `${text(0, head)} `;
  // ORDER BY plain columns of the source (orderKeys): a window of its first rows in that order.
  const order = asked.ordered ? r.orderKeys(head, from) : undefined;
  if (order === null) return null;
  let windowed: FromItem[] = [source];
  /** Every item past the source, and whether it is joined inner (a comma, CROSS, [INNER] JOIN; not LATERAL). */
  const joins: { readonly item: FromItem; readonly inner: boolean }[] = [];
  // Joined items, up to the end of the FROM clause. An item that pairs rows with the source — joined
  // by a comma, CROSS, or INNER with a semantic call in its ON condition (a pair predicate) — is
  // windowed too, so a self-join's window asks about w × w pairs, not w × N: such a join makes each
  // output row from one row of each item, so every row over the items' first rows is a row over the
  // whole items. A lookup joined ON plain keys, and an outer, semi, anti, asof or lateral item, is read whole.
  let i = source.end;
  while (!r.endsFrom(i)) {
    const words: string[] = [];
    if (r.is(i, SqlTok.Comma)) i++;
    else {
      for (; ROW_JOIN_WORDS.has(r.word(i) ?? ''); i++) words.push(r.word(i)!);
      if (r.word(i) !== 'JOIN') return null;
      i++;
    }
    if (r.word(i) === 'LATERAL') {
      words.push('LATERAL');
      i++;
    }
    const joined = r.item(i, true);
    if (!joined) return null;
    i = joined.end;
    // Paired by a semantic call in ON; a comma or CROSS join pairs every row (its predicate is in WHERE).
    let pairs = !words.includes('NATURAL');
    if (r.word(i) === 'USING' && r.is(i + 1, SqlTok.LParen)) {
      pairs = false;
      const close = r.closing(i + 1);
      if (close < 0) return null;
      i = close + 1;
    } else if (r.word(i) === 'ON') {
      const end = r.endOfCondition(i + 1);
      if (end < 0) return null;
      pairs = callsSemantic(text(i + 1, end));
      i = end;
    }
    const inner = words.every((w) => INNER_JOIN_WORDS.has(w));
    joins.push({ item: joined, inner: inner && !words.includes('LATERAL') });
    // In an order of the source's keys, every row over its first rows needs every row of a joined item.
    if (order) continue;
    if (inner && pairs && joined.name !== null && !callsSemantic(prefix + text(joined.start, joined.end)))
      windowed.push(joined);
  }
  // One item windowed, and the semantic calls read another's columns alone: window that one instead.
  // Every join inner, each output row is one row of every item, so every row over any one item's first
  // rows is a row over the whole items (the rule above, for that item); and the item the calls read is
  // the one whose rows are asked about one by one: a lookup joined to it adds no calls, where windowing
  // the lookup would read every row of the item that joins to each of its rows (a patient's x-rays).
  if (!order && windowed.length === 1 && joins.every((j) => j.inner)) {
    const read = itemReadByCalls(r, [source, ...joins.map((j) => j.item)]);
    if (read !== null && read !== source && !callsSemantic(prefix + text(read.start, read.end)))
      windowed = [read];
  }
  // A pre-filtered pair predicate keeps each left value's k nearest right values among all the
  // statement's values (its plan is made over the unlimited statement first: batch-passes.ts). A
  // window of the first w rows of both items holds only the kept pairs whose right value is among
  // the first w too (about k·w/N of each left row's k); a window of the left item's rows alone holds
  // every kept pair of each of its rows: k pairs a row, w·k in all. So that item alone is windowed
  // (every row over its first rows is a row over the whole items, as above: the source, or any item
  // when every join is inner), each window of as many rows as ask the pairs the windows of every
  // paired item would (batch-passes.ts windowRows).
  const left = prefilterLeftItem(r, [source, ...joins.map((j) => j.item)]);
  const pairedItems = windowed.length;
  if (
    left !== null &&
    windowed.length > 1 &&
    windowed.includes(left) &&
    (left === source || joins.every((j) => j.inner))
  )
    windowed = [left];
  const prefilterLeft = left !== null && windowed.length === 1 && windowed[0] === left;
  const sourceText = text(source.start, source.end);
  // Rows the window reads must be rows without semantic calls of their own (see above).
  if (callsSemantic(prefix + sourceText)) return null;
  const items = windowed.map((w) => ({ ...w, text: text(w.start, w.end) }));
  // The first rows: in scan order, or, ordered, every row ranked within them (rank() counts the
  // rows strictly before: a row tied with one inside is inside; every row outside sorts after them).
  const first = (w: (typeof items)[number], rows: number) =>
    order
      ? `SELECT * FROM ${w.text} QUALIFY rank() OVER (ORDER BY ${order.text}) <= ${rows}`
      : `SELECT * FROM ${w.text} LIMIT ${rows}`;
  // The statement's text from offset `start` to `end`, each windowed item over its first `rows`.
  const windowText = (rows: number, start: number, end: number) => {
    let out = '';
    let at = start;
    for (const w of items) {
      if (tokens[w.start]!.start < start || tokens[w.end - 1]!.end > end) continue;
      const as = w.name === null ? '' : ` AS ${w.name}`;
      out += `${sql.slice(at, tokens[w.start]!.start)}(${first(w, rows)})${as}`;
      at = tokens[w.end - 1]!.end;
    }
    return out + sql.slice(at, end);
  };
  // The ORDER BY the window's ties are checked under, found now: the run builds its SQL, never reads it.
  const orderBy = order
    ? r.depthZero().find((i) => r.word(i) === 'ORDER' && r.word(i + 1) === 'BY')
    : undefined;
  if (order && orderBy === undefined) return null;
  return {
    limit: asked.limit,
    wanted: asked.limit + asked.offset,
    source: items.map((w) => w.text).join(', '),
    items: items.length,
    ...(prefilterLeft ? { prefilterLeft, pairedItems } : {}),
    sql: (rows: number) => windowText(rows, 0, sql.length),
    ...(order && orderBy !== undefined
      ? {
          orderBy: order.text,
          tiesSql: (rows: number) => {
            // The statement's FROM … WHERE over the window, selecting its keys: the rows it sorts.
            const fromWhere = windowText(rows, tokens[from]!.start, tokens[orderBy]!.start);
            const rowsSorted = `SELECT ${order.keys.map((k, i) => `${k.expr} AS rvbbit_k${i}`).join(', ')} ${fromWhere}`;
            const cols = order.keys.map((_, i) => `rvbbit_k${i}`);
            const sorted = order.keys.map((k, i) => `${cols[i]}${k.modifiers}`).join(', ');
            // Positions OFFSET - 1 … OFFSET + LIMIT of the sorted rows: a repeat there moves a row in, out or about.
            const from0 = Math.max(0, asked.offset - 1);
            const n = asked.offset + asked.limit + 1 - from0;
            return `${prefix}SELECT count(*)::DOUBLE AS n FROM (SELECT 1 FROM (${rowsSorted} ORDER BY ${sorted} LIMIT ${n} OFFSET ${from0}) GROUP BY ${cols.join(', ')} HAVING count(*) > 1)`;
          },
        }
      : {}),
    // The window holds everything once it holds the largest item: count each, keep the most.
    countSql: (atMost) =>
      `${prefix}SELECT max(n)::DOUBLE AS n FROM (${items
        .map((w) => `SELECT count(*) AS n FROM (SELECT 1 FROM ${w.text} LIMIT ${atMost})`)
        .join(' UNION ALL ')})`,
  };
}

/**
 * The one FROM item whose columns the statement's semantic calls read, by
 * their qualified names (`x.path`); null when they read none by name or
 * more than one item's (an unqualified column names no item: it is not counted).
 */
function itemReadByCalls(r: Reader, items: readonly FromItem[]): FromItem | null {
  const byName = new Map<string, FromItem>();
  for (const it of items) if (it.name !== null) byName.set(unquoted(it.name), it);
  const read = new Set<FromItem>();
  for (const [start, end] of r.semanticCalls()) {
    for (let i = start; i < end; i++) {
      if (!r.is(i + 1, SqlTok.Dot)) continue;
      const name = r.nameAt(i);
      const it = name === null ? undefined : byName.get(name);
      if (it) read.add(it);
    }
  }
  return read.size === 1 ? [...read][0]! : null;
}

/**
 * The one FROM item whose columns every pre-filtered pair predicate's left
 * value reads (`rvbbit_prefilter(token, hash(a), hash(b), a, b)`: its fourth
 * argument, embed-rewrite.ts), by qualified names; null when there is no such
 * predicate, or the left values read no item by name, or more than one.
 */
function prefilterLeftItem(r: Reader, items: readonly FromItem[]): FromItem | null {
  const byName = new Map<string, FromItem>();
  for (const it of items) if (it.name !== null) byName.set(unquoted(it.name), it);
  const read = new Set<FromItem>();
  let calls = 0;
  for (const [start, end] of r.semanticCalls()) {
    if (r.word(start) !== PREFILTER_FN.toUpperCase()) continue;
    calls++;
    const left = r.argument(start + 1, end, 3);
    if (left === null) return null;
    for (let i = left[0]; i < left[1]; i++) {
      if (!r.is(i + 1, SqlTok.Dot)) continue;
      const name = r.nameAt(i);
      const it = name === null ? undefined : byName.get(name);
      if (it) read.add(it);
    }
  }
  return calls > 0 && read.size === 1 ? [...read][0]! : null;
}

function unquoted(name: string): string {
  return (name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name).toLowerCase();
}

/** A registered semantic function's call (`rvbbit_semantic_means(`, `rvbbit_embed(`) in rewritten SQL. */
const SEMANTIC_CALL = new RegExp(`\\b${registeredName('')}\\w+\\s*\\(`, 'i');

function callsSemantic(sql: string): boolean {
  return SEMANTIC_CALL.test(sql);
}

/** Token-level reading of one statement's FROM clause. */
class Reader {
  private readonly depth: number[];

  constructor(
    private readonly sql: string,
    private readonly tokens: readonly SqlToken[],
  ) {
    let d = 0;
    this.depth = tokens.map((t) => {
      if (t.type === SqlTok.RParen || t.type === SqlTok.RBracket) d--;
      const at = d;
      if (t.type === SqlTok.LParen || t.type === SqlTok.LBracket) d++;
      return at;
    });
  }

  /** Token ranges [name, closing parenthesis) of every registered semantic function's call. */
  semanticCalls(): [number, number][] {
    const prefix = registeredName('').toUpperCase();
    const out: [number, number][] = [];
    for (let i = 0; i + 1 < this.tokens.length; i++) {
      if (!this.word(i)?.startsWith(prefix) || !this.is(i + 1, SqlTok.LParen)) continue;
      const close = this.closing(i + 1);
      if (close > 0) out.push([i, close]);
    }
    return out;
  }

  /** Token range [start, end) of argument `n` (0-based) of the call whose parenthesis opens at `open` and closes at `close`. */
  argument(open: number, close: number, n: number): [number, number] | null {
    const d = this.depth[open]! + 1;
    let start = open + 1;
    let at = 0;
    for (let i = open + 1; i <= close; i++) {
      if (i < close && !(this.is(i, SqlTok.Comma) && this.depth[i] === d)) continue;
      if (at === n) return [start, i];
      at++;
      start = i + 1;
    }
    return null;
  }

  /** The identifier at `i` as DuckDB matches it (unquoted, lower-cased), or null for any other token. */
  nameAt(i: number): string | null {
    return this.is(i, SqlTok.QuotedIdent) || this.is(i, SqlTok.Word) ? this.name(i) : null;
  }

  /** Indexes of the tokens at parenthesis depth 0. */
  depthZero(): number[] {
    return this.tokens.flatMap((_, i) => (this.depth[i] === 0 ? [i] : []));
  }

  is(i: number, type: SqlToken['type']): boolean {
    return this.tokens[i]?.type === type;
  }

  /** The token's word, upper-cased, or undefined for any other token. */
  word(i: number): string | undefined {
    const t = this.tokens[i];
    return t?.type === SqlTok.Word ? this.sql.slice(t.start, t.end).toUpperCase() : undefined;
  }

  /** Index of the parenthesis closing the one at `open`, or -1. */
  closing(open: number): number {
    for (let i = open + 1; i < this.tokens.length; i++) {
      if (this.depth[i] === this.depth[open] && this.is(i, SqlTok.RParen)) return i;
    }
    return -1;
  }

  /** True at the end of the FROM clause: the statement's end, `;`, or WHERE, LIMIT, OFFSET, SELECT. */
  endsFrom(i: number): boolean {
    return i >= this.tokens.length || this.is(i, SqlTok.Semicolon) || FROM_ENDS.has(this.word(i) ?? '');
  }

  /** After an ON condition: the index of the next join, comma or end of the FROM clause, or -1 for a row-adding join. */
  endOfCondition(from: number): number {
    const d = this.depth[from];
    for (let i = from; i < this.tokens.length; i++) {
      if (this.depth[i] !== d) continue;
      if (this.endsFrom(i) || this.is(i, SqlTok.Comma)) return i;
      const w = this.word(i);
      // A function named like a join word (`left(s, 3)`) or a column (`t.full`) is part of the condition.
      if (w === undefined || this.is(i + 1, SqlTok.LParen) || this.is(i - 1, SqlTok.Dot)) continue;
      if (ROW_ADDING_JOINS.has(w)) return -1;
      if (w === 'JOIN' || ROW_JOIN_WORDS.has(w)) return i;
    }
    return this.tokens.length;
  }

  /**
   * The top-level ORDER BY's keys when each is a plain column (`id`, `i.id`,
   * `"Id"`) with at most ASC/DESC and NULLS FIRST/LAST, and no item of the
   * SELECT list (`head` … `from`) is named like it unless it is that column:
   * DuckDB binds an ORDER BY name to a SELECT alias first (`LLM_SCORE(x) AS
   * id`, `name AS id`). Null for anything else (an expression, a position,
   * ALL, COLLATE, a semantic call): the window would not be the statement's order.
   */
  orderKeys(head: number | undefined, from: number): OrderKeys | null {
    if (head === undefined || this.word(head) !== 'SELECT' || from <= head) return null;
    const zero = this.depthZero();
    const at = zero.find((i) => this.word(i) === 'ORDER' && this.word(i + 1) === 'BY');
    if (at === undefined) return null;
    const aliases = this.selectNames(head + 1, from);
    const keys: OrderKey[] = [];
    let i = at + 2;
    for (;;) {
      const start = i;
      const parts: string[] = [];
      if (!this.isName(i)) return null;
      parts.push(this.name(i));
      i++;
      while (this.is(i, SqlTok.Dot) && this.isName(i + 1)) {
        parts.push(this.name(i + 1));
        i += 2;
      }
      // `ORDER BY ALL` sorts by the SELECT list; a name of three parts may be a table's column.
      if (parts.length > 2 || (parts.length === 1 && this.word(start) === 'ALL')) return null;
      const expr = this.sql.slice(this.tokens[start]!.start, this.tokens[i - 1]!.end);
      const modStart = i;
      if (this.word(i) === 'ASC' || this.word(i) === 'DESC') i++;
      if (this.word(i) === 'NULLS' && (this.word(i + 1) === 'FIRST' || this.word(i + 1) === 'LAST')) i += 2;
      const modifiers =
        i > modStart ? ` ${this.sql.slice(this.tokens[modStart]!.start, this.tokens[i - 1]!.end)}` : '';
      // An unqualified name a SELECT item renames binds to that item.
      if (parts.length === 1 && aliases.get(parts[0]!) === false) return null;
      keys.push({ expr, modifiers });
      if (this.is(i, SqlTok.Comma)) {
        i++;
        continue;
      }
      const w = this.word(i);
      if (i >= this.tokens.length || this.is(i, SqlTok.Semicolon) || w === 'LIMIT' || w === 'OFFSET') break;
      return null;
    }
    return { keys, text: keys.map((k) => k.expr + k.modifiers).join(', ') };
  }

  /**
   * Output names of the SELECT list's items (tokens [from, to)), lower-cased: true when the
   * item is that column itself (`id`, `t.id`, `t.id AS id`), false for anything else named so
   * (an alias, `AS` anywhere in the item: `* REPLACE (f(x) AS id)`, `CAST(x AS id)`).
   */
  private selectNames(from: number, to: number): Map<string, boolean> {
    const names = new Map<string, boolean>();
    const set = (name: string, plain: boolean) => names.set(name, (names.get(name) ?? true) && plain);
    let start = from;
    for (let i = from; i <= to; i++) {
      if (i < to && !(this.is(i, SqlTok.Comma) && this.depth[i] === this.depth[from])) continue;
      const item = this.tokens.slice(start, i).map((_, k) => start + k);
      // The column it is, if plain: name(.name)* [[AS] name].
      let j = 0;
      let column: string | null = null;
      if (item.length > 0 && this.isName(item[0]!)) {
        column = this.name(item[0]!);
        j = 1;
        while (j + 1 < item.length && this.is(item[j]!, SqlTok.Dot) && this.isName(item[j + 1]!)) {
          column = this.name(item[j + 1]!);
          j += 2;
        }
      }
      let alias: string | null = null;
      if (j < item.length && this.word(item[j]!) === 'AS') j++;
      if (j === item.length - 1 && this.isName(item[j]!)) {
        alias = this.name(item[j]!);
        j++;
      }
      if (column !== null && j === item.length) {
        set(alias ?? column, alias === null || alias === column);
      } else {
        // Not a plain column: any name after AS, and a last word (an implicit alias), is an output name.
        for (let k = 0; k < item.length; k++) {
          if (this.word(item[k]!) === 'AS' && this.isName(item[k + 1]!)) set(this.name(item[k + 1]!), false);
        }
        const last = item[item.length - 1];
        if (last !== undefined && item.length > 1 && this.isName(last) && !this.is(last - 1, SqlTok.Dot))
          set(this.name(last), false);
      }
      start = i + 1;
    }
    return names;
  }

  /** An identifier's name as DuckDB matches it: unquoted, lower-cased (DuckDB matches names case-insensitively). */
  private name(i: number): string {
    const t = this.text(i);
    return (this.is(i, SqlTok.QuotedIdent) ? t.slice(1, -1).replaceAll('""', '"') : t).toLowerCase();
  }

  private isName(i: number): boolean {
    return this.is(i, SqlTok.QuotedIdent) || (this.is(i, SqlTok.Word) && !NOT_ALIAS.has(this.word(i)!));
  }

  private text(i: number): string {
    const t = this.tokens[i]!;
    return this.sql.slice(t.start, t.end);
  }

  /**
   * The FROM item at `start`: `(subquery)`, `name(.name)*`, `name(.name)*(args)`
   * or a file path (with an alias unless `anonymous`: a joined item, never
   * renamed); then `[AS] alias [(columns)]`. Null for anything else.
   */
  item(start: number, anonymous: boolean): FromItem | null {
    let i = start;
    let name: string | null = null;
    if (this.is(i, SqlTok.LParen)) {
      if (!QUERY_WORDS.has(this.word(i + 1) ?? '')) return null; // a parenthesised join
      i = this.closing(i);
      if (i < 0) return null;
      i++;
    } else if (this.isName(i)) {
      name = this.text(i);
      i++;
      while (this.is(i, SqlTok.Dot) && this.isName(i + 1)) {
        name = this.text(i + 1);
        i += 2;
      }
      if (this.is(i, SqlTok.LParen)) {
        i = this.closing(i);
        if (i < 0) return null;
        i++;
      }
    } else if (this.is(i, SqlTok.String)) {
      i++;
    } else return null;
    // A file's rows go by a name DuckDB derives from its path: a renamed one needs an alias of its own.
    const named = !this.is(start, SqlTok.String);
    const as = this.word(i) === 'AS';
    if (as) i++;
    if (this.isName(i)) {
      name = this.text(i);
      i++;
      if (this.is(i, SqlTok.LParen)) {
        i = this.closing(i);
        if (i < 0) return null;
        i++;
      }
    } else if (as || !(named || anonymous)) return null;
    // What follows an item: a join, a comma, its condition, or the end of the FROM clause.
    const next = this.word(i);
    const follows =
      this.endsFrom(i) ||
      this.is(i, SqlTok.Comma) ||
      next === 'JOIN' ||
      next === 'ON' ||
      next === 'USING' ||
      ROW_JOIN_WORDS.has(next ?? '') ||
      ROW_ADDING_JOINS.has(next ?? '');
    if (!follows) return null;
    return { start, end: i, name };
  }
}

/**
 * `sql` (a query with a top-level LIMIT) without its top-level `LIMIT n` and
 * `OFFSET n`: the unlimited statement, whose values a prefilter plans over
 * (batch-passes.ts); null when either is not a plain number (`LIMIT 10%`,
 * `LIMIT (SELECT …)`, a parameter).
 */
export function withoutLimit(sql: string): string | null {
  const tokens = scanSql(sql).tokens.filter(
    (t) => t.type !== SqlTok.LineComment && t.type !== SqlTok.BlockComment,
  );
  const r = new Reader(sql, tokens);
  const cuts: [number, number][] = [];
  for (const i of r.depthZero()) {
    const w = r.word(i);
    if (w !== 'LIMIT' && w !== 'OFFSET') continue;
    if (!r.is(i + 1, SqlTok.Number)) return null;
    const next = tokens[i + 2];
    // `LIMIT 10%` and `LIMIT 10 PERCENT` keep a share of the rows, not a count.
    if (next && (sql.slice(next.start, next.end) === '%' || r.word(i + 2) === 'PERCENT')) return null;
    if (r.word(i + 2) === 'ROWS' || r.word(i + 2) === 'ROW') return null;
    cuts.push([tokens[i]!.start, tokens[i + 1]!.end]);
  }
  if (cuts.length === 0) return null;
  let out = '';
  let at = 0;
  for (const [start, end] of cuts) {
    out += `${sql.slice(at, start)} `;
    at = end;
  }
  return out + sql.slice(at);
}
