/**
 * The batch strategy's passes (run-semantic.ts states the exactness rule):
 * record passes until one misses nothing, over growing windows of the source
 * when a prefix can meet the statement's LIMIT (limit-window.ts), the misses
 * of each pass answered on the pool (resolve-tuples.ts), with the proxy
 * splits and dimension labels the statement found reported in its strategy.
 */

import { RvbbitError } from '../../../../base/errors.js';
import { type QueryResult, readResult, readUserResult } from '../../../db/query-result.js';
import { mostPerPrompt } from '../../../plan/auto-pack-max.js';
import { sameFunction } from '../../../plan/operator-catalog.js';
import { describeLabels } from '../aggregates/dimension.js';
import { describeEntities } from '../aggregates/entities.js';
import type { CallRunner } from '../calls/call-runner.js';
import { describePairSplit } from '../pairs/pair-split.js';
import { PAIRS_PAST_BUDGET } from '../pairs/prefilter-state.js';
import { pairSplitExtras, statementExtras } from '../plan/resolve-tuples.js';
import type { SemanticOptions } from '../plan/semantic-options.js';
import type { PlannedSql, SemanticPlan } from '../plan/semantic-plan.js';
import { describeSplit, guaranteeColumns, type ProxySplit, proxyFor } from '../proxies/proxy.js';
import { proxyPriceRatios } from '../proxies/proxy-payoff.js';
import type { LimitWindow } from '../rewrite/limit-window.js';
import type { Rewritten } from '../rewrite/semantic-rewrite.js';
import { missesLeftOver, passMissed, type StatementCalls, startPass } from '../state/statement-calls.js';
import { TupleSpill } from '../state/tuple-spill.js';
import {
  type EmbedStatement,
  entityBlocking,
  proxyEmbeddings,
  resolveEmbeddings,
} from './embed-statement.js';
import { type AskContext, answerInRounds, answerRecorded } from './held-rounds.js';
import { query } from './pass-query.js';
import type { SemanticOutcome, SemanticRunContext } from './semantic-run.js';

/** First pass budget with a top-level LIMIT: a few DuckDB vectors' worth of new tuples. */
const FIRST_BUDGET = 2048;

export async function runBatch(
  plan: SemanticPlan,
  rw: PlannedSql,
  s: StatementCalls,
  runner: CallRunner,
  ctx: SemanticRunContext,
  emb?: EmbedStatement,
  runPass?: PassContext['runPass'],
): Promise<Omit<SemanticOutcome, 'calls' | 'cacheHits' | 'cost'>> {
  const opts = plan.options;
  const more = statementExtras(
    opts.proxy,
    entityBlocking(emb, opts.prefilter),
    proxyEmbeddings(emb),
    pairSplitExtras(opts, plan.topLevelLimit, ctx.engine.llm),
    proxyPriceRatios(ctx.engine.llm, opts.limits.model),
  );
  const p: PassContext = { rw, s, runner, opts, ctx, plans: [], more, emb, ...(runPass ? { runPass } : {}) };
  const done = (result: QueryResult, strategy: string, passes: number) => ({
    result,
    strategy: [
      withSplits(strategy, more.splits, opts.limits.model ?? ctx.engine.llm.defaultModel),
      ...more.pairSplits.map(describePairSplit),
      ...describeLabels(more.labels),
      ...describeEntities(more.entities),
    ].join('; '),
    passes,
    plans: p.plans,
    ...guaranteeOf(more.splits),
  });
  let passes = 0;
  let window = rw.limitWindow;
  const prefiltered = emb !== undefined && (emb.prefilter !== undefined || emb.ranking !== undefined);
  if (prefiltered && plan.topLevelLimit) {
    // A prefilter keeps each left value's k nearest right values among all the statement's values
    // (prefilter.ts). A limited pass reads only some rows (a window's, or those DuckDB scanned before
    // the LIMIT stopped it): pairs planned over their values may be pairs the unlimited statement
    // prunes, and a LIMIT would return rows the statement without it does not. So the pairs are
    // planned first, over one record pass of the statement without its LIMIT; the limited passes
    // then meet values that plan has seen, and ask about the very pairs the unlimited run would.
    if (rw.unlimitedSql === null) window = null;
    else passes += await planPrefiltersWhole(rw.unlimitedSql, p, emb);
  }
  if (window && (await windowApplies(window, s, ctx))) {
    for (let j = 0; ; j++) {
      const rows = windowRows(window, opts, j);
      // A window holding every row of the source is the statement itself: run that.
      const have = await sourceRows(window, rows + 1, ctx);
      if (have === null || have <= rows) break;
      const out = await recordUntilAnswered(window.sql(rows), p);
      passes += out.passes;
      if (out.result.rows.length >= window.limit) {
        // Ordered: exact unless rows tie where the LIMIT cuts (DuckDB's ORDER BY is not stable): run whole.
        if (window.orderBy !== undefined && !(await tiesAside(window, rows, p))) break;
        const order = window.orderBy === undefined ? '' : ` in ORDER BY ${window.orderBy}`;
        return done(out.result, `batch (LIMIT met from the first ${rows} rows${order})`, passes);
      }
    }
  } else if (plan.topLevelLimit) {
    s.budget = firstPassBudget(opts);
    // A LIMIT's budget stops a pass asking rows the LIMIT may not need: its misses past it are not spilled.
    const out = await recordUntilAnswered(rw.sql, { ...p, spills: false });
    return done(out.result, withHeldTuples('batch', out), passes + out.passes);
  }
  const out = await recordUntilAnswered(rw.sql, p);
  return done(out.result, withHeldTuples('batch', out), passes + out.passes);
}

/** The strategy with how the statement's tuples were held, when a pass held all it may. */
export function withHeldTuples(strategy: string, out: Passes): string {
  if (out.spilled > 0)
    return `${strategy} (at most ${out.heldPerPass} tuples held at once, ${out.spilled} more asked from a spill file: ${out.passes} passes)`;
  if (out.fullPasses === 0) return strategy;
  return `${strategy} (at most ${out.heldPerPass} tuples held per pass: ${out.passes} passes)`;
}

/** How a statement's record passes went. */
export interface Passes {
  readonly passes: number;
  /** Passes that held `heldPerPass` tuples and left others for a later pass (a LIMIT's budget: none spilled). */
  readonly fullPasses: number;
  readonly heldPerPass: number;
  /** Distinct tuples asked from the passes' spill files (past `heldPerPass` in a pass). */
  readonly spilled: number;
}

/**
 * The distinct tuples one record pass of this statement may hold waiting for
 * their answers, or Infinity. Bounded only when every operator answers each
 * tuple on its own, so that answering them in several passes makes the same
 * calls with the same answers: not a pair predicate (its plan, pairwise,
 * blocks or small side, is chosen over all of a pass's pairs), a dimension or
 * entity (labels and clusters are found over the values met together), a
 * proxy (its thresholds and guarantee sample are drawn from the pass's
 * tuples), or embeddings (a prefilter plans over the values a pass met).
 */
export function tuplesPerPassOf(p: PassContext): number {
  const { rw, opts, emb, ctx } = p;
  if (emb !== undefined) return Number.POSITIVE_INFINITY;
  for (const site of rw.sites) {
    const fn = site.fn;
    // A pair site's function may be a one-value operator's too (`(a, b) MEANS '…'`): the site says.
    if (site.pair || fn === sameFunction(ctx.engine.semantic.catalog)) return Number.POSITIVE_INFINITY;
    if (fn.sql.shape === 'dimension' || fn.sql.dimension !== undefined) return Number.POSITIVE_INFINITY;
    if (proxyFor(fn, opts.proxy) !== undefined) return Number.POSITIVE_INFINITY;
  }
  return opts.tuplesPerPass;
}

/** New calls the first pass of a LIMIT met pass by pass may record (EXPLAIN counts its calls). */
export function firstPassBudget(opts: SemanticOptions): number {
  return Math.max(FIRST_BUDGET, opts.limits.parallel * 4);
}

/**
 * Rows of LIMIT window `j` (0, 1, …) per windowed item, the one schedule of
 * the run's windows and EXPLAIN's (which counts each window's calls). The
 * first: enough that the window holds twice the rows wanted, at least
 * PARALLEL, as rows of one source or as combinations of n joined items (w²
 * pairs of a self-join); then twice as many rows, each time, of each item.
 * A pre-filtered pair predicate windows its left item alone, each row with
 * its k kept pairs (limit-window.ts): its window j holds the left rows window
 * j of the n paired items would hold without the prefilter (w, of each), or
 * as many as ask its w^n pairs, k a row, when that is more (×4 a step for
 * two items, not ×2). So when the prefilter prunes no pair the condition
 * holds for, each window holds every match the window without it holds (its
 * left rows are among these, each with all its kept pairs), and the LIMIT is
 * met in no more windows; with one ORDER BY item the windows are the very
 * rows, and the rows come back the same, in the same order. Each window's
 * kept pairs share prompts (pair-plan.ts: the small side packed, a left row's
 * candidate list a task), so a window's calls go by whole prompts: it is
 * rounded up to fill them (mostPerPrompt: the statement's batch, or the
 * automatic pack's largest), a prompt's rows then costing their own tokens
 * and no call. Measured on a 200 × 100 review join (docs/semantic-sql.md):
 * at `LIMIT 30` the first 29 left rows hold the matches; windows of 8, 26 and
 * 103 rows made 1 + 2 + 5 calls, windows of 16 and 32 make 1 + 1, as many as
 * the windows without the prefilter. Unpacked (`-- @ batch: 1`) they go by
 * left rows, one small side call each: there the windows stay the fewest left
 * rows that ask twice LIMIT + OFFSET kept pairs, k a row, doubling.
 */
export function windowRows(window: LimitWindow, opts: SemanticOptions, j: number): number {
  const combinations = Math.max(2 * window.wanted, opts.limits.parallel);
  const k = window.prefilterLeft ? opts.prefilter : undefined;
  // One small side call a left row (`-- @ batch: 1`): a window's calls are its rows, so it grows as few as it may.
  if (k !== undefined && opts.batch === 1) return Math.max(1, Math.ceil(combinations / k)) * 2 ** j;
  const n = k === undefined ? window.items : (window.pairedItems ?? 1);
  const rows = Math.max(1, Math.ceil(combinations ** (1 / n) - 1e-9)) * 2 ** j;
  if (k === undefined) return rows;
  // The paired items' window: its rows of each, rows^n pairs (k per left row here), whichever holds more left rows,
  // in whole prompts of left rows' candidate lists.
  const perPrompt = mostPerPrompt(opts.batch);
  return Math.ceil(Math.max(rows, Math.ceil(rows ** n / k)) / perPrompt) * perPrompt;
}

type FunctionSplit = ProxySplit & { readonly fn: string };

/** The statement's guarantee columns (rvbbit.queries), when a proxy with targets ran. */
function guaranteeOf(splits: readonly FunctionSplit[]) {
  const g = guaranteeColumns(splits);
  return g ? { guarantee: g } : {};
}

/**
 * The later pass's record with the named counts added to the earlier's (a count
 * one side lacks counts 0; a count neither has stays absent). Either record
 * missing: the other one.
 */
function summedCounts<T extends object>(
  earlier: T | undefined,
  later: T | undefined,
  counts: readonly (keyof T)[],
) {
  if (!earlier || !later) return later ?? earlier;
  const out: Record<keyof T, unknown> = { ...later };
  for (const k of counts) {
    const a = earlier[k] as number | undefined;
    const b = later[k] as number | undefined;
    if (a !== undefined || b !== undefined) out[k] = (a ?? 0) + (b ?? 0);
  }
  return out as T;
}

/** Two passes' splits of one function as one: counts summed, the later pass's thresholds (each pass learns its own). */
function merged(was: FunctionSplit, x: FunctionSplit): FunctionSplit {
  const scored = summedCounts(was.scored, x.scored, ['logprobs', 'self-reported']);
  const guarantee = summedCounts(was.guarantee, x.guarantee, ['draws', 'sampled', 'positives', 'agreed']);
  const embedding = summedCounts(was.embedding, x.embedding, ['texts', 'calls', 'cacheHits']);
  return {
    ...summedCounts(was, x, ['tuples', 'kept'])!,
    ...(embedding ? { embedding } : {}),
    ...(scored ? { scored } : {}),
    ...(guarantee ? { guarantee } : {}),
  };
}

/** The strategy with each function's proxy split, summed over passes. */
function withSplits(strategy: string, splits: readonly FunctionSplit[], model: string): string {
  if (splits.length === 0) return strategy;
  const byFn = new Map<string, FunctionSplit>();
  for (const x of splits) {
    const was = byFn.get(x.fn);
    byFn.set(x.fn, was ? merged(was, x) : x);
  }
  return `${strategy}; ${[...byFn.values()].map((x) => describeSplit(x.fn, x, model)).join('; ')}`;
}

/**
 * The checks limit-window.ts leaves to DuckDB: the window binds (a table's
 * `rowid`, say, is not a column of the window), the statement over an empty
 * window returns no row (an aggregate without GROUP BY returns one), and the
 * source's rows can be counted. Semantic calls over no rows record nothing
 * that the next pass keeps (`startPass`).
 */
export async function windowApplies(
  window: LimitWindow,
  s: StatementCalls,
  ctx: SemanticRunContext,
): Promise<boolean> {
  try {
    const empty = await ctx.q.run((con) => readUserResult(con, window.sql(0), ctx.params));
    return empty.rows.length === 0 && (await sourceRows(window, 1, ctx)) !== null;
  } catch {
    s.error = undefined;
    return false;
  }
}

/** Rows of the window's source, counted up to `atMost`; null if DuckDB cannot count them. */
export async function sourceRows(
  window: LimitWindow,
  atMost: number,
  ctx: SemanticRunContext,
): Promise<number | null> {
  try {
    const r = await ctx.q.run((con) => readResult(con, window.countSql(atMost)));
    return Number((r.rows[0] as { n: number }).n);
  } catch {
    return null;
  }
}

/**
 * True when the rows an ordered window returned, and their order, cannot
 * depend on how DuckDB orders rows tied on every ORDER BY key (its ORDER BY
 * "may not use a stable algorithm": tied rows come out in an order that
 * depends on every row it sorts, so a window's and the whole source's can
 * differ). Asked over the window with every answer known; a miss, or a
 * query DuckDB cannot run, counts as a tie.
 */
async function tiesAside(window: LimitWindow, rows: number, p: PassContext): Promise<boolean> {
  if (!window.tiesSql) return false;
  startPass(p.s);
  try {
    const r = await query(p.rw, p.s, p.ctx, window.tiesSql(rows));
    return !passMissed(p.s) && Number((r.rows[0] as { n: number }).n) === 0;
  } catch {
    p.s.error = undefined;
    return false;
  }
}

/**
 * One record pass of the statement without its LIMIT, then its prefilters
 * planned over the values it met (embedding them): one pass. Only the plans
 * are kept: the tuples it recorded, and texts EMBED needs, are left to the
 * limited passes, which ask for what their rows need.
 */
async function planPrefiltersWhole(unlimited: string, p: PassContext, emb: EmbedStatement): Promise<number> {
  startPass(p.s);
  await query(p.rw, p.s, p.ctx, unlimited);
  emb.missing.clear();
  await resolveEmbeddings(emb);
  startPass(p.s);
  return 1;
}

/** What every record pass of a statement shares. */
export interface PassContext extends AskContext {
  readonly rw: Rewritten;
  readonly emb?: EmbedStatement;
  /** How one pass runs `sql` (a write's passes each run in a transaction: write-passes.ts); default: a query. */
  readonly runPass?: (sql: string) => Promise<QueryResult>;
  /**
   * Whether a pass's misses past its bound are spilled and asked after it
   * (tuple-spill.ts; default), or only counted and met again next pass (false:
   * a LIMIT's budget, whose point is not to ask what the LIMIT may not need).
   */
  readonly spills?: boolean;
}

/**
 * Record passes over `sql` until one misses nothing; that pass's rows are the
 * answer. A pass holds at most `tuplesPerPassOf` tuples waiting for their
 * answers. Its misses past them are spilled to a file (tuple-spill.ts) and
 * asked right after the pass, with the ones it held, in overlapping rounds
 * that together hold no more than the bound (held-rounds.ts), so one pass
 * per level of nesting meets every tuple of its level, however many rows;
 * without spilling (`spills` false) they wait for a later pass.
 */
export async function recordUntilAnswered(
  sql: string,
  p: PassContext,
): Promise<{ result: QueryResult } & Passes> {
  const { s, ctx, emb } = p;
  const docs = ctx.documents;
  const held = tuplesPerPassOf(p);
  s.budget = Math.min(s.budget, held);
  const spill = p.spills !== false && Number.isFinite(held) ? new TupleSpill() : undefined;
  s.spill = spill;
  let fullPasses = 0;
  let spilled = 0;
  try {
    for (let pass = 1; ; pass++) {
      startPass(s);
      spill?.clear();
      docs?.record();
      let result: QueryResult;
      let documentsMissed: boolean;
      try {
        result = await (p.runPass ? p.runPass(sql) : query(p.rw, s, ctx, sql));
        documentsMissed = docs?.missed() ?? false;
      } finally {
        docs?.stop();
      }
      // Documents (and texts to chunk) a pass missed are parsed first; its tuples are asked again next
      // pass, so no call is made for an input a document's NULL placeholder made.
      if (documentsMissed) {
        ctx.signal?.throwIfAborted();
        await docs!.resolve(ctx.signal);
        continue;
      }
      if (!passMissed(s)) return { result, passes: pass, fullPasses, heldPerPass: held, spilled };
      // Texts to embed and a prefilter to plan are misses too: they are resolved first, then the tuples.
      const embedded = emb ? await resolveEmbeddings(emb) : false;
      if (s.recorded.size === 0 && embedded) continue;
      if (missesLeftOver(s)) {
        // A LIMIT's budget grows pass by pass; the bound on held tuples does not.
        if (s.recorded.size >= held && !spill?.records) fullPasses++;
        s.budget = Math.min(s.budget * 2, held);
      }
      // A budget's pairs all pruned by the prefilter: the next pass reads the pairs past them.
      if (s.recorded.size === 0 && s.missed.has(PAIRS_PAST_BUDGET)) continue;
      if (s.recorded.size === 0)
        throw new RvbbitError('ENGINE_ERROR', 'a record pass missed calls but recorded none');
      // A pass that spilled asks what it held and what it spilled in overlapping rounds (held-rounds.ts).
      if (spill && spill.records > 0) spilled += await answerInRounds(p, spill, held);
      else await answerRecorded(p);
    }
  } finally {
    s.spill = undefined;
    spill?.close();
  }
}
