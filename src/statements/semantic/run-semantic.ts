/**
 * Runs a statement that uses semantic operators on the path its plan chose
 * (statements/semantic/semantic-plan.ts; design.md, "Execution strategies"); every strategy
 * gives the same rows.
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
import { RvbbitError } from '../../../base/errors.js';
import { registeredReturns } from '../../plan/operator-catalog.js';
import { runBatch, withHeldTuples } from './batch-passes.js';
import { CallRunner } from './call-runner.js';
import { closeEmbeddings, entityBlocking, openEmbeddings, proxyEmbeddings } from './embed-statement.js';
import { prefetchEmbeddings, runOnce } from './embed-write.js';
import { query } from './pass-query.js';
import { byFunction, type PlanNote, statementExtras, targetOf } from './resolve-tuples.js';
import {
  type BlockingPath,
  type PlannedSql,
  type SemanticPlan,
  WRITE_STRATEGY,
  writeInTransaction,
} from './semantic-plan.js';
import type { SemanticOutcome, SemanticRunContext } from './semantic-run.js';
import { outputValue } from './sql-types.js';
import { closeStatement, openStatement, type StatementCalls, type Tuple } from './statement-calls.js';
import { inExplicitTransaction, runWrite } from './write-passes.js';

export async function runSemantic(plan: SemanticPlan, ctx: SemanticRunContext): Promise<SemanticOutcome> {
  const { engine } = ctx;
  const opts = plan.options;
  const s = openStatement(plan.token, opts.hint);
  let emb: Awaited<ReturnType<typeof openEmbeddings>>;
  let path = plan.path;
  try {
    emb = await openEmbeddings(plan, s, ctx);
    // The one fact of the path only the connection knows: a write cannot open its own transaction in the client's.
    if (path.kind === 'write' && (await inExplicitTransaction(ctx.q))) path = writeInTransaction();
    if (path.kind === 'blocking' && path.blocks && ctx.allowBlocking === false) throw blockingRefused(path);
  } catch (err) {
    // Nothing ran yet: only the statement's state to drop.
    closeEmbeddings(s);
    closeStatement(s);
    throw err;
  }
  const { rewritten } = emb;
  const runner = new CallRunner(ctx, opts.limits, {
    batch: opts.batch,
    runSync:
      path.kind === 'blocking' && path.blocks
        ? (await engine.semantic.syncRunner(engine.llm)).runner
        : undefined,
  });
  // One spend account for the statement: embedding calls add to it, every budget check reads it.
  if (emb.state) emb.state.ctx.spend = runner.spend;
  try {
    let out: Omit<SemanticOutcome, 'calls' | 'cacheHits' | 'cost'>;
    // Outside the batch loop, embeddings are fetched first (embed-write.ts), in record passes.
    const prefetched =
      emb.state && (path.kind === 'blocking' || path.kind === 'embeddings-first')
        ? await prefetchEmbeddings(rewritten.sql, s, emb.state, ctx.q, ctx.params, !plan.query, ctx.signal)
        : 0;
    switch (path.kind) {
      case 'embeddings-first': {
        const result = await runOnce(rewritten.sql, s, ctx.q, ctx.params);
        out = { result, strategy: path.strategy, passes: prefetched + 1, plans: [] };
        break;
      }
      case 'batch':
        out = await runBatch(plan, rewritten, s, runner, ctx, emb.state);
        break;
      case 'write': {
        const more = statementExtras(
          opts.proxy,
          entityBlocking(emb.state, opts.prefilter),
          proxyEmbeddings(emb.state),
        );
        const plans: PlanNote[] = [];
        const written = await runWrite({
          rw: rewritten,
          s,
          runner,
          opts,
          ctx,
          plans,
          more,
          emb: emb.state,
        });
        const { result, passes } = written;
        out = { result, strategy: withHeldTuples(WRITE_STRATEGY, written), passes, plans };
        break;
      }
      case 'blocking':
        out = await runSync(rewritten, path, s, runner, ctx);
        break;
    }
    // Embedding calls count as calls of the statement (they are logged and priced alike).
    const e = emb.state?.counters ?? { calls: 0, cacheHits: 0, cost: 0 };
    const cost = runner.cost === null ? null : runner.cost + e.cost;
    return {
      ...out,
      calls: runner.calls + e.calls,
      cacheHits: runner.cacheHits + e.cacheHits,
      cost,
      ...(runner.overLimits > 0 ? { nullOnFailure: runner.overLimits } : {}),
    };
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
  rw: PlannedSql,
  path: BlockingPath,
  s: StatementCalls,
  runner: CallRunner,
  ctx: SemanticRunContext,
): Promise<Omit<SemanticOutcome, 'calls' | 'cacheHits' | 'cost'>> {
  // union_all: the branches the plan split the rendered query into.
  const split = path.branches === undefined ? undefined : rw.unionSplit;
  const sql = split?.ok ? split.sql : rw.sql;
  s.mode = 'sync';
  s.perChunk = path.perChunk;
  s.sync = (tuples: readonly Tuple[]) => {
    const values = new Map<string, unknown>();
    for (const [fn, ts] of byFunction(tuples)) {
      const outputs = runner.runBlocking(
        targetOf(fn),
        ts.map((t) => t.inputs as Record<string, unknown>),
      );
      ts.forEach((t, i) => {
        values.set(t.key, outputValue(outputs[i], registeredReturns(fn.sql)));
      });
    }
    return tuples.map((t) => values.get(t.key) as ReturnType<typeof outputValue>);
  };
  const result = await query(rw, s, ctx, sql);
  return { result, strategy: path.strategy, passes: 1, plans: [] };
}

/** Why a session that must not block refuses the statement, and what to do instead. */
function blockingRefused(path: BlockingPath): RvbbitError {
  return new RvbbitError(
    'STRATEGY_BLOCKS',
    `${path.why.what}, and while it waits this server answers no other client; ${path.why.instead}, or start the server with --allow-blocking-strategies`,
  );
}
