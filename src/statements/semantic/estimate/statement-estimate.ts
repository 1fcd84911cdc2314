/**
 * What a semantic statement will cost, known before it runs: its record
 * passes count the distinct tuples each operator would be called with in
 * every clause (SELECT list, WHERE, GROUP BY / HAVING, ORDER BY, JOIN ON,
 * aggregates), no paid call made; the cache is peeked without counting; each
 * operator's calls, tokens and dollars come from the cost model the run plans
 * with (operator-cost.ts); a pre-filtered pair predicate's pairs and a LIMIT's
 * first window are priced as the run would ask them (window-cost.ts). EXPLAIN
 * is its one reader (explain/explain-semantic.ts).
 */
import { RvbbitError } from '../../../../base/errors.js';
import { RELEVANCE_FUNCTION } from '../../../../grammar/index.js';
import { addDeliveryDollars, type DeliveryDollars } from '../../../plan/estimate.js';
import type { PrefilterState } from '../pairs/prefilter-state.js';
import type { PlannedSql, SemanticPlan } from '../plan/semantic-plan.js';
import {
  closeEmbeddings,
  explainEmbeddings,
  openEmbeddings,
  planPrefiltersFromCache,
} from '../run/embed-statement.js';
import type { SemanticRunContext } from '../run/semantic-run.js';
import { inExplicitTransaction } from '../run/write-passes.js';
import { closeStatement, openStatement } from '../state/statement-calls.js';
import { type Extra, estimateCalls } from './operator-cost.js';
import { recordPasses, rolledBack } from './record-passes.js';
import { keptPairCost, prefilterEstimate, type WindowTokens, windowEstimate } from './window-cost.js';

/** A statement's estimate: what each operator will be asked and what the whole will cost. */
export interface StatementEstimate {
  /** The statement as it runs (operators rewritten to functions), with its operator sites. */
  readonly rewritten: PlannedSql;
  /** Per function: its distinct tuples, cached answers, calls and plan (EXPLAIN's `functions` lines). */
  readonly functions: Record<string, string | number>[];
  /** How each group of pairs was planned (pair-plan.ts): every plan priced, the chosen one first. */
  readonly pairPlans: string[];
  /** Each condition's pair group of MIN_SPLIT_PAIRS or more, and the split plan. */
  readonly pairSplit: string[];
  /** The embedding calls (prefilters, SIMILAR_TO, the embedding proxy), one line each. */
  readonly embeddings: string[];
  /** Every call the statement makes, the embeddings' included: the run's at most. */
  readonly calls: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** Of `calls`, those answered in free text (call-cost.ts isFreeText). */
  readonly freeTextCalls: number;
  readonly dollars: DeliveryDollars;
  /** The models the calls go to. */
  readonly models: ReadonlySet<string>;
  /** A top-level LIMIT's first window (windowEstimate): undefined without a LIMIT. */
  readonly window?: { calls: number | null; tokens?: WindowTokens; line: string; windows?: string };
  /** What the groups packed automatically would cost more one call per tuple; undefined when none was. */
  readonly unpackedExtra?: Extra;
  /** What the bounds of plans priced at the expected share of matches add; undefined when none was. */
  readonly atMostExtra?: Extra;
}

export async function estimateStatement(
  plan: SemanticPlan,
  ctx: SemanticRunContext,
): Promise<StatementEstimate> {
  const { options: opts, query } = plan;
  const s = openStatement(plan.token, opts.hint, opts.answersInMemory);
  try {
    const emb = await openEmbeddings(plan, s, ctx, true);
    const rw = emb.rewritten;
    // A write's passes run in a transaction rolled back after them: estimating it changes nothing.
    if (!query && (await inExplicitTransaction(ctx.q))) {
      throw new RvbbitError(
        'EXPLAIN_WRITE_IN_TRANSACTION',
        'EXPLAIN of a statement that writes counts its calls by running it in a transaction rolled back after, which cannot open inside BEGIN … COMMIT: run the EXPLAIN outside it',
      );
    }
    const record = () =>
      query ? recordPasses(s, rw.sql, ctx) : rolledBack(ctx, () => recordPasses(s, rw.sql, ctx));
    let recorded = (await record()).tuples;
    // Prefilters planned from cached vectors as the run plans them: the passes again, asking about the kept pairs only.
    const prefilters = [emb.state?.prefilter, emb.state?.ranking].filter((p) => p !== undefined);
    if (prefilters.length > 0) {
      await planPrefiltersFromCache(emb.state!);
      if (prefilters.some((p) => p.plan)) recorded = (await record()).tuples;
    }
    const operators = await estimateCalls(recorded, opts, s.hint, ctx, plan.topLevelLimit);
    let { tokensIn, tokensOut, dollars } = operators;
    const { functions } = operators;
    const embedPlan = emb.state ? await explainEmbeddings(emb.state) : undefined;
    // A pre-filtered `~`'s pairs; a pre-filtered relevance order's texts (left: its topic).
    // Every pair predicate is pre-filtered (`~`, LLM_FILTER('…', a, b), (a, b) MEANS '…'): the site marked pair.
    const prefiltered = [
      [emb.state?.prefilter, rw.sites.find((x) => x.pair)?.fn],
      [emb.state?.ranking, rw.sites.find((x) => x.fn.name === RELEVANCE_FUNCTION)?.fn],
    ] as const;
    /** A kept pair's price, as prefilterEstimate prices each: one call of its operator over a sample pair. */
    const keptPairPrice = (p: PrefilterState) => {
      const fn = prefiltered.find(([state]) => state === p)?.[1];
      return fn ? keptPairCost(p, fn, s.hint) : { tokensIn: 0, tokensOut: 0 };
    };
    for (const [state, fn] of prefiltered) {
      // A planned prefilter's pairs are the operator's recorded tuples, counted above.
      const pruned = prefilterEstimate(state?.plan ? undefined : state, fn, opts, ctx, s.hint);
      tokensIn += pruned.tokensIn;
      tokensOut += pruned.tokensOut;
      dollars = addDeliveryDollars(dollars, pruned.dollars);
      if (pruned.line) functions.push(pruned.line);
    }
    // A LIMIT the run meets from the first rows of its source (limit-window.ts): the calls of the first window.
    const whole = operators.calls + (embedPlan?.calls ?? 0);
    const window =
      plan.path.kind === 'batch' && query
        ? await windowEstimate(plan, rw, s, ctx, { prefilters, whole, keptPairPrice })
        : undefined;
    return {
      rewritten: rw,
      functions,
      pairPlans: operators.pairPlans,
      pairSplit: operators.pairSplit,
      embeddings: [...(embedPlan?.lines ?? []), ...operators.embeddingLines],
      calls: whole,
      tokensIn,
      tokensOut,
      freeTextCalls: operators.freeTextCalls,
      dollars,
      models: operators.models,
      ...(window ? { window } : {}),
      ...(operators.unpackedExtra ? { unpackedExtra: operators.unpackedExtra } : {}),
      ...(operators.atMostExtra ? { atMostExtra: operators.atMostExtra } : {}),
    };
  } finally {
    closeEmbeddings(s);
    closeStatement(s);
  }
}
