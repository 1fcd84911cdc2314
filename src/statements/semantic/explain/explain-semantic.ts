import { leadingWords } from '../../../../grammar/statement-kind.js';
import type { QueryResult } from '../../../db/query-result.js';
import { readResult } from '../../../db/query-result.js';
import { structuredRefusals } from '../../../obs/log-writer.js';
import {
  addDeliveryDollars,
  type DeliveryDollars,
  deliveryReport,
  EXPLAIN_TABLE_WIDTH,
  explainText,
} from '../../../plan/estimate.js';
import { EXPECTED_WORDS } from '../cost/expected-matches.js';
import type { Extra } from '../estimate/operator-cost.js';
import { estimateStatement } from '../estimate/statement-estimate.js';
import type { SemanticOptions } from '../plan/semantic-options.js';
import { type SemanticPath, type SemanticPlan, WRITE_STRATEGY } from '../plan/semantic-plan.js';
import type { SemanticRunContext } from '../run/semantic-run.js';

export async function explainSemantic(
  plan: SemanticPlan,
  json: boolean,
  ctx: SemanticRunContext,
): Promise<QueryResult> {
  const { engine } = ctx;
  const { stmt, options: opts, query } = plan;
  const {
    rewritten: rw,
    functions,
    pairPlans,
    pairSplit,
    embeddings,
    calls: whole,
    tokensIn,
    tokensOut,
    freeTextCalls,
    dollars,
    models: allModels,
    window,
    unpackedExtra,
    atMostExtra,
  } = await estimateStatement(plan, ctx);
  const strategy = explainedPath(plan.path);
  const { delivery, ...priced } = deliveryReport(opts.limits.delivery, dollars);
  // Batch delivery runs on the local pool, never the queue (engine.ts, runner()).
  const queue = opts.limits.delivery === 'batch' ? undefined : engine.queue;
  const report = {
    statement: query ? 'SELECT' : (leadingWords(stmt.text, 1)[0] ?? 'SQL'),
    strategy,
    parallel: opts.limits.parallel,
    delivery,
    chosen: [
      `parallel ${opts.limits.parallel}: ${opts.parallelChosen}`,
      opts.batch === 'auto'
        ? 'batch: auto, per operator: one-value operators packed up to 16 tuples per prompt within the model’s context window and output cap, a pair predicate’s pairs too (packed pairs and blocks then priced beside the small side, pair_plans) (each function’s line says its pack; -- @ batch: 1 turns packing off, -- @ batch: n sets it)'
        : `batch ${opts.batch}: ${opts.batch === 1 ? 'unpacked, ' : ''}-- @ batch (or the engine option operatorBatch)`,
    ],
    operators: rw.sites.map((x) => `${x.word} → ${x.fn.name} (${x.clause}, line ${x.line} col ${x.column})`),
    functions: functions.map(
      (f) =>
        `${f.function}: ${f.distinct_tuples} distinct tuples, ${f.cache_hits_expected} cached, ${f.calls_expected} calls; ${f.plan}`,
    ),
    ...(pairPlans.length > 0 ? { pair_plans: pairPlans } : {}),
    ...(pairSplit.length > 0 ? { pair_split: pairSplit } : {}),
    ...(embeddings.length > 0 ? { embeddings } : {}),
    // A pre-filtered `~` is never reached by EXPLAIN's passes (its pairs are chosen by embeddings): its bound.
    est_calls: whole,
    ...(window?.calls != null ? { est_calls_window: window.calls } : {}),
    ...(window?.tokens
      ? { est_tokens_in_window: window.tokens.tokensIn, est_tokens_out_window: window.tokens.tokensOut }
      : {}),
    ...(window?.windows ? { est_calls_windows: window.windows } : {}),
    ...(window ? { limit_window: window.line } : {}),
    est_tokens_in: tokensIn,
    est_tokens_out: tokensOut,
    est_tokens_out_basis: outputBasis(freeTextCalls, opts.limits.maxTokens),
    ...priced,
    ...(atMostExtra
      ? {
          est_at_most: atMostLine(
            { calls: whole, tokensIn, tokensOut, dollars },
            atMostExtra,
            opts.limits.delivery,
          ),
        }
      : {}),
    ...(unpackedExtra
      ? {
          est_unpacked: unpackedLine(
            { calls: whole, tokensIn, tokensOut, dollars },
            unpackedExtra,
            opts.limits.delivery,
          ),
        }
      : {}),
    note: EXPLAIN_NOTE,
    answered_by: queue?.answeredBy ?? engine.provider.answeredBy,
    ...structuredRefusals(ctx.logs, [...allModels]),
    ...(await queue?.plan(opts.limits.parallel)),
    sql: rw.sql,
  };
  if (json) {
    return ctx.q.run((con) =>
      readResult(con, 'SELECT $1::JSON AS explain', [JSON.stringify({ ...report, functions })]),
    );
  }
  return {
    columns: [
      { name: 'property', type: 'VARCHAR' },
      { name: 'value', type: 'VARCHAR' },
    ],
    rows: Object.entries(report).map(([property, v]) => ({
      property,
      value: Array.isArray(v) ? v.join('\n') : explainText(property, v),
    })),
    wrapAt: EXPLAIN_TABLE_WIDTH,
  };
}

/**
 * What est_tokens_out rests on: answers whose size the schema fixes are
 * priced at it; free-text answers (call-cost.ts isFreeText) at the
 * statement's max_tokens when it gives one (the most the run lets an answer
 * have), else at their least, since their length is the model's.
 */
function outputBasis(freeTextCalls: number, maxTokens: number | undefined): string {
  const fixed =
    'answers at the JSON their schema asks for (a boolean, a label, a number at 0, n items of a packed answer)';
  // A number's text is its value's: 0 or 1 is one token, a fraction (a score's 0.75) three ("0", ".", "75").
  if (freeTextCalls === 0)
    return `${fixed}: the run's answers are that size, but for a number's digits (a fraction such as a score's 0.75 is 2 tokens more than 0)`;
  const free = `${freeTextCalls} calls answer in free text (a text without labels, a list of no fixed length, a summary)`;
  return maxTokens !== undefined
    ? `${fixed}; ${free}, each priced at max_tokens ${maxTokens}, the most the run lets it have: est_tokens_out is a bound`
    : `${fixed}; ${free}, each priced at its least (one token a text): its length is the model's, so est_tokens_out is a floor; -- @ max_tokens: n prices each at n, the most`;
}

/** EXPLAIN's `est_unpacked`: the statement's estimate with its automatically packed groups one call per tuple. */
function unpackedLine(
  packed: { calls: number; tokensIn: number; tokensOut: number; dollars: DeliveryDollars },
  extra: { calls: number; tokensIn: number; tokensOut: number; dollars: DeliveryDollars },
  delivery: SemanticOptions['limits']['delivery'],
): string {
  const dollars = deliveryReport(delivery, addDeliveryDollars(packed.dollars, extra.dollars)).est_dollars;
  return `${packed.calls + extra.calls} calls, ~${packed.tokensIn + extra.tokensIn} in + ${packed.tokensOut + extra.tokensOut} out tokens, ${dollars === null ? 'dollars unknown' : `$${dollars.toFixed(4)}`} with -- @ batch: 1 (one call per tuple; what the model sees of each row alone)`;
}

/**
 * EXPLAIN's `est_at_most`: the statement's estimate with each plan priced at
 * the expected share of matches (cost/expected-matches.ts) at its bound instead.
 */
function atMostLine(
  expected: { calls: number; tokensIn: number; tokensOut: number; dollars: DeliveryDollars },
  extra: Extra,
  delivery: SemanticOptions['limits']['delivery'],
): string {
  const dollars = deliveryReport(delivery, addDeliveryDollars(expected.dollars, extra.dollars)).est_dollars;
  return `${expected.calls + extra.calls} calls, ~${expected.tokensIn + extra.tokensIn} in + ${expected.tokensOut + extra.tokensOut} out tokens, ${dollars === null ? 'dollars unknown' : `$${dollars.toFixed(4)}`} at most: est_calls and est_tokens_* expect ${EXPECTED_WORDS}; this bound has every candidate a small side lists match and both looks of a split's check asked`;
}

/** What EXPLAIN says of the path the statement will take. */
function explainedPath(path: SemanticPath): string {
  switch (path.kind) {
    case 'batch':
      return 'batch';
    case 'write':
      return WRITE_STRATEGY;
    case 'embeddings-first':
      return path.strategy;
    case 'blocking':
      return path.explained;
  }
}

export const EXPLAIN_NOTE =
  'counted over three record passes (an unanswered operator read as NULL, as true/1 and as false/0): ' +
  'exact when no operator’s rows or inputs depend on another operator’s answer; otherwise an upper bound ' +
  '(every row an answer could let through, each fed by a distinct answer), as it is with a top-level LIMIT. ' +
  'A filter comparing a text answer to a value (LLM_CLASSIFY(…) = ‘x’) counts no row past it';
