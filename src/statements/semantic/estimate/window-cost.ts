import { requestCost } from '../../../plan/call-cost.js';
import { type DeliveryDollars, deliveryDollars, modelsOf, NO_DOLLARS } from '../../../plan/estimate.js';
import type { SemanticFunction } from '../../../plan/operator-catalog.js';
import type { PrefilterState } from '../pairs/prefilter-state.js';
import type { SemanticOptions } from '../plan/semantic-options.js';
import type { PlannedSql, SemanticPlan } from '../plan/semantic-plan.js';
import { firstPassBudget, sourceRows, windowApplies, windowRows } from '../run/batch-passes.js';
import type { SemanticRunContext } from '../run/semantic-run.js';
import { type StatementCalls, startPass, type Tuple } from '../state/statement-calls.js';
import { estimateCalls } from './operator-cost.js';
import { drain, recordPasses } from './record-passes.js';

/**
 * A top-level LIMIT met from the first rows of the source: the run
 * (batch-passes.ts) evaluates the statement over its first w₀ = max(2 ×
 * (LIMIT + OFFSET), PARALLEL) rows (of each inner-joined item: w₀ᵏ ≈ that
 * many combinations of k items), then 2w₀, 4w₀, … until LIMIT rows come
 * back or the window would hold every row (then the statement runs whole).
 * The calls of the first window are counted as est_calls is, over that
 * window: the calls made when LIMIT + OFFSET of its rows pass (a pass rate of
 * at least (LIMIT + OFFSET) / w₀). Answers carry over, so up to window k the
 * run has made the calls of the first w₀·2ᵏ rows, est_calls at most.
 * A window whose rows reach no operator (the plain filters pass none of its
 * rows) makes no call, and the run grows it: so does the estimate, to the
 * first window with calls, when the statement has any. A pre-filtered pair
 * predicate's window calls are bounded by its pairs (PrefilterState.sampledBound):
 * EXPLAIN's passes never reach them.
 * Undefined without a LIMIT; a line saying why when the LIMIT is not windowed.
 */
export async function windowEstimate(
  plan: SemanticPlan,
  rw: PlannedSql,
  s: StatementCalls,
  ctx: SemanticRunContext,
  statement: {
    readonly prefilters: readonly PrefilterState[];
    readonly whole: number;
    /** A pre-filtered predicate's kept pair, priced (keptPairCost): its window's pairs EXPLAIN's passes never reach. */
    readonly keptPairPrice: (p: PrefilterState) => { tokensIn: number; tokensOut: number };
  },
): Promise<{ calls: number | null; tokens?: WindowTokens; line: string; windows?: string } | undefined> {
  const window = rw.limitWindow;
  const unwindowed = {
    calls: null,
    line: 'none: this LIMIT is not met from the first rows of the source (ORDER BY other than plain columns of the source, GROUP BY, DISTINCT, a set operation, a row-adding join, calls in the source…); the run reads the source whole, in passes of a bounded number of new calls, stopping when the LIMIT is met: est_calls is the bound',
  };
  if (!window)
    return plan.topLevelLimit ? await firstPassEstimate(plan, rw, s, ctx, statement, unwindowed) : undefined;
  if (!(await windowApplies(window, s, ctx)))
    return await firstPassEstimate(plan, rw, s, ctx, statement, unwindowed);
  // The run's windows, one schedule (batch-passes.ts windowRows).
  const rowsOf = (j: number) => windowRows(window, plan.options, j);
  const first = rowsOf(0);
  const limit = plan.options.smallSide;
  // A prefilter not planned (its vectors not cached) is read as NULL by the passes: rows it would keep are not seen.
  const unplanned = statement.prefilters.some((p) => !p.plan);
  // Tuples earlier windows asked: the run carries their answers over, so a window asks only the rest.
  const asked = new Set<string>();
  /**
   * The calls window `rows` adds to the windows before it: its tuples not asked there, planned and priced as
   * est_calls and est_tokens_* are; a pre-filtered predicate's window pairs at their bound, each priced as one call.
   */
  const windowCalls = async (rows: number) => {
    for (const p of statement.prefilters) p.sample();
    const recorded = await recordPasses(s, window.sql(rows), ctx);
    const fresh = new Map([...recorded.tuples].filter(([k]) => !asked.has(k)));
    for (const k of recorded.tuples.keys()) asked.add(k);
    const e = await estimateCalls(fresh, plan.options, s.hint, ctx, plan.topLevelLimit);
    let { calls, tokensIn, tokensOut } = e;
    for (const p of statement.prefilters) {
      const kept = p.sampledBound(limit);
      const per = statement.keptPairPrice(p);
      calls += kept.calls;
      tokensIn += kept.pairs * per.tokensIn;
      tokensOut += kept.pairs * per.tokensOut;
    }
    return { calls, tokensIn, tokensOut, mostRows: recorded.mostRows };
  };
  let j = 0;
  let rows = first;
  let calls = 0;
  let callsBefore = 0;
  const tokens = { tokensIn: 0, tokensOut: 0 };
  for (; ; j++) {
    rows = rowsOf(j);
    const have = await sourceRows(window, rows + 1, ctx);
    if (have === null) return unwindowed;
    if (have <= rows) {
      return {
        calls: null,
        line:
          rows === first
            ? `none: the source has ${have} rows, no more than the first window's ${rows}, so the statement runs whole (est_calls)`
            : `none: the first ${rowsOf(j - 1)} rows reach no operator (the plain filters pass none of them); the source has ${have} rows, so the run grows the window until the statement runs whole (est_calls)`,
      };
    }
    const w = await windowCalls(rows);
    callsBefore = calls;
    calls += w.calls;
    tokens.tokensIn += w.tokensIn;
    tokens.tokensOut += w.tokensOut;
    if (statement.whole === 0) break;
    // The run grows a window that returns fewer than LIMIT rows: certainly one no answer lets LIMIT rows through.
    if (unplanned ? calls > 0 : w.mostRows >= window.limit) break;
  }
  // A pre-filtered pair predicate's later windows (its window's LIMIT met only as its kept pairs answer): the calls
  // the run has made when the LIMIT is met from each, counted window by window as the first, up to the statement whole.
  let windows: string | undefined;
  if (statement.prefilters.some((p) => p.kind === 'pairs')) {
    const each = [`${rows} rows: ${calls}`];
    let total = calls;
    for (let later = j + 1; ; later++) {
      const r = rowsOf(later);
      const have = await sourceRows(window, r + 1, ctx);
      if (have === null || have <= r) {
        each.push('then the statement whole: est_calls more at most');
        break;
      }
      total += (await windowCalls(r)).calls;
      each.push(`${r} rows: ${total}`);
    }
    windows = each.join('; ');
  }
  const grown =
    rows === first
      ? ''
      : callsBefore === 0 && statement.prefilters.length === 0
        ? `; the first ${first} rows reach no operator, the plain filters passing none of them, so the run grows the window to these`
        : `; the first ${rowsOf(j - 1)} rows cannot return ${window.limit} rows whatever the answers, so the run grows the window to these (${callsBefore} of the calls are those smaller windows', each tuple asked once)`;
  const next = `${rowsOf(j + 1)}, ${rowsOf(j + 2)}, …`;
  // Unplanned, a prefilter's window pairs are bounded (at most k per left value), not known.
  const bound = unplanned
    ? `; the pre-filtered pairs are chosen by embeddings not all cached, so est_calls_window bounds this window's pairs by k per left value; exact once the values' vectors are cached`
    : '';
  const joined = window.items > 1;
  if (window.orderBy !== undefined) {
    return {
      calls,
      tokens,
      line: `LIMIT ${window.limit} over the first ${rows} rows of ${window.source} in ORDER BY ${window.orderBy} (more rows than that; rows tied with the last one too${grown}): est_calls_window calls if ${window.wanted} of them pass; else ${next} rows, the calls of those rows (answers carry over${windows ? ': est_calls_windows' : ''}), est_calls at most; if rows tie on every ORDER BY key where the LIMIT cuts, the statement runs whole (est_calls)${bound}`,
      ...(windows ? { windows } : {}),
    };
  }
  return {
    calls,
    tokens,
    line: `LIMIT ${window.limit} over the first ${rows} rows of ${joined ? 'each of ' : ''}${window.source} (${joined ? `joined, ${window.items} windowed items` : 'more rows than that'}${grown}): est_calls_window calls if ${window.wanted} of ${joined ? 'their combinations' : 'them'} pass; else ${next} rows${joined ? ' of each' : ''}, the calls of those rows (answers carry over${windows ? ': est_calls_windows' : ''}), est_calls at most${bound}`,
    ...(windows ? { windows } : {}),
  };
}

/**
 * A LIMIT met pass by pass under a planned prefilter: the calls of the run's
 * first pass, its tuples recorded as the run records them (a budget of new
 * calls, every pair the prefilter meets counted against it:
 * prefilter-state.ts), when that pass meets the LIMIT and DuckDB meets the
 * pairs in the same order (its threads may interleave them otherwise).
 * Without a planned prefilter: only the bound, as before.
 */
async function firstPassEstimate(
  plan: SemanticPlan,
  rw: PlannedSql,
  s: StatementCalls,
  ctx: SemanticRunContext,
  statement: { readonly prefilters: readonly PrefilterState[] },
  unwindowed: { calls: null; line: string },
): Promise<{ calls: number | null; tokens?: WindowTokens; line: string }> {
  const prefilter = statement.prefilters.find((p) => p.kind === 'pairs');
  if (!prefilter?.plan || statement.prefilters.some((p) => !p.plan)) return unwindowed;
  const budget = firstPassBudget(plan.options);
  s.budget = budget;
  let tuples: Map<string, Tuple>;
  try {
    startPass(s);
    await ctx.q.run((con) => drain(con, rw.sql, ctx.params));
    tuples = new Map(s.recorded);
  } finally {
    s.budget = Number.POSITIVE_INFINITY;
    startPass(s);
  }
  const { calls, tokensIn, tokensOut } = await estimateCalls(
    tuples,
    plan.options,
    s.hint,
    ctx,
    plan.topLevelLimit,
  );
  return {
    calls,
    tokens: { tokensIn, tokensOut },
    line: `none: this LIMIT is not met from the first rows of the source; the run reads it in passes of a bounded number of new calls, the first ${budget} pairs the prefilter meets asking about the ${tuples.size} it keeps: est_calls_window calls if that pass meets the LIMIT; else passes of twice the pairs, est_calls at most`,
  };
}

/** est_tokens_in_window / est_tokens_out_window: the tokens of est_calls_window's calls, priced as est_tokens_* are. */
export interface WindowTokens {
  readonly tokensIn: number;
  readonly tokensOut: number;
}

/**
 * Tokens and dollars of a pre-filtered `~` or relevance order: its pairs are
 * chosen by embeddings, so EXPLAIN's passes never reach them and est_calls
 * counts its bound (explainEmbeddings); each of those calls is priced as one
 * run of the operator's cascade over a sample pair (the first values seen on
 * each side; a relevance order's left side is its topic, the function's second arg).
 */
export function prefilterEstimate(
  p: PrefilterState | undefined,
  fn: SemanticFunction | undefined,
  opts: SemanticOptions,
  ctx: SemanticRunContext,
  hint: string,
): {
  tokensIn: number;
  tokensOut: number;
  dollars: DeliveryDollars;
  /** Its `functions` line: EXPLAIN's passes never reach a pre-filtered function, so none is counted there. */
  line?: Record<string, string | number>;
} {
  if (!p || !fn) return { tokensIn: 0, tokensOut: 0, dollars: NO_DOLLARS };
  const { engine } = ctx;
  const calls = p.callsBound(opts.smallSide);
  const per = keptPairCost(p, fn, hint);
  // Each kept pair priced as one call over the sample pair: a bound on the calls that ask them.
  const pairs = p.pairsBound(opts.smallSide);
  const tokensIn = pairs * per.tokensIn;
  const tokensOut = pairs * per.tokensOut;
  const models = modelsOf(fn.lazy.cascade, opts.limits.model, engine.llm.defaultModel);
  const limit = opts.smallSide;
  const line = {
    function: fn.name,
    distinct_tuples: p.lefts.size * p.rights.size,
    cache_hits_expected: 0,
    calls_expected: calls,
    plan: `${p.describe(limit)}: at most ${calls} calls, chosen by embeddings when run (the cache not peeked)`,
  };
  return { tokensIn, tokensOut, dollars: deliveryDollars(engine.llm, models, tokensIn, tokensOut), line };
}

/** A pre-filtered predicate's kept pair priced as one call of its operator over a sample pair (the first values seen on each side). */
export function keptPairCost(
  p: PrefilterState,
  fn: SemanticFunction,
  hint: string,
): { tokensIn: number; tokensOut: number } {
  const [first, second] = fn.sql.args;
  const [left, right] = p.kind === 'ranking' ? [second, first] : [first, second];
  const sample = {
    ...(left ? { [left.name]: p.lefts.values().next().value ?? '' } : {}),
    ...(right ? { [right.name]: p.rights.values().next().value ?? '' } : {}),
    hint,
  };
  return requestCost(fn.lazy.cascade, [sample]);
}
