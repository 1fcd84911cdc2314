/**
 * Runs a statement that uses semantic operators on the path its plan chose
 * (statements/semantic/plan/semantic-plan.ts; design.md, "Execution strategies"); every strategy
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

import { RvbbitError } from '../../../../base/errors.js';
import type { ResultColumn } from '../../../db/query-result.js';
import { registeredReturns } from '../../../plan/operator-catalog.js';
import { CallRunner } from '../calls/call-runner.js';
import { statementPacking } from '../cost/packing.js';
import { describePairSplit } from '../pairs/pair-split.js';
import {
  byFunction,
  type PlanNote,
  pairSplitExtras,
  statementExtras,
  targetOf,
} from '../plan/resolve-tuples.js';
import {
  type BlockingPath,
  type PlannedSql,
  type SemanticPlan,
  WRITE_STRATEGY,
  writeInTransaction,
} from '../plan/semantic-plan.js';
import { proxyPriceRatios } from '../proxies/proxy-payoff.js';
import { outputValue } from '../state/sql-types.js';
import {
  closeStatement,
  openStatement,
  passMissed,
  type StatementCalls,
  startPass,
  type Tuple,
} from '../state/statement-calls.js';
import { runBatch, withHeldTuples } from './batch-passes.js';
import { closeEmbeddings, entityBlocking, openEmbeddings, proxyEmbeddings } from './embed-statement.js';
import { prefetchEmbeddings, runOnce } from './embed-write.js';
import { drain, query, streamPass } from './pass-query.js';
import type { SemanticOutcome, SemanticRunContext } from './semantic-run.js';
import { inExplicitTransaction, runWrite } from './write-passes.js';

export async function runSemantic(plan: SemanticPlan, ctx: SemanticRunContext): Promise<SemanticOutcome> {
  const run = await openRun(plan, ctx);
  const { s, runner, emb, path } = run;
  const { rewritten } = emb;
  const opts = plan.options;
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
          pairSplitExtras(opts, plan.topLevelLimit, ctx.engine.llm),
          proxyPriceRatios(ctx.engine.llm, opts.limits.model),
        );
        const plans: PlanNote[] = [];
        const written = await runWrite(
          {
            rw: rewritten,
            s,
            runner,
            opts,
            ctx,
            plans,
            more,
            emb: emb.state,
          },
          rewritten.writtenSql,
        );
        const { result, passes } = written;
        out = {
          result,
          strategy: [withHeldTuples(WRITE_STRATEGY, written), ...more.pairSplits.map(describePairSplit)].join(
            '; ',
          ),
          passes,
          plans,
        };
        break;
      }
      case 'blocking':
        out = await runSync(rewritten, path, s, runner, ctx);
        break;
    }
    return { ...out, ...totalsOf(run) };
  } catch (err) {
    throw runError(err, run, ctx);
  } finally {
    await closeRun(run);
  }
}

/**
 * Whether the statement's rows can stream out of DuckDB: a query on the batch
 * path without a top-level LIMIT (a LIMIT's passes run over windows, and the
 * pass that answers it is known only once it has run).
 */
export function streamsRows(plan: SemanticPlan): boolean {
  return plan.path.kind === 'batch' && plan.query && !plan.topLevelLimit;
}

/**
 * A `streamsRows` statement's rows as they come: its record passes run with
 * their rows let go chunk by chunk, until one misses nothing; then, every
 * answer known, the statement runs once more and its rows stream out of
 * DuckDB a chunk at a time, never the whole result in JavaScript. Ends with
 * the statement's totals. That last run asks for no new call when the rows
 * depend only on the answers; one that does (random(), say) fails the
 * statement rather than give rows with NULLs in place of answers.
 */
export async function* streamSemantic(
  plan: SemanticPlan,
  ctx: SemanticRunContext,
  onColumns?: (columns: readonly ResultColumn[]) => void,
): AsyncGenerator<Record<string, unknown>[], Omit<SemanticOutcome, 'result'>> {
  const run = await openRun(plan, ctx);
  const { s, runner, emb } = run;
  const { rewritten } = emb;
  try {
    const out = await runBatch(plan, rewritten, s, runner, ctx, emb.state, (sql) =>
      drain(rewritten, s, ctx, sql),
    );
    startPass(s);
    yield* streamPass(rewritten, s, ctx, rewritten.sql, true, onColumns);
    if (passMissed(s))
      throw new RvbbitError(
        'ENGINE_ERROR',
        `the statement's rows asked for ${s.recorded.size + s.pastBudget + s.missed.size} new operator calls after every call was answered: they depend on more than the answers (random(), a sample?); run it with engine.query`,
      );
    const { result: _, ...rest } = out;
    return { ...rest, ...totalsOf(run) };
  } catch (err) {
    throw runError(err, run, ctx);
  } finally {
    await closeRun(run);
  }
}

/** What a run opens: the statement's call state, its embeddings, its call runner, the path it takes. */
interface SemanticRunState {
  readonly s: StatementCalls;
  readonly emb: Awaited<ReturnType<typeof openEmbeddings>>;
  readonly runner: CallRunner;
  readonly path: SemanticPlan['path'];
}

async function openRun(plan: SemanticPlan, ctx: SemanticRunContext): Promise<SemanticRunState> {
  const { engine } = ctx;
  const opts = plan.options;
  const s = openStatement(plan.token, opts.hint, opts.answersInMemory);
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
  const runner = new CallRunner(ctx, opts.limits, {
    packing: statementPacking(opts, engine),
    learnedWindows: engine.semantic.learnedWindows,
    runSync:
      path.kind === 'blocking' && path.blocks
        ? (await engine.semantic.syncRunner(engine.llm)).runner
        : undefined,
  });
  // One spend account for the statement: embedding calls add to it, every budget check reads it.
  if (emb.state) emb.state.ctx.spend = runner.spend;
  return { s, emb, runner, path };
}

/** The run's calls, cache hits and cost; embedding calls count as calls of the statement (logged and priced alike). */
function totalsOf({ runner, emb }: SemanticRunState) {
  const e = emb.state?.counters ?? { calls: 0, cacheHits: 0, cost: 0 };
  const cost = runner.cost === null ? null : runner.cost + e.cost;
  return {
    calls: runner.calls + e.calls,
    cacheHits: runner.cacheHits + e.cacheHits,
    cost,
    ...(runner.overLimits > 0 ? { nullOnFailure: runner.overLimits } : {}),
  };
}

/** Cancelled calls fail as data in the workers; the statement's error is the cancellation. */
function runError(err: unknown, { runner }: SemanticRunState, ctx: SemanticRunContext): unknown {
  if (!ctx.signal?.aborted) return err;
  return new RvbbitError(
    'CANCELLED',
    `statement cancelled after ${runner.calls} operator calls`,
    {},
    { cause: err },
  );
}

async function closeRun({ s, runner }: SemanticRunState): Promise<void> {
  closeEmbeddings(s);
  closeStatement(s);
  await runner.flush();
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
