/**
 * How embedding constructs become DuckDB SQL (a RewriteHooks for
 * statements/semantic/rewrite/semantic-rewrite.ts). E(x, m) below is
 * `CAST(rvbbit_embed(<stmt>, CAST((x) AS VARCHAR), 'm') AS FLOAT[n])`, n the
 * model's dimension (learned before the rewrite: embedder.ts dims()):
 *   EMBED(x [, 'm'])                    → E(x, m)
 *   a SIMILAR_TO b                      → CAST(array_cosine_similarity(E(a), E(b)) AS DOUBLE)
 *                                         (bare in WHERE / HAVING / ON: `> threshold`, as ABOUT)
 *   VECTOR_SEARCH(q, tbl, col, k [,'m']) → (SELECT tbl.*, cosine(E(tbl.col), E(q)) AS score FROM tbl
 *                                          WHERE tbl.col IS NOT NULL ORDER BY score DESC, tbl.col LIMIT k)
 *   VECTOR_SEARCH(q, tbl.col, k)         → the same, plus larsql's names for the score: score AS similarity,
 *                                          1 - score AS distance (larsql's form: `WHERE similarity > 0.7` runs)
 *   a ~ b, with `-- @ prefilter: k`     → CASE WHEN rvbbit_prefilter(<stmt>, hash(a), hash(b), a, b)
 *                                          THEN (a ~ b) ELSE false END
 *                                         (and so every pair predicate: LLM_FILTER('…', a, b), (a, b) MEANS '…')
 *   ORDER BY a RELEVANCE TO q, ORDER BY ABOUT(a, q) DESC (the first key), with `-- @ prefilter: m`
 *                                       → ORDER BY (CASE WHEN rvbbit_prefilter_rank(<stmt>, hash(q), hash(a), q, a)
 *                                          THEN <the ABOUT score> ELSE -infinity END) DESC
 *                                         (the m texts nearest q are scored; the rest sort after them, unscored)
 * VECTOR_SEARCH is exact (every row scored): DuckDB's `vss` extension (HNSW)
 * cannot be installed offline here, and exact search needs no index to keep.
 */

import { RvbbitError } from '../../../../base/errors.js';
import type { SqlStatement } from '../../../../grammar/index.js';
import { SIMILAR_TO } from '../../../plan/operator-catalog.js';
import type { RewriteHooks, SpanText } from './semantic-rewrite.js';

export const EMBED_FN = 'rvbbit_embed';
export const PREFILTER_FN = 'rvbbit_prefilter';
export const RANK_PREFILTER_FN = 'rvbbit_prefilter_rank';

type Call = SqlStatement['aggregates'][number];
type Op = SqlStatement['operators'][number];

/**
 * The models a statement's EMBED, SIMILAR_TO and VECTOR_SEARCH use (their
 * dimensions are learned before the rewrite); every argument is checked
 * here, before any state exists, so a bad one fails the statement at once.
 */
export function embedModels(stmt: SqlStatement, defaultModel: string): Set<string> {
  const models = new Set<string>();
  for (const op of stmt.operators) if (op.functionName === SIMILAR_TO.functionName) models.add(defaultModel);
  for (const a of stmt.aggregates) {
    if (a.functionName === 'embed') models.add(a.args[1] ? modelArg(a, a.args[1].text) : defaultModel);
    if (a.functionName === 'vector_search') models.add(vectorSearchArgs(a, defaultModel).model);
  }
  return models;
}

export interface EmbedSqlContext {
  readonly token: number;
  /** Dimension by model; a model not in it (EXPLAIN, before any call) is typed FLOAT[1]: its values are NULL. */
  readonly dims: ReadonlyMap<string, number>;
  readonly defaultModel: string;
  readonly threshold: number;
  readonly prefilter: number | undefined;
}

export function embedHooks(c: EmbedSqlContext): RewriteHooks {
  const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
  const e = (x: string, model: string) =>
    `CAST(${EMBED_FN}(${c.token}, CAST((${x}) AS VARCHAR), ${quote(model)}) AS FLOAT[${c.dims.get(model) ?? 1}])`;
  const cosine = (a: string, b: string, model: string) =>
    `CAST(array_cosine_similarity(${e(a, model)}, ${e(b, model)}) AS DOUBLE)`;
  const span = (text: SpanText, x: { span: { start: number; end: number } }) =>
    text(x.span.start, x.span.end);
  /** Whether the prefilter keeps the pair: `fn(<stmt>, hash(a), hash(b), a, b)`. */
  const kept = (fn: string, pair: readonly [string, string]) => {
    const [a, b] = pair.map((x) => `CAST((${x}) AS VARCHAR)`) as [string, string];
    // A pair is known by its texts' hashes (prefilter-state.ts); hash(NULL) is not NULL, hence the IF.
    const h = (x: string) => `if((${x}) IS NULL, NULL, CAST(hash(${x}) >> 11 AS DOUBLE))`;
    return `${fn}(${c.token}, ${h(a)}, ${h(b)}, ${a}, ${b})`;
  };
  return {
    operator(op: Op) {
      if (op.functionName !== SIMILAR_TO.functionName) return undefined;
      const bare =
        op.comparison === null &&
        (op.clause === 'where' || op.clause === 'having' || op.clause === 'join_on');
      return (text) => {
        const sql = cosine(span(text, op.left), span(text, op.right), c.defaultModel);
        return bare ? `(${sql} > ${c.threshold})` : sql;
      };
    },
    wrap(pair, sql) {
      if (c.prefilter === undefined) return sql;
      // CASE, not AND: DuckDB may reorder a conjunction; a CASE never evaluates THEN for a row that fails WHEN.
      return `(CASE WHEN ${kept(PREFILTER_FN, pair)} THEN ${sql} ELSE false END)`;
    },
    rank([text, topic], sql) {
      if (c.prefilter === undefined) return sql;
      // The topic is the left side (its k nearest texts are kept). -infinity, not NULL: a row
      // left unscored sorts after every scored one whatever the session's NULL order.
      return `(CASE WHEN ${kept(RANK_PREFILTER_FN, [topic, text])} THEN ${sql} ELSE CAST('-infinity' AS DOUBLE) END)`;
    },
    call(a: Call) {
      if (a.functionName === 'embed') {
        const model = a.args[1] ? modelArg(a, a.args[1].text) : c.defaultModel;
        return (text) => e(span(text, a.args[0]!), model);
      }
      if (a.functionName !== 'vector_search') return undefined;
      // Arguments were checked by embedModels().
      const { query, table, column, k, model, larsql } = vectorSearchArgs(a, c.defaultModel);
      return (text) => {
        // Aliased by its own name, so DuckDB's errors ("Table products has no column …") name the user's table.
        const alias = table.match(new RegExp(`${IDENT_PART}$`))![0];
        const col = `${alias}.${column}`;
        const scored =
          `SELECT ${alias}.*, ${cosine(col, span(text, query), model)} AS score ` +
          `FROM ${table} AS ${alias} WHERE ${col} IS NOT NULL ` +
          `ORDER BY score DESC NULLS LAST, ${col} LIMIT ${k}`;
        // larsql's form answers with larsql's names too (its rows were id, text, similarity, distance).
        return larsql
          ? `(SELECT *, score AS similarity, 1 - score AS distance FROM (${scored}))`
          : `(${scored})`;
      };
    },
  };
}

const IDENT_PART = '(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")';
const IDENT = new RegExp(`^${IDENT_PART}$`);
const IDENT_PATH = new RegExp(`^${IDENT_PART}(?:\\.${IDENT_PART}){0,2}$`);
/** larsql's `table.column` (the table may be qualified): the table, then the column. */
const COLUMN_PATH = new RegExp(`^(${IDENT_PART}(?:\\.${IDENT_PART}){0,2})\\.(${IDENT_PART})$`);

interface VectorSearchArgs {
  readonly query: Call['args'][number];
  /** SQL text of the table and column names, as written. */
  readonly table: string;
  readonly column: string;
  readonly k: string;
  readonly model: string;
  /** Written in larsql's form, `VECTOR_SEARCH(q, table.column, k)`. */
  readonly larsql: boolean;
}

/**
 * VECTOR_SEARCH's arguments, checked: rvbbit's `(q, table, column, k [, 'model'])`,
 * or larsql's `(q, table.column, k)` (three arguments: the column qualified by its table).
 */
function vectorSearchArgs(a: Call, defaultModel: string): VectorSearchArgs {
  const text = a.args.map((x) => x.text);
  const larsql = text.length === 3;
  let table: string;
  let column: string;
  let k: string;
  if (larsql) {
    const parts = COLUMN_PATH.exec(text[1]!);
    if (!parts)
      bad(a, `with three arguments the second is a column with its table (table.column), got ${text[1]}`);
    [table, column, k] = [parts[1]!, parts[2]!, text[2]!];
  } else {
    [table, column, k] = [text[1]!, text[2]!, text[3]!];
    if (!IDENT_PATH.test(table)) bad(a, `the table must be a table name, got ${table}`);
    if (!IDENT.test(column)) bad(a, `the column must be a column name, got ${column}`);
  }
  if (!/^[1-9]\d{0,8}$/.test(k)) bad(a, `k must be a positive integer literal, got ${k}`);
  const model = text[4] === undefined ? defaultModel : modelArg(a, text[4]);
  return { query: a.args[0]!, table, column, k, model, larsql };
}

/** A model argument: a string literal, so the model (and its dimension) is known before any row runs. */
function modelArg(a: Call, text: string): string {
  const m = /^'((?:[^']|'')+)'$/.exec(text.trim());
  if (!m) bad(a, `the model must be a string literal, got ${text}`);
  return m[1]!.replaceAll("''", "'");
}

function bad(a: Call, why: string): never {
  throw new RvbbitError(
    'EMBED_BAD_ARGUMENT',
    `${a.name} at line ${a.span.line}, column ${a.span.column}: ${why}`,
    {
      line: a.span.line,
      column: a.span.column,
    },
  );
}
