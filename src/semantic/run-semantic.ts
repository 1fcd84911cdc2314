/**
 * Runs a SELECT that uses semantic operators, by strategy (design.md,
 * "Execution strategies"); every strategy gives the same rows.
 *
 * batch, the exactness rule: the query runs in record mode (a miss is
 * recorded and answered NULL), the recorded tuples run on the pool, and the
 * query runs again, until a pass has no miss; that pass's rows are the
 * answer. Calls are exactly the distinct tuples some pass asked for: the
 * tuples sequential evaluation asks for, plus tuples reached only because a
 * NULL placeholder sent a short-circuit (OR, CASE, COALESCE) the other way
 * that the real answer would have skipped.
 *
 * LIMIT: a statement whose LIMIT a prefix of one table can meet runs over
 * growing windows of that table (limit-window.ts states the exactness rule);
 * another top-level LIMIT lets a pass record at most a budget of new tuples
 * (a few DuckDB vectors' worth, doubling each pass), so it calls about what
 * DuckDB's chunked evaluation would have, not every row.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { hasTopLevelLimit, type SqlStatement, scanSql } from '../../grammar/index.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { duckdbError } from '../db/duckdb-error.js';
import { type QueryResult, readResult, readUserResult } from '../db/query-result.js';
import {
  closeEmbeddings,
  type EmbedStatement,
  openEmbeddings,
  registerEmbedFunctions,
  resolveEmbeddings,
} from '../embed/embed-statement.js';
import { prefetchEmbeddings, runOnce } from '../embed/embed-write.js';
import { errorMessage, RvbbitError } from '../errors.js';
import type { Progress } from '../exec/progress.js';
import type { SemanticOptions } from '../plan/semantic-options.js';
import { type CallSite, type Rewritten, registeredName, rewriteSemantic } from '../plan/semantic-rewrite.js';
import { splitUnionAll } from '../plan/union-split.js';
import { CallRunner } from './call-runner.js';
import { describeLabels } from './dimension.js';
import { limitWindow } from './limit-window.js';
import { describeSplit, type ProxySplit } from './proxy.js';
import { registerFunctions } from './register-functions.js';
import {
  byFunction,
  loadCascadesOf,
  type PlanNote,
  resolveTuples,
  type StatementExtras,
  targetOf,
} from './resolve-tuples.js';
import type { SemanticEngine } from './semantic-engine.js';
import { outputValue } from './sql-types.js';
import {
  closeStatement,
  openStatement,
  type StatementCalls,
  startPass,
  type Tuple,
} from './statement-calls.js';

export interface SemanticRunContext {
  readonly engine: SemanticEngine;
  readonly q: ConnectionQueue;
  readonly params: DuckDBValue[] | undefined;
  readonly queryId: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
}

export interface SemanticOutcome {
  readonly result: QueryResult;
  /** The strategy that ran, with a note when it differs from the one asked for. */
  readonly strategy: string;
  readonly calls: number;
  readonly cacheHits: number;
  readonly cost: number | null;
  readonly passes: number;
  readonly plans: readonly PlanNote[];
}

/** First pass budget with a top-level LIMIT: a few DuckDB vectors' worth of new tuples. */
const FIRST_BUDGET = 2048;

/** True when the statement can be run more than once without side effects (record passes re-run it). */
export function isQuery(sql: string): boolean {
  return /^\s*(\(\s*)*(SELECT|WITH|FROM|VALUES|TABLE)\b/i.test(sql);
}

export async function runSemantic(
  stmt: SqlStatement,
  opts: SemanticOptions,
  ctx: SemanticRunContext,
): Promise<SemanticOutcome> {
  const { engine } = ctx;
  const s = openStatement(opts.hint);
  let emb: Awaited<ReturnType<typeof openEmbeddings>> = {};
  let rewritten: Rewritten;
  try {
    emb = await openEmbeddings(stmt, s, engine, opts, { queryId: ctx.queryId, signal: ctx.signal });
    rewritten = rewriteSemantic(stmt, engine.semantic.catalog, s.token, opts.threshold, emb.hooks);
  } catch (err) {
    // Nothing ran yet: only the statement's state to drop.
    closeEmbeddings(s);
    closeStatement(s);
    throw err;
  }
  // A dimension finds its labels before any row is labelled: only record passes can do that.
  const dimension = rewritten.sites.find((x) => x.kind === 'dimension');
  if (dimension && !isQuery(rewritten.sql)) {
    closeEmbeddings(s);
    closeStatement(s);
    throw new RvbbitError(
      'SEMANTIC_DIMENSION_QUERY',
      `${dimension.word} at line ${dimension.line}, column ${dimension.column} runs only in a query (SELECT, WITH): it discovers its labels in a first pass; write the query's result with CREATE TABLE … AS after it, or use COPY`,
      { line: dimension.line, column: dimension.column },
    );
  }
  const batch = (opts.strategy === 'batch' || dimension !== undefined) && isQuery(rewritten.sql);
  const runner = new CallRunner({
    pool: engine.pool(),
    cache: engine.cache,
    logs: engine.logs,
    queryId: ctx.queryId,
    instance: engine.instance,
    parallel: opts.parallel,
    model: opts.model,
    cacheTtl: opts.cacheTtl,
    budgetDollars: opts.budgetDollars,
    budgetTokens: opts.budgetTokens,
    timeoutMs: opts.timeoutMs,
    retries: opts.retries,
    batch: opts.batch,
    signal: ctx.signal,
    onProgress: ctx.onProgress,
    runSync:
      batch || rewritten.sites.length === 0
        ? undefined
        : (await engine.semantic.syncRunner(engine.llm)).runner,
  });
  // One spend account for the statement: embedding calls add to it, every budget check reads it.
  if (emb.state) emb.state.ctx.spend = runner.spend;
  try {
    await loadCascadesOf(
      rewritten.sites.map((site) => site.fn),
      engine.semantic.catalog,
    );
    await ctx.q.run((con) => {
      registerFunctions(engine.instance, con, engine.semantic.catalog.functions.values());
      if (emb.state) registerEmbedFunctions(engine.instance, con);
    });
    const base = { calls: 0, cacheHits: 0, cost: 0 };
    let out: Omit<SemanticOutcome, keyof typeof base>;
    // Outside the batch loop, embeddings are fetched first (embed-write.ts), in record passes.
    const prefetched =
      emb.state && !batch
        ? await prefetchEmbeddings(
            rewritten.sql,
            s,
            emb.state,
            ctx.q,
            ctx.params,
            !isQuery(rewritten.sql),
            ctx.signal,
          )
        : 0;
    if (emb.state && !batch && rewritten.sites.length === 0) {
      const result = await runOnce(rewritten.sql, s, ctx.q, ctx.params);
      out = {
        result,
        strategy: `${opts.strategy} (embeddings fetched by record passes first${isQuery(rewritten.sql) ? '' : ', rolled back'})`,
        passes: prefetched + 1,
        plans: [],
      };
    } else if (batch) {
      out = await runBatch(stmt, rewritten, s, runner, opts, ctx, emb.state);
    } else {
      out = await runSync(rewritten, s, runner, opts, ctx);
    }
    // Embedding calls count as calls of the statement (they are logged and priced alike).
    const e = emb.state?.counters ?? { calls: 0, cacheHits: 0, cost: 0 };
    const cost = runner.cost === null ? null : runner.cost + e.cost;
    return { ...out, calls: runner.calls + e.calls, cacheHits: runner.cacheHits + e.cacheHits, cost };
  } catch (err) {
    // Cancelled calls fail as data in the workers; the statement's error is the cancellation.
    if (ctx.signal?.aborted) {
      throw new RvbbitError(
        'CANCELLED',
        `statement cancelled after ${runner.calls} operator calls`,
        {},
        { cause: err },
      );
    }
    throw err;
  } finally {
    closeEmbeddings(s);
    closeStatement(s);
    await runner.flush();
  }
}

async function runBatch(
  stmt: SqlStatement,
  rw: Rewritten,
  s: StatementCalls,
  runner: CallRunner,
  opts: SemanticOptions,
  ctx: SemanticRunContext,
  emb?: EmbedStatement,
): Promise<Omit<SemanticOutcome, 'calls' | 'cacheHits' | 'cost'>> {
  const more: StatementExtras = {
    splits: [],
    labels: new Map(),
    ...(opts.proxy ? { proxy: opts.proxy } : {}),
  };
  const p: PassContext = { rw, s, runner, opts, ctx, plans: [], more, emb };
  const done = (result: QueryResult, strategy: string, passes: number) => ({
    result,
    strategy: [
      withSplits(strategy, more.splits, opts.model ?? ctx.engine.llm.defaultModel),
      ...describeLabels(more.labels),
    ].join('; '),
    passes,
    plans: p.plans,
  });
  let passes = 0;
  const window = limitWindow(stmt.text, rw.sql);
  if (window) {
    const total = await tableRows(window.table, ctx);
    for (let rows = Math.max(2 * window.wanted, opts.parallel); rows < total; rows *= 2) {
      const out = await recordUntilAnswered(window.sql(rows), p);
      passes += out.passes;
      if (out.result.rows.length >= window.limit) {
        return done(out.result, `batch (LIMIT met from the first ${rows} rows)`, passes);
      }
    }
  } else if (hasTopLevelLimit(stmt.text, scanSql(stmt.text).tokens)) {
    s.budget = Math.max(FIRST_BUDGET, opts.parallel * 4);
  }
  const out = await recordUntilAnswered(rw.sql, p);
  return done(out.result, 'batch', passes + out.passes);
}

type FunctionSplit = ProxySplit & { readonly fn: string };

/** The strategy with each function's proxy split, summed over passes. */
function withSplits(strategy: string, splits: readonly FunctionSplit[], model: string): string {
  if (splits.length === 0) return strategy;
  const byFn = new Map<string, FunctionSplit>();
  for (const x of splits) {
    const was = byFn.get(x.fn);
    byFn.set(x.fn, was ? { ...x, tuples: was.tuples + x.tuples, kept: was.kept + x.kept } : x);
  }
  return `${strategy}; ${[...byFn.values()].map((x) => describeSplit(x.fn, x, model)).join('; ')}`;
}

/** Rows in the window's table (a windowed run stops growing once it covers them). */
async function tableRows(table: string, ctx: SemanticRunContext): Promise<number> {
  try {
    const r = await ctx.q.run((con) => readResult(con, `SELECT count(*)::DOUBLE AS n FROM ${table}`));
    return Number((r.rows[0] as { n: number }).n);
  } catch {
    return 0; // not countable (a table function, say): run unwindowed
  }
}

/** What every record pass of a statement shares. */
interface PassContext {
  readonly rw: Rewritten;
  readonly s: StatementCalls;
  readonly runner: CallRunner;
  readonly opts: SemanticOptions;
  readonly ctx: SemanticRunContext;
  readonly plans: PlanNote[];
  readonly more: StatementExtras;
  readonly emb?: EmbedStatement;
}

/** Record passes over `sql` until one misses nothing; that pass's rows are the answer. */
async function recordUntilAnswered(
  sql: string,
  p: PassContext,
): Promise<{ result: QueryResult; passes: number }> {
  const { rw, s, runner, ctx, plans, emb, more } = p;
  for (let pass = 1; ; pass++) {
    startPass(s);
    const result = await query(rw, s, ctx, sql);
    if (s.missed.size === 0) return { result, passes: pass };
    // Texts to embed and a prefilter to plan are misses too: they are resolved first, then the tuples.
    const embedded = emb ? await resolveEmbeddings(emb) : false;
    if (s.recorded.size === 0 && embedded) continue;
    if (s.recorded.size === 0)
      throw new RvbbitError('ENGINE_ERROR', 'a record pass missed calls but recorded none');
    if (s.recorded.size < s.missed.size) s.budget *= 2;
    ctx.signal?.throwIfAborted();
    const answers = await resolveTuples(
      s.recorded.values(),
      runner,
      ctx.engine.semantic.catalog,
      ctx.engine.semantic.smallSideLimit,
      s.hint,
      plans,
      more,
    );
    for (const [k, v] of answers) s.results.set(k, v);
  }
}

async function runSync(
  rw: Rewritten,
  s: StatementCalls,
  runner: CallRunner,
  opts: SemanticOptions,
  ctx: SemanticRunContext,
): Promise<Omit<SemanticOutcome, 'calls' | 'cacheHits' | 'cost'>> {
  let strategy: string = opts.strategy;
  let sql = rw.sql;
  if (opts.strategy === 'batch')
    strategy = 'vectorized (batch re-runs the statement; this one has side effects)';
  if (opts.strategy === 'union_all') {
    const split = splitUnionAll(rw.sql, opts.parallel);
    if (split.ok) sql = split.sql;
    else strategy = `sequential (union_all cannot split this query: ${split.reason})`;
  }
  s.mode = 'sync';
  s.perChunk = strategy.startsWith('vectorized');
  s.sync = (tuples: readonly Tuple[]) => {
    const values = new Map<string, unknown>();
    for (const [fn, ts] of byFunction(tuples)) {
      const outputs = runner.runBlocking(
        targetOf(fn),
        ts.map((t) => t.inputs as Record<string, unknown>),
      );
      ts.forEach((t, i) => {
        values.set(t.key, outputValue(outputs[i], fn.sql.returns));
      });
    }
    return tuples.map((t) => values.get(t.key) as ReturnType<typeof outputValue>);
  };
  const result = await query(rw, s, ctx, sql);
  return { result, strategy, passes: 1, plans: [] };
}

/** One pass; an error raised inside a semantic function is rethrown as itself, a type error with the operator's position. */
async function query(
  rw: Rewritten,
  s: StatementCalls,
  ctx: SemanticRunContext,
  sql: string,
): Promise<QueryResult> {
  try {
    return await ctx.q.run((con) => readUserResult(con, sql, ctx.params));
  } catch (err) {
    if (s.error !== undefined) throw s.error;
    throw operandTypeError(err, rw.sites) ?? duckdbError(err);
  }
}

/** DuckDB's "No function matches rvbbit_semantic_means(INTEGER, …)" as the operator's own error. */
function operandTypeError(err: unknown, sites: readonly CallSite[]): RvbbitError | null {
  const msg = errorMessage(err);
  const m = /argument types '(rvbbit_\w+)\(([^)]*)\)'/.exec(msg);
  if (!m) return null;
  const site = sites.find((x) => registeredName(x.fn.name) === m[1]);
  if (!site) return null;
  const got = m[2]!
    .split(',')
    .slice(1)
    .map((t) => t.trim());
  const want = site.fn.sql.args.map((a) => `${a.name} ${a.type}`);
  return new RvbbitError(
    'SEMANTIC_OPERAND_TYPE',
    `${site.word} at line ${site.line}, column ${site.column} takes (${want.join(', ')}) but got (${got.join(', ')}); cast the operand, e.g. CAST(x AS VARCHAR)`,
    { line: site.line, column: site.column, function: site.fn.name },
  );
}
