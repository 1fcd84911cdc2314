/**
 * A statement with semantic operators, planned: every decision taken before
 * a call is made here, once, for the run (statements/semantic/run/run-semantic.ts), EXPLAIN
 * (estimate/statement-estimate.ts) and Describe alike:
 * - the options and limits (semantic-options.ts);
 * - the rewrite (semantic-rewrite.ts, embed-rewrite.ts): which construct
 *   becomes which function call, and the functions it calls, resolved in the
 *   operator catalog and their cascades loaded, so a missing or broken one
 *   fails the statement before any row runs;
 * - the embeddings it needs: the models whose vectors reach SQL and the `~`
 *   pre-filter (`-- @ prefilter: k`);
 * - its path: record passes (a query), record passes each rolled back until
 *   one misses nothing (a write), embeddings first (nothing but embeddings
 *   outside the batch strategy), or a blocking strategy, with the label
 *   rvbbit.queries.strategy and EXPLAIN show;
 * - what the run reads off the statement's text: whether it is a query, its
 *   top-level LIMIT, the windows that LIMIT runs over (limit-window.ts) and
 *   union_all's branches (union-split.ts). The run and EXPLAIN read these
 *   fields; nothing after planning scans the SQL again.
 *
 * Two facts only a run knows are left to it: an embedding model's dimension
 * (learned by one probe call the first time; the rewrite types vectors with
 * it, so `render` gives the same rewrite with the dimensions in), and whether
 * the client's own transaction is open (a write then takes `writeInTransaction`).
 */

import { RvbbitError } from '../../../../base/errors.js';
import type { SqlStatement } from '../../../../grammar/index.js';
import { hasTopLevelLimit, scanSql } from '../../../../grammar/index.js';
import { isQuery, writtenQuery } from '../../../../grammar/statement-kind.js';
import { enumValues, findEnumTemplates } from '../../../cascade/enum-template.js';
import { EMBEDDING_PROXY } from '../../../plan/embedding-proxy.js';
import { type OperatorCatalog, pairPlanOf, type SemanticFunction } from '../../../plan/operator-catalog.js';
import { proxyFor } from '../proxies/proxy.js';
import { embedHooks, embedModels } from '../rewrite/embed-rewrite.js';
import { type LimitWindow, limitWindow, withoutLimit } from '../rewrite/limit-window.js';
import { type CallSite, type Rewritten, rewriteSemantic } from '../rewrite/semantic-rewrite.js';
import { type Split, splitUnionAll } from '../rewrite/union-split.js';
import { DEFAULT_EMBED_MODEL, type SemanticOptions } from './semantic-options.js';

/** What rvbbit.queries.strategy and EXPLAIN say of a write with operators. */
export const WRITE_STRATEGY = 'batch (a write: passes that missed calls rolled back)';
const WRITE_IN_TRANSACTION_STRATEGY =
  'vectorized (a write inside an open transaction cannot run rolled-back record passes)';

export interface EmbedPlan {
  /** The models whose vectors reach SQL (EMBED, SIMILAR_TO, VECTOR_SEARCH). */
  readonly models: ReadonlySet<string>;
  /** SIMILAR_TO's, a pre-filter's and a model-less EMBED's model. */
  readonly defaultModel: string;
  /** Pair predicates (`~`, …) ask only about each left value's k nearest right values (`-- @ prefilter: k`). */
  readonly prefilter: number | undefined;
  /** A relevance order scores only the m texts nearest its topic (`-- @ prefilter: m`). */
  readonly ranking: number | undefined;
}

export type SemanticPath =
  /** A query: record passes until one misses nothing (batch-passes.ts). */
  | { readonly kind: 'batch' }
  /** A write: each record pass in a transaction of its own, committed once one misses nothing (write-passes.ts). */
  | { readonly kind: 'write' }
  /** Embeddings and no operator, outside the batch strategy: record passes fetch them, then it runs once (embed-write.ts). */
  | { readonly kind: 'embeddings-first'; readonly strategy: string }
  /** Calls made from inside DuckDB's function call, one at a time or a chunk at a time (sync-runner.ts). */
  | BlockingPath;

export interface BlockingPath {
  readonly kind: 'blocking';
  /** What rvbbit.queries.strategy says. */
  readonly strategy: string;
  /** What EXPLAIN says (union_all names its branches). */
  readonly explained: string;
  /** One blocking run per DuckDB chunk (vectorized), else one per call. */
  readonly perChunk: boolean;
  /** union_all: the query split in this many branches (union-split.ts). */
  readonly branches?: number;
  /** Calls block the main thread: a session that must stay responsive refuses it (STRATEGY_BLOCKS). */
  readonly blocks: boolean;
  /** Why it blocks, and what to do instead, for that refusal. */
  readonly why: { readonly what: string; readonly instead: string };
}

/**
 * The rewrite and the decisions read off its SQL, made when it is rendered:
 * at planning, and again by `render` once the run knows the embedding
 * dimensions (the SQL then types its vectors, so the window's and the
 * branches' SQL must be cut from that text).
 */
export interface PlannedSql extends Rewritten {
  /**
   * A top-level LIMIT of a query a prefix of its FROM source can meet: the
   * windows the batch passes run over (limit-window.ts); null otherwise.
   */
  readonly limitWindow: LimitWindow | null;
  /**
   * A query with a top-level LIMIT, without it (limit-window.ts withoutLimit): a prefilter plans its
   * pairs over this statement's values before any limited pass (batch-passes.ts); null otherwise.
   */
  readonly unlimitedSql: string | null;
  /** Strategy union_all: the query split into `limits.parallel` branches, or why it cannot be (union-split.ts). */
  readonly unionSplit: Split | undefined;
  /**
   * A write whose effect is one query's rows (CREATE TABLE … AS, INSERT … SELECT, COPY (…) TO):
   * that query, rewritten (grammar/statement-kind.ts writtenQuery). Its record passes run over it,
   * read and let go, and the statement writes once (write-passes.ts); null otherwise.
   */
  readonly writtenSql: string | null;
}

export interface SemanticPlan {
  /** The statement as the user wrote it (spans into their input). */
  readonly stmt: SqlStatement;
  readonly options: SemanticOptions;
  /** The statement's number, which every call of a registered function carries (statement-calls.ts). */
  readonly token: number;
  /** The rewrite; vectors of a model whose dimension the run learns are typed FLOAT[1] until `render`. */
  readonly rewritten: PlannedSql;
  /** The same rewrite with the embedding models' dimensions. */
  render(dims: ReadonlyMap<string, number>): PlannedSql;
  /** Can be run again without side effects (record passes re-run it): grammar/statement-kind.ts isQuery. */
  readonly query: boolean;
  /** It has a LIMIT at the top level: without a window, the batch passes bound each pass's new calls. */
  readonly topLevelLimit: boolean;
  /** The distinct functions it calls, their cascades loaded. */
  readonly functions: readonly SemanticFunction[];
  readonly embed: EmbedPlan | undefined;
  readonly path: SemanticPath;
}

let nextToken = 1;

export async function planSemantic(
  stmt: SqlStatement,
  options: SemanticOptions,
  catalog: OperatorCatalog,
): Promise<SemanticPlan> {
  const defaultModel = options.embedModel ?? DEFAULT_EMBED_MODEL;
  // Checks every embedding construct's arguments (EMBED_BAD_ARGUMENT) before anything else.
  const models = embedModels(stmt, defaultModel);
  const token = nextToken++;
  const hooked = models.size > 0 || options.prefilter !== undefined;
  const query = isQuery(stmt.text);
  const topLevelLimit = hasTopLevelLimit(stmt.text, scanSql(stmt.text).tokens);
  const render = (dims: ReadonlyMap<string, number>): PlannedSql => {
    const rw = rewriteSemantic(
      stmt,
      catalog,
      token,
      options.threshold,
      hooked
        ? embedHooks({
            token,
            dims,
            defaultModel,
            threshold: options.threshold,
            prefilter: options.prefilter,
          })
        : undefined,
    );
    return {
      ...rw,
      // Only a query's batch passes run over windows (a write runs whole).
      limitWindow: query && topLevelLimit ? limitWindow(stmt.text, rw.sql) : null,
      unlimitedSql: query && topLevelLimit ? withoutLimit(rw.sql) : null,
      unionSplit:
        options.strategy === 'union_all' ? splitUnionAll(rw.sql, options.limits.parallel) : undefined,
      writtenSql: query ? null : writtenSqlOf(rw.sql),
    };
  };
  const rewritten = render(new Map());
  // A prefilter applies to the statement's pair predicates (`~`, LLM_FILTER('…', a, b), (a, b) MEANS '…')
  // and its relevance order; with neither, its hooks wrapped nothing and the statement needs no embedding state.
  const prefilter = rewritten.pairPredicates > 0 ? options.prefilter : undefined;
  const ranking = rewritten.rankedOrders > 0 ? options.prefilter : undefined;
  // ENTITY blocks its values by embedding (src/statements/semantic/aggregates/entities.ts).
  const entities = rewritten.sites.some((x) => x.fn.sql.dimension?.mode === 'entities');
  // The embedding proxy (the statement's, or a function's own WITH (proxy = 'embedding', …)) scores
  // rows by the default model's vectors (src/plan/embedding-proxy.ts).
  const embeddingProxy = rewritten.sites.some(
    (x) => proxyFor(x.fn, options.proxy)?.model === EMBEDDING_PROXY,
  );
  const embed =
    models.size > 0 || prefilter !== undefined || ranking !== undefined || entities || embeddingProxy
      ? { models, defaultModel, prefilter, ranking }
      : undefined;
  const functions = [...new Set(rewritten.sites.map((site) => site.fn))];
  await loadCascades(functions, catalog);
  for (const site of rewritten.sites) checkEnumArgs(site);
  return {
    stmt,
    options,
    token,
    rewritten,
    render,
    query,
    topLevelLimit,
    functions,
    embed,
    path: pathOf(rewritten, options, query, embed !== undefined),
  };
}

/** The query a write of the rewritten `sql` writes, or null (grammar/statement-kind.ts writtenQuery). */
function writtenSqlOf(sql: string): string | null {
  const span = writtenQuery(sql);
  return span ? sql.slice(span.start, span.end) : null;
}

/** A write's path when the client's own transaction is open: no transaction of its own can be opened in it. */
export function writeInTransaction(): BlockingPath {
  return {
    kind: 'blocking',
    strategy: WRITE_IN_TRANSACTION_STRATEGY,
    explained: WRITE_IN_TRANSACTION_STRATEGY,
    perChunk: true,
    blocks: true,
    why: {
      what: 'a write with semantic operators inside an open transaction runs its calls one at a time on the main thread',
      instead: 'run it outside BEGIN … COMMIT',
    },
  };
}

function pathOf(rw: PlannedSql, options: SemanticOptions, query: boolean, embeds: boolean): SemanticPath {
  // A dimension finds its labels before any row is labelled: only record passes can do that.
  const dimension = rw.sites.find((x) => x.kind === 'dimension');
  if (dimension && !query) {
    throw new RvbbitError(
      'SEMANTIC_DIMENSION_QUERY',
      `${dimension.word} at line ${dimension.line}, column ${dimension.column} runs only in a query (SELECT, WITH): it discovers its labels in a first pass; write the query's result with CREATE TABLE … AS after it, or use COPY`,
      { line: dimension.line, column: dimension.column },
    );
  }
  const wantsBatch = options.strategy === 'batch' || dimension !== undefined;
  const calls = rw.sites.length > 0;
  if (wantsBatch && query) return { kind: 'batch' };
  if (wantsBatch && calls) return { kind: 'write' };
  const { strategy } = options;
  if (embeds && !calls) {
    return {
      kind: 'embeddings-first',
      strategy: `${strategy} (embeddings fetched by record passes first${query ? '' : ', rolled back'})`,
    };
  }
  const why = {
    what: `strategy ${strategy} runs its calls one at a time on the main thread`,
    instead: 'use the default strategy (batch: same rows, calls in parallel)',
  };
  const split = rw.unionSplit;
  if (split) {
    const { parallel } = options.limits;
    if (split.ok) {
      const explained = `union_all (${parallel} branches on hash(row) % ${parallel})`;
      return {
        kind: 'blocking',
        strategy,
        explained,
        perChunk: false,
        branches: parallel,
        blocks: calls,
        why,
      };
    }
    const fallback = `sequential (union_all cannot split this query: ${split.reason})`;
    return { kind: 'blocking', strategy: fallback, explained: fallback, perChunk: false, blocks: calls, why };
  }
  // A batch-strategy write that calls nothing and embeds nothing has nothing to pass over: it runs once.
  const label = strategy === 'batch' ? WRITE_STRATEGY : strategy;
  return {
    kind: 'blocking',
    strategy: label,
    explained: label,
    perChunk: strategy === 'vectorized',
    blocks: calls,
    why,
  };
}

/**
 * An argument written as a string literal that is the whole `enum` of its
 * cascade's answer (`enum: "{{ input.labels }}"`, CLASSIFY's labels) must
 * list a label: with none the enum is left out and the call answers free
 * text (enum-template.ts), which is no classification.
 */
function checkEnumArgs(site: CallSite): void {
  if (!site.literals) return;
  for (const cell of site.fn.lazy.cascade.cells) {
    if (cell.kind !== 'llm' || !cell.outputSchema) continue;
    for (const t of findEnumTemplates(cell.outputSchema)) {
      const name = t.kind === 'enum' ? /^\{\{\s*input\.(\w+)\s*\}\}$/.exec(t.source)?.[1] : undefined;
      const literal = site.literals.find((l) => l.arg === name);
      if (!literal || enumValues(literal.value).length > 0) continue;
      throw new RvbbitError(
        'E_BAD_AGGREGATE_ARGS',
        `${site.word}: ${literal.arg} '${literal.value}' lists no label: write them comma-separated, such as 'positive, negative'`,
        { line: literal.line, column: literal.column },
      );
    }
  }
}

/**
 * Loads the cascades of the functions a statement calls (and the candidates
 * and block cascades when a pair predicate may take the small-side or block plan, and a condition's split
 * question and CLASSIFY) before it runs; a broken
 * cascade fails the statement here, naming its file and line.
 */
async function loadCascades(fns: readonly SemanticFunction[], catalog: OperatorCatalog): Promise<void> {
  const loads = new Set<Promise<unknown>>();
  for (const fn of fns) {
    loads.add(fn.lazy.load());
    const pairs = pairPlanOf(fn, catalog);
    if (pairs) {
      loads.add(pairs.cascade.load());
      loads.add(catalog.pairBlocks.load());
      if (pairs.kind === 'condition') {
        // The split plan's question and its labeller (pair-split.ts).
        loads.add(catalog.pairSplit.load());
        const classify = catalog.functions.get('classify');
        if (classify) loads.add(classify.lazy.load());
      }
    }
  }
  await Promise.all(loads);
}
