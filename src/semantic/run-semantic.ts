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
 * LIMIT: a statement whose LIMIT a prefix of its FROM source can meet runs
 * over growing windows of that source (limit-window.ts states the exactness rule);
 * another top-level LIMIT lets a pass record at most a budget of new tuples
 * (a few DuckDB vectors' worth, doubling each pass), so it calls about what
 * DuckDB's chunked evaluation would have, not every row.
 */
import { RvbbitError } from '../../base/errors.js';
import type { SqlStatement } from '../../grammar/index.js';
import type { SemanticOptions } from '../plan/semantic-options.js';
import { type Rewritten, rewriteSemantic } from '../plan/semantic-rewrite.js';
import { splitUnionAll } from '../plan/union-split.js';
import { runBatch } from './batch-passes.js';
import { CallRunner } from './call-runner.js';
import { closeEmbeddings, openEmbeddings, registerEmbedFunctions } from './embed-statement.js';
import { prefetchEmbeddings, runOnce } from './embed-write.js';
import { query } from './pass-query.js';
import { registerFunctions } from './register-functions.js';
import { byFunction, loadCascadesOf, type PlanNote, targetOf } from './resolve-tuples.js';
import type { SemanticOutcome, SemanticRunContext } from './semantic-run.js';
import { outputValue } from './sql-types.js';
import { closeStatement, openStatement, type StatementCalls, type Tuple } from './statement-calls.js';
import {
  inExplicitTransaction,
  runWrite,
  WRITE_IN_TRANSACTION_STRATEGY,
  WRITE_STRATEGY,
} from './write-passes.js';

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
    emb = await openEmbeddings(stmt, s, opts, ctx);
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
  const wantsBatch = opts.strategy === 'batch' || dimension !== undefined;
  // A write runs its record passes in a transaction of its own, which a client's open one rules out.
  const write =
    wantsBatch &&
    !isQuery(rewritten.sql) &&
    rewritten.sites.length > 0 &&
    !(await inExplicitTransaction(ctx.q));
  const batch = wantsBatch && isQuery(rewritten.sql);
  const blocking = !batch && !write && rewritten.sites.length > 0;
  if (blocking && ctx.allowBlocking === false) {
    closeEmbeddings(s);
    closeStatement(s);
    throw blockingRefused(opts.strategy, wantsBatch);
  }
  const runner = new CallRunner(ctx, opts.limits, {
    batch: opts.batch,
    runSync: blocking ? (await engine.semantic.syncRunner(engine.llm)).runner : undefined,
  });
  // One spend account for the statement: embedding calls add to it, every budget check reads it.
  if (emb.state) emb.state.ctx.spend = runner.spend;
  try {
    await loadCascadesOf(
      rewritten.sites.map((site) => site.fn),
      engine.semantic.catalog,
    );
    await ctx.q.run((con) => {
      registerFunctions(ctx.instance, con, engine.semantic.catalog.functions.values());
      if (emb.state) registerEmbedFunctions(ctx.instance, con);
    });
    const base = { calls: 0, cacheHits: 0, cost: 0 };
    let out: Omit<SemanticOutcome, keyof typeof base>;
    // Outside the batch loop, embeddings are fetched first (embed-write.ts), in record passes.
    const prefetched =
      emb.state && !batch && !write
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
    } else if (write) {
      const more = { splits: [], labels: new Map(), ...(opts.proxy ? { proxy: opts.proxy } : {}) };
      const plans: PlanNote[] = [];
      const { result, passes } = await runWrite({
        rw: rewritten,
        s,
        runner,
        opts,
        ctx,
        plans,
        more,
        emb: emb.state,
      });
      out = { result, strategy: WRITE_STRATEGY, passes, plans };
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

async function runSync(
  rw: Rewritten,
  s: StatementCalls,
  runner: CallRunner,
  opts: SemanticOptions,
  ctx: SemanticRunContext,
): Promise<Omit<SemanticOutcome, 'calls' | 'cacheHits' | 'cost'>> {
  let strategy: string = opts.strategy;
  let sql = rw.sql;
  if (opts.strategy === 'batch') strategy = WRITE_IN_TRANSACTION_STRATEGY;
  if (opts.strategy === 'union_all') {
    const split = splitUnionAll(rw.sql, opts.limits.parallel);
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

/** Why a session that must not block refuses the statement, and what to do instead. */
function blockingRefused(strategy: string, wantsBatch: boolean): RvbbitError {
  const what = wantsBatch
    ? 'a write with semantic operators inside an open transaction runs its calls one at a time on the main thread'
    : `strategy ${strategy} runs its calls one at a time on the main thread`;
  const instead = wantsBatch
    ? 'run it outside BEGIN … COMMIT'
    : 'use the default strategy (batch: same rows, calls in parallel)';
  return new RvbbitError(
    'STRATEGY_BLOCKS',
    `${what}, and while it waits this server answers no other client; ${instead}, or start the server with --allow-blocking-strategies`,
  );
}
