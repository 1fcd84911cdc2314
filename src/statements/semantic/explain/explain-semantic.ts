/**
 * EXPLAIN over a SELECT with semantic operators (`EXPLAIN SELECT …` reaches
 * the engine as plain SQL that starts with EXPLAIN and holds operators).
 * Record passes count the distinct tuples each operator would be called with
 * in every clause (SELECT list, WHERE, GROUP BY / HAVING, ORDER BY, JOIN ON,
 * aggregates), no paid call made; the cache is peeked without counting; the
 * small-side choice for `~` is made exactly as the run would make it.
 */

import { RvbbitError } from '../../../../base/errors.js';
import { RELEVANCE_FUNCTION } from '../../../../grammar/index.js';
import { leadingWords } from '../../../../grammar/statement-kind.js';
import { confidenceVersion, rowCacheKey } from '../../../cache/cache-key.js';
import type { Cascade } from '../../../cascade/cascade-types.js';
import { unpackableReason } from '../../../cascade/packed-prompt.js';
import type { QueryResult } from '../../../db/query-result.js';
import { readResult, releaseChunk, streamUserResult } from '../../../db/query-result.js';
import { structuredRefusals } from '../../../obs/log-writer.js';
import { requestCost, tuplesCost } from '../../../plan/call-cost.js';
import { EMBEDDING_PROXY, proxyTextPairs } from '../../../plan/embedding-proxy.js';
import {
  addDeliveryDollars,
  type DeliveryDollars,
  deliveryDollars,
  deliveryReport,
  EXPLAIN_TABLE_WIDTH,
  explainText,
  modelsOf,
  NO_DOLLARS,
  tokensPerRun,
} from '../../../plan/estimate.js';
import { pairPlanOf, type SemanticFunction } from '../../../plan/operator-catalog.js';
import { explainReductions } from '../aggregates/aggregate-reduce.js';
import { DIMENSION_BATCH, knownLabels } from '../aggregates/dimension.js';
import { ENTITY_BATCH, ENTITY_NEIGHBOURS } from '../aggregates/entities.js';
import { EXPECTED_WORDS } from '../cost/expected-matches.js';
import { packImageLimit, statementPacking } from '../cost/packing.js';
import { EMBED_BATCH } from '../embeddings/embedder.js';
import { blockInputs } from '../pairs/pair-blocks.js';
import { chosenBy, type PairChoice } from '../pairs/pair-plan.js';
import { MAX_SAMPLE, MIN_SPLIT_PAIRS, splitRefusal } from '../pairs/pair-split.js';
import type { PrefilterState } from '../pairs/prefilter-state.js';
import { candidateInputs, pairGroups } from '../pairs/small-side.js';
import {
  dearerWhy,
  describeFigures,
  describeSplitCost,
  priceSplit,
  priceWords,
  type SplitCost,
} from '../pairs/split-cost.js';
import { byFunction, planTuples } from '../plan/resolve-tuples.js';
import { DEFAULT_EMBED_MODEL, type SemanticOptions } from '../plan/semantic-options.js';
import {
  type PlannedSql,
  type SemanticPath,
  type SemanticPlan,
  WRITE_STRATEGY,
} from '../plan/semantic-plan.js';
import { explainTargets, proxyFor, proxyUnfitReason } from '../proxies/proxy.js';
import { describePayoff, explainPilot, proxyPriceRatio } from '../proxies/proxy-payoff.js';
import { firstPassBudget, sourceRows, windowApplies, windowRows } from '../run/batch-passes.js';
import {
  closeEmbeddings,
  explainEmbedCalls,
  explainEmbeddings,
  openEmbeddings,
  planPrefiltersFromCache,
} from '../run/embed-statement.js';
import type { SemanticRunContext } from '../run/semantic-run.js';
import { inExplicitTransaction } from '../run/write-passes.js';
import {
  closeStatement,
  openStatement,
  type Placeholder,
  type StatementCalls,
  startPass,
  type Tuple,
} from '../state/statement-calls.js';

export async function explainSemantic(
  plan: SemanticPlan,
  json: boolean,
  ctx: SemanticRunContext,
): Promise<QueryResult> {
  const { engine } = ctx;
  const { stmt, options: opts, query } = plan;
  const s = openStatement(plan.token, opts.hint, opts.answersInMemory);
  try {
    const emb = await openEmbeddings(plan, s, ctx, true);
    const rw = emb.rewritten;
    // A write's passes run in a transaction rolled back after them: EXPLAIN changes nothing.
    if (!query && (await inExplicitTransaction(ctx.q))) {
      throw new RvbbitError(
        'EXPLAIN_WRITE_IN_TRANSACTION',
        'EXPLAIN of a statement that writes counts its calls by running it in a transaction rolled back after, which cannot open inside BEGIN … COMMIT: run the EXPLAIN outside it',
      );
    }
    const strategy = explainedPath(plan.path);
    const record = () =>
      query ? recordPasses(s, rw.sql, ctx) : rolledBack(ctx, () => recordPasses(s, rw.sql, ctx));
    let recorded = (await record()).tuples;
    // Prefilters planned from cached vectors as the run plans them: the passes again, asking about the kept pairs only.
    const prefilters = [emb.state?.prefilter, emb.state?.ranking].filter((p) => p !== undefined);
    if (prefilters.length > 0) {
      await planPrefiltersFromCache(emb.state!);
      if (prefilters.some((p) => p.plan)) recorded = (await record()).tuples;
    }
    const {
      functions,
      pairPlans,
      pairSplit,
      embeddingLines,
      calls,
      tokensIn: fnTokensIn,
      tokensOut: fnTokensOut,
      dollars: fnDollars,
      models: allModels,
      unpackedExtra,
      atMostExtra,
      freeTextCalls,
    } = await estimateCalls(recorded, opts, s.hint, ctx, plan.topLevelLimit);
    let tokensIn = fnTokensIn;
    let tokensOut = fnTokensOut;
    let dollars = fnDollars;
    const embedPlan = emb.state ? await explainEmbeddings(emb.state) : undefined;
    const embeddings = [...(embedPlan?.lines ?? []), ...embeddingLines];
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
    const whole = calls + (embedPlan?.calls ?? 0);
    const window =
      plan.path.kind === 'batch' && query
        ? await windowEstimate(plan, rw, s, ctx, { prefilters, whole, keptPairPrice })
        : undefined;
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
      operators: rw.sites.map(
        (x) => `${x.word} → ${x.fn.name} (${x.clause}, line ${x.line} col ${x.column})`,
      ),
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
  } finally {
    closeEmbeddings(s);
    closeStatement(s);
  }
}

/** What the recorded tuples cost: per function (EXPLAIN's `functions` lines), and summed. */
async function estimateCalls(
  recorded: Map<string, Tuple>,
  opts: SemanticOptions,
  hint: string,
  ctx: SemanticRunContext,
  /** The statement has a top-level LIMIT (no pair split then: pair-split.ts splitRefusal). */
  limited: boolean,
): Promise<{
  functions: Record<string, string | number>[];
  /** How each group of pairs was planned (pair-plan.ts): every plan priced, the chosen one first. */
  pairPlans: string[];
  /** EXPLAIN's `pair_split`: each condition's pair group of MIN_SPLIT_PAIRS or more, and the split plan. */
  pairSplit: string[];
  /** The embedding proxy's embedding calls, one line per function (EXPLAIN's `embeddings`), counted in `calls`. */
  embeddingLines: string[];
  /** Operator calls (a model proxy's included) and the embedding proxy's embedding calls: the run's at most. */
  calls: number;
  tokensIn: number;
  tokensOut: number;
  /** Of `calls`, those answered in free text (call-cost.ts isFreeText): est_tokens_out_basis. */
  freeTextCalls: number;
  dollars: DeliveryDollars;
  models: Set<string>;
  /** What the groups packed automatically would cost more one call per tuple (est_unpacked); undefined when none was. */
  unpackedExtra?: Extra;
  /** What the bounds of plans priced at the expected share of matches add (est_at_most); undefined when none was. */
  atMostExtra?: Extra;
}> {
  const { engine } = ctx;
  const { catalog } = engine.semantic;
  const packing = statementPacking(opts, engine);
  // Packs are cut where their image files would hold more than one request may, as the worker cuts them.
  const imageLimit = packImageLimit(engine.llm);
  const functions: Record<string, string | number>[] = [];
  const pairPlans: string[] = [];
  const embeddingLines: string[] = [];
  const allModels = new Set<string>();
  let calls = 0;
  let tokensIn = 0;
  let tokensOut = 0;
  let freeTextCalls = 0;
  const { maxTokens } = opts.limits;
  let dollars: DeliveryDollars = NO_DOLLARS;
  let unpackedExtra:
    | { calls: number; tokensIn: number; tokensOut: number; dollars: DeliveryDollars }
    | undefined;
  let atMostExtra: Extra | undefined;
  /** What a plan's bound adds to its expected figures (PlanCost.atMost), priced at `cascade`'s models. */
  const addAtMost = (cascade: Cascade, more: { calls: number; tokensIn: number; tokensOut: number }) => {
    const models = modelsOf(cascade, opts.limits.model, engine.llm.defaultModel);
    const before = atMostExtra ?? { calls: 0, tokensIn: 0, tokensOut: 0, dollars: NO_DOLLARS };
    atMostExtra = {
      calls: before.calls + more.calls,
      tokensIn: before.tokensIn + more.tokensIn,
      tokensOut: before.tokensOut + more.tokensOut,
      dollars: addDeliveryDollars(
        before.dollars,
        deliveryDollars(engine.llm, models, more.tokensIn, more.tokensOut),
      ),
    };
  };
  // The split plan first, as the run decides it (split-pairs.ts): the groups it takes leave the pair plans.
  const splits = await explainSplits(recorded.values(), opts, hint, ctx, limited);
  const pairSplit = splits.lines;
  for (const t of splits.taken) {
    for (const p of t.split.parts) {
      const models = modelsOf(p.cascade, opts.limits.model, engine.llm.defaultModel);
      for (const m of models) allModels.add(m);
      dollars = addDeliveryDollars(dollars, deliveryDollars(engine.llm, models, p.tokensIn, p.tokensOut));
    }
    // Every round of the sample asked: what each part adds to its expected figures, at its own cascade's models.
    for (const p of t.split.partsAtMost ?? []) {
      const e = t.split.parts.find((x) => x.what === p.what);
      addAtMost(p.cascade, {
        calls: p.calls - (e?.calls ?? 0),
        tokensIn: p.tokensIn - (e?.tokensIn ?? 0),
        tokensOut: p.tokensOut - (e?.tokensOut ?? 0),
      });
    }
    calls += t.split.calls;
    tokensIn += t.split.tokensIn;
    tokensOut += t.split.tokensOut;
    pairPlans.push(`${t.fn.name}: ${describeChoice(t.choice, t.forced)}`);
    functions.push({
      function: t.fn.name,
      distinct_tuples: t.choice.pairs,
      cache_hits_expected: 0,
      calls_expected: t.split.calls,
      plan: `pair split: ${describeSplitCost(t.split)}`,
    });
  }
  const plans = planTuples(splits.rest, catalog, opts.smallSide, packing, hint);
  for (const { fn, groups } of plans)
    for (const group of groups) {
      const { plan: smallSide, tuples: ts, blocks, choices } = group;
      for (const c of choices ?? []) pairPlans.push(`${fn.name}: ${describeChoice(c)}`);
      if (fn.sql.dimension?.mode === 'entities') {
        const e = entityEstimate(fn, ts, opts, hint, ctx);
        calls += e.calls;
        tokensIn += e.tokensIn;
        tokensOut += e.tokensOut;
        dollars = addDeliveryDollars(dollars, e.dollars);
        for (const m of e.models) allModels.add(m);
        functions.push(e.line);
        continue;
      }
      const cascade = blocks
        ? catalog.pairBlocks.cascade
        : smallSide
          ? pairPlanOf(fn, catalog)!.cascade.cascade
          : fn.lazy.cascade;
      const inputs = blocks
        ? blocks.blocks.map((b) => blockInputs(blocks.template, b))
        : smallSide && group.reader
          ? candidateInputs({ plan: smallSide, tuples: ts, reader: group.reader }, hint).inputs
          : ts.map((t) => t.inputs);
      // A dimension's calls carry its labels: known (fixed, or a cached discovery) or still to find.
      const labels = fn.sql.dimension ? await knownLabels(fn, ts, ctx.cache, opts.limits.model) : undefined;
      const keyed = labels ? inputs.map((i) => ({ ...i, labels })) : inputs;
      const keys = keyed.map((i) => rowCacheKey(cascade.contentHash, opts.limits.model, i));
      const cached =
        opts.limits.cache === false || !fn.sql.cache ? undefined : await ctx.cache.lookup(keys, false);
      const hits = cached?.size ?? 0;
      const misses = inputs.length - hits;
      const missed = cached ? keyed.filter((_, i) => !cached.has(keys[i]!)) : keyed;
      const dim = fn.sql.dimension;
      const perPrompt = dim ? DIMENSION_BATCH : group.perPrompt;
      const packs = !smallSide && !blocks && perPrompt > 1 && unpackableReason(cascade) === null;
      // A discovered dimension makes one discovery call before it assigns (fixed labels make none).
      const mapping = dim?.mode === 'mapping';
      // A plain operator's calls as the run makes them: its prompts rendered, packed as the worker packs (call-cost.ts).
      const plain = !dim && !blocks && !smallSide && fn.sql.shape !== 'aggregate';
      const run = plain
        ? await tuplesCost(cascade, missed, packs ? perPrompt : 1, imageLimit, maxTokens)
        : undefined;
      // Packing the statement did not ask for: what one call per tuple would cost instead (EXPLAIN's est_unpacked).
      const unpacked =
        run && packs && packing.batch === 'auto'
          ? await tuplesCost(cascade, missed, 1, undefined, maxTokens)
          : undefined;
      const n = run
        ? run.calls
        : mapping
          ? Math.min(misses, 1)
          : smallSide
            ? Math.ceil(misses / group.perPrompt)
            : (packs ? Math.ceil(misses / perPrompt) : misses) + (dim && !labels && misses > 0 ? 1 : 0);
      // Pairs: the planner's estimate of the chosen plan (pair-plan.ts), its share not cached.
      const chosen =
        choices && choices.reduce((sum, c) => sum + c.pairs, 0) === ts.length ? choices : undefined;
      const share = inputs.length === 0 ? 0 : misses / inputs.length;
      // An aggregate's answer (a summary) is free text as a plain call's may be: priced at max_tokens when given.
      const aggregateFree =
        fn.sql.shape === 'aggregate' && inputs[0] !== undefined && requestCost(cascade, [inputs[0]]).freeText;
      const least = tokensPerRun(cascade, inputs[0]);
      const per = aggregateFree && maxTokens !== undefined ? { ...least, tokensOut: maxTokens } : least;
      const [fnIn, fnOut] = run
        ? [run.tokensIn, run.tokensOut]
        : chosen
          ? [
              Math.round(share * chosen.reduce((sum, c) => sum + c.costs[0]!.tokensIn, 0)),
              Math.round(share * chosen.reduce((sum, c) => sum + c.costs[0]!.tokensOut, 0)),
            ]
          : [misses * per.tokensIn, misses * per.tokensOut];
      const models = modelsOf(cascade, opts.limits.model, engine.llm.defaultModel);
      for (const m of models) allModels.add(m);
      const cost = deliveryDollars(engine.llm, models, fnIn, fnOut);
      if (!run && chosen) {
        // A plan priced at the expected share of matches (a small side): its bound, the same share not cached.
        const beyond = (k: 'calls' | 'tokensIn' | 'tokensOut') =>
          Math.round(
            share *
              chosen.reduce(
                (sum, c) => sum + (c.costs[0]!.atMost?.[k] ?? c.costs[0]![k]) - c.costs[0]![k],
                0,
              ),
          );
        if (chosen.some((c) => c.costs[0]!.atMost))
          addAtMost(cascade, {
            calls: beyond('calls'),
            tokensIn: beyond('tokensIn'),
            tokensOut: beyond('tokensOut'),
          });
      }
      calls += n;
      tokensIn += fnIn;
      tokensOut += fnOut;
      freeTextCalls += run ? run.freeTextCalls : aggregateFree ? n : 0;
      dollars = addDeliveryDollars(dollars, cost);
      if (unpacked && run) {
        const extraIn = unpacked.tokensIn - run.tokensIn;
        const extraOut = unpacked.tokensOut - run.tokensOut;
        const before = unpackedExtra ?? { calls: 0, tokensIn: 0, tokensOut: 0, dollars: NO_DOLLARS };
        unpackedExtra = {
          calls: before.calls + unpacked.calls - run.calls,
          tokensIn: before.tokensIn + extraIn,
          tokensOut: before.tokensOut + extraOut,
          dollars: addDeliveryDollars(
            before.dollars,
            subtractDollars(deliveryDollars(engine.llm, models, unpacked.tokensIn, unpacked.tokensOut), cost),
          ),
        };
      }
      functions.push({
        function: fn.name,
        distinct_tuples: ts.length,
        cache_hits_expected: hits,
        calls_expected: n,
        plan: blocks
          ? `blocks: up to ${blocks.side} × ${blocks.side} values per prompt, each stated once (${ts.length} pairs in ${n} calls, more if an answer does not fit and its block is split)`
          : smallSide
            ? `small side: ${smallSide.mostCandidates < smallSide.smallValues ? `up to ${smallSide.mostCandidates} of ${smallSide.smallValues} distinct ${smallSide.small} values as candidates (those paired with it)` : `${smallSide.smallValues} distinct ${smallSide.small} values as candidates`}, ${group.perPrompt > 1 ? `one task per ${smallSide.large} value, up to ${group.perPrompt} per prompt (${n} calls for ${smallSide.largeValues} values` : `one call per ${smallSide.large} value (${smallSide.largeValues} calls`} instead of ${smallSide.pairs} pairs)`
            : mapping
              ? `dimension (mapping): the ${ts.length} distinct values in one call per set of its other args; its answer maps each to a label`
              : dim
                ? `dimension: ${labels ? `labels ${labels.join(' | ')}` : `labels discovered from up to ${dim.sample} distinct values (1 call; shown here once cached)`}, then each distinct value assigned, ${DIMENSION_BATCH} per prompt`
                : packs
                  ? `packed: up to ${perPrompt} tuples per prompt (${misses} tuples in ${n} calls, more if an answer does not fit and its batch is split)${packing.batch === 'auto' ? `; ${group.packing}` : ''}${unpacked ? `; unpacked: ${unpacked.calls} calls, ~${unpacked.tokensIn} in + ${unpacked.tokensOut} out tokens` : ''}`
                  : `pairwise: one call per distinct tuple${
                      packing.batch === 'auto'
                        ? group.packing
                          ? ` (${group.packing})`
                          : ''
                        : packing.batch > 1
                          ? ` (not packed: ${unpackableReason(cascade) ?? 'small-side plan'})`
                          : ''
                    }`,
      });
      if (fn.sql.shape === 'aggregate' && misses > 0) {
        // Groups over the window the engine knows reduce in levels (aggregate-reduce.ts): their calls, as the run makes them.
        const model = opts.limits.model ?? engine.llm.defaultModel;
        const r = await explainReductions(
          cascade,
          inputs,
          fn.sql.args[0]!.name,
          engine.llm,
          model,
          per.tokensOut,
          engine.semantic.learnedWindows,
        );
        if (r) {
          const last = functions[functions.length - 1]!;
          calls += r.calls - r.groups;
          if (aggregateFree) freeTextCalls += r.calls - r.groups;
          last.calls_expected = n + r.calls - r.groups;
          last.plan = `${last.plan}; ${r.line}`;
        }
      }
      const proxy = proxyFor(fn, opts.proxy);
      if (proxy && !smallSide && !blocks) {
        const unfit = proxyUnfitReason(fn, proxy);
        const model = opts.limits.model ?? engine.llm.defaultModel;
        const last = functions[functions.length - 1]!;
        const embedModel = opts.embedModel ?? DEFAULT_EMBED_MODEL;
        // The pay-off rule (proxy-payoff.ts): a proxy as dear a call is never asked; a cheaper one runs past a pilot.
        const ratio =
          unfit || proxy.model === EMBEDDING_PROXY
            ? undefined
            : proxyPriceRatio(engine.llm, proxy.model, model);
        const dear = ratio !== undefined && ratio >= 1;
        last.plan = unfit
          ? `${last.plan}; no proxy: ${unfit}`
          : dear
            ? `${last.plan}; ${describePayoff(proxy.model, model, { ratio, pilot: 0, ran: false })}`
            : proxy.targets
              ? `${last.plan}; ${explainTargets(proxy, model, misses, embedModel)}`
              : `${last.plan}; proxy ${proxy.model} answers first (scored by logprobs where the provider gives them, else its own confidence), the answers under confidence ${proxy.confidence} go to ${model} (at most ${misses} more calls, known once run)`;
        if (!unfit && proxy.model === EMBEDDING_PROXY) {
          // The embedding proxy's calls: its texts embedded as the run embeds them (proxy.ts embeddingScores).
          const args = fn.sql.args.map((a) => a.name);
          const texts = proxyTextPairs(
            args,
            ts.map((t) => t.inputs),
          ).texts.filter((t) => t !== '');
          const e = await explainEmbedCalls(
            ctx.cache,
            opts.limits,
            embedModel,
            texts,
            `proxy embeddings for ${fn.name}`,
          );
          calls += e.calls;
          embeddingLines.push(e.line);
        } else if (!unfit && !dear) {
          // A model proxy answers every tuple first (its own cache key: confidenceVersion), packed as the
          // statement's model is: its calls come on top of the statement model's, which est_calls bounds.
          const proxyKeys = inputs.map((i) =>
            rowCacheKey(confidenceVersion(cascade.contentHash), proxy.model, i),
          );
          const proxyHits =
            opts.limits.cache === false || !fn.sql.cache
              ? 0
              : (await ctx.cache.lookup(proxyKeys, false)).size;
          const proxyMisses = inputs.length - proxyHits;
          const proxyCalls = packs ? Math.ceil(proxyMisses / perPrompt) : proxyMisses;
          const [pIn, pOut] = [proxyMisses * per.tokensIn, proxyMisses * per.tokensOut];
          calls += proxyCalls;
          tokensIn += pIn;
          tokensOut += pOut;
          dollars = addDeliveryDollars(dollars, deliveryDollars(engine.llm, [proxy.model], pIn, pOut));
          allModels.add(proxy.model);
          last.calls_expected = Number(last.calls_expected) + proxyCalls;
          last.plan = `${last.plan}; calls: ${proxyCalls} to ${proxy.model} (${proxyHits} of its answers cached), then at most ${n} to ${model}`;
          const pilot =
            ratio !== undefined && ratio > 0 ? explainPilot(proxy.model, model, ratio, misses) : null;
          if (pilot) last.plan = `${last.plan}; ${pilot}`;
        }
      }
    }
  return {
    functions,
    pairPlans,
    pairSplit,
    embeddingLines,
    calls,
    tokensIn,
    tokensOut,
    freeTextCalls,
    dollars,
    models: allModels,
    ...(unpackedExtra ? { unpackedExtra } : {}),
    ...(atMostExtra ? { atMostExtra } : {}),
  };
}

/** Calls, tokens and dollars a statement's estimate adds or would add. */
interface Extra {
  readonly calls: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly dollars: DeliveryDollars;
}

/**
 * What est_tokens_out rests on: answers whose size the schema fixes are
 * priced at it; free-text answers (call-cost.ts isFreeText) at the
 * statement's max_tokens when it gives one (the most the run lets an answer
 * have), else at their least, since their length is the model's.
 */
function outputBasis(freeTextCalls: number, maxTokens: number | undefined): string {
  const fixed =
    'answers at the JSON their schema asks for (a boolean, a label, a number, n items of a packed answer)';
  if (freeTextCalls === 0) return `${fixed}: the run's answers are that size`;
  const free = `${freeTextCalls} calls answer in free text (a text without labels, a list of no fixed length, a summary)`;
  return maxTokens !== undefined
    ? `${fixed}; ${free}, each priced at max_tokens ${maxTokens}, the most the run lets it have: est_tokens_out is a bound`
    : `${fixed}; ${free}, each priced at its least (one token a text): its length is the model's, so est_tokens_out is a floor; -- @ max_tokens: n prices each at n, the most`;
}

/** `a` less `b`, at each delivery (null stays null). */
function subtractDollars(a: DeliveryDollars, b: DeliveryDollars): DeliveryDollars {
  const minus = (x: number | null, y: number | null) => (x === null || y === null ? null : x - y);
  return { sync: minus(a.sync, b.sync), batch: minus(a.batch, b.batch), undiscounted: a.undiscounted };
}

/**
 * What a `pair_split` line says after the group's pairs when the group is offered the split
 * (splitRefusal is null) and the run would ask its question (priced under the best pair plan,
 * or forced by `-- @ pair_split`): `rvbbit tune` reads EXPLAIN's lines by it (engine/tune.ts) rather
 * than judge the split's rules a second time.
 */
export const SPLIT_OFFERED = ': split offered:';

/** A group the split takes (as the run would, before its question): its price and the pair plans it beats. */
interface SplitTaken {
  readonly fn: SemanticFunction;
  readonly split: SplitCost;
  /** The split beside the group's pair plans, the split first (pair_plans' line). */
  readonly choice: PairChoice;
  readonly forced: boolean;
}

/**
 * The split plan of each condition's pair group of MIN_SPLIT_PAIRS or more, decided
 * as the run decides it (split-pairs.ts): refused (pair-split.ts splitRefusal), or
 * priced beside the best pair plan (split-cost.ts priceSplit, the labels assumed:
 * EXPLAIN asks no model) and taken when cheaper or forced by `-- @ pair_split`.
 * The groups taken leave the pair plans (`rest` holds every other tuple).
 */
async function explainSplits(
  tuples: Iterable<Tuple>,
  opts: SemanticOptions,
  hint: string,
  ctx: SemanticRunContext,
  limited: boolean,
): Promise<{ lines: string[]; taken: SplitTaken[]; rest: Tuple[] }> {
  const { engine } = ctx;
  const { catalog } = engine.semantic;
  const packing = statementPacking(opts, engine);
  const s = opts.pairSplit;
  const lines: string[] = [];
  const taken: SplitTaken[] = [];
  const rest: Tuple[] = [];
  for (const [fn, ts] of byFunction(tuples)) {
    const split = pairGroups(fn, ts, catalog);
    if (split?.reader.kind !== 'condition') {
      rest.push(...ts);
      continue;
    }
    rest.push(...split.single);
    for (const group of split.groups) {
      // A group under MIN_SPLIT_PAIRS has no line (the usual case: no choice was made).
      if (group.length < MIN_SPLIT_PAIRS) {
        rest.push(...group);
        continue;
      }
      const [a, b] = split.reader.names(group[0]!);
      const sides = `${a} × ${b}`;
      const head = `${fn.name}: ${sides} (${group.length} pairs)`;
      const refusal = splitRefusal(group.length, {
        setting: s,
        prefiltered: opts.prefilter !== undefined,
        limited,
        catalog,
      });
      if (refusal !== null) {
        lines.push(`${head}: split ${refusal}`);
        rest.push(...group);
        continue;
      }
      const imageLimit = packImageLimit(engine.llm);
      const priced = await priceSplit(fn, split.reader, group, {
        catalog,
        packing,
        smallSide: opts.smallSide,
        hint,
        targets: s,
        ...(imageLimit !== undefined ? { imageLimit } : {}),
      });
      if (!s.forced && !priced.cheaper) {
        lines.push(`${head}: split ${dearerWhy(priced)}`);
        rest.push(...group);
        continue;
      }
      const [splitPrice, bestPrice] = priceWords(priced.split, priced.best);
      const why = s.forced
        ? `forced by -- @ pair_split (${splitPrice}; the best pair plan, ${priced.best.kind}, ${bestPrice})`
        : `priced under the best pair plan, ${priced.best.kind}: ${splitPrice} against ${bestPrice}`;
      lines.push(
        `${head}${SPLIT_OFFERED} ${why} (${describeSplitCost(priced.split)}). The run asks once (pair_split.yaml) whether the condition compares one attribute of each side;${s.forced ? '' : ' if it does, the model’s labels are priced again and the split taken only if still the cheaper;'} every distinct value is labelled once (CLASSIFY), then a sample of pairs sized by the share the labels make true (at most ${MAX_SAMPLE}) is asked the function’s way and the labels compared against their answers (a Clopper-Pearson bound on the disagreement: recall ≥ ${s.recall}, precision ≥ ${s.precision}, delta ${s.delta}); passed, each pair is answered by comparing its two labels, else ${priced.best.kind} runs (rvbbit.queries' strategy says which)`,
      );
      taken.push({
        fn,
        split: priced.split,
        choice: { sides, pairs: group.length, costs: [priced.split, ...priced.plans] },
        forced: s.forced,
      });
    }
  }
  return { lines, taken, rest };
}

/**
 * A pair group's plans as EXPLAIN's `pair_plans` line: each with its calls,
 * tokens and dollars (when priced), the chosen one first, and what it was
 * chosen by (pair-plan.ts: dollars when every plan is priced, else tokens).
 */
function describeChoice(c: PairChoice, forced = false): string {
  // "expected" when a plan's figures rest on the expected share of matches (cost/expected-matches.ts).
  const chosen = forced
    ? '-- @ pair_split'
    : `fewest ${chosenBy(c.costs)}${c.costs.some((x) => x.atMost) ? ', expected' : ''}`;
  const plans = c.costs.map(
    (x, i) =>
      `${x.kind} ${x.calls} calls${x.perPrompt ? ` (${x.perPrompt} per prompt)` : ''}, ~${x.tokensIn} in + ${x.tokensOut} out tokens${x.dollars === null ? '' : `, ~$${x.dollars.toFixed(6)}`}${x.atMost ? ` (at most ${describeFigures(x.atMost)})` : ''}${i === 0 ? ` (chosen: ${chosen})` : ''}`,
  );
  return `${c.sides} (${c.pairs} pairs): ${plans.join('; ')}${c.noBlocks ? `; no blocks: ${c.noBlocks}` : ''}`;
}

/**
 * ENTITY's calls before any embedding: its blocked pairs are not known, so
 * their bound, n × neighbours of the n(n-1)/2 (entities.ts), packed
 * ENTITY_BATCH per prompt, each priced as a run over a sample pair; and the
 * embedding calls for its distinct values (the cache not peeked: at most).
 */
function entityEstimate(
  fn: SemanticFunction,
  ts: readonly Tuple[],
  opts: SemanticOptions,
  hint: string,
  ctx: SemanticRunContext,
): {
  calls: number;
  tokensIn: number;
  tokensOut: number;
  dollars: DeliveryDollars;
  models: string[];
  line: Record<string, string | number>;
} {
  const { engine } = ctx;
  const source = fn.sql.dimension!.source;
  const values = [
    ...new Set(ts.flatMap((t) => (t.inputs[source] == null ? [] : [String(t.inputs[source])]))),
  ];
  const n = values.length;
  const all = (n * (n - 1)) / 2;
  const neighbours = opts.prefilter ?? ENTITY_NEIGHBOURS;
  const bound = Math.min(all, n * neighbours);
  const embeddings = Math.ceil(n / EMBED_BATCH);
  const chat = Math.ceil(bound / ENTITY_BATCH);
  const { [source]: _v, ...rest } = ts[0]?.inputs ?? {};
  const per = requestCost(fn.lazy.cascade, [
    { ...rest, text: values[0] ?? '', other: values[1] ?? '', hint },
  ]);
  const models = modelsOf(fn.lazy.cascade, opts.limits.model, engine.llm.defaultModel);
  const [tokensIn, tokensOut] = [bound * per.tokensIn, bound * per.tokensOut];
  return {
    calls: chat + embeddings,
    tokensIn,
    tokensOut,
    dollars: deliveryDollars(engine.llm, models, tokensIn, tokensOut),
    models,
    line: {
      function: fn.name,
      distinct_tuples: ts.length,
      cache_hits_expected: 0,
      calls_expected: chat + embeddings,
      plan: `entities: ${n} distinct values = ${all} pairs; at most ${bound} compared (a pair when one value is among the other's ${neighbours} nearest by embedding), ${ENTITY_BATCH} per prompt (${chat} calls), after ${embeddings} embedding calls at most; then transitive closure`,
    },
  };
}

async function rolledBack<T>(ctx: SemanticRunContext, body: () => Promise<T>): Promise<T> {
  await ctx.q.run((con) => con.run('BEGIN TRANSACTION'));
  try {
    return await body();
  } finally {
    await ctx.q.run((con) => con.run('ROLLBACK'));
  }
}

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
async function windowEstimate(
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
interface WindowTokens {
  readonly tokensIn: number;
  readonly tokensOut: number;
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

/**
 * Tokens and dollars of a pre-filtered `~` or relevance order: its pairs are
 * chosen by embeddings, so EXPLAIN's passes never reach them and est_calls
 * counts its bound (explainEmbeddings); each of those calls is priced as one
 * run of the operator's cascade over a sample pair (the first values seen on
 * each side; a relevance order's left side is its topic, the function's second arg).
 */
function prefilterEstimate(
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
function keptPairCost(
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

export const EXPLAIN_NOTE =
  'counted over three record passes (an unanswered operator read as NULL, as true/1 and as false/0): ' +
  'exact when no operator’s rows or inputs depend on another operator’s answer; otherwise an upper bound ' +
  '(every row an answer could let through, each fed by a distinct answer), as it is with a top-level LIMIT. ' +
  'A filter comparing a text answer to a value (LLM_CLASSIFY(…) = ‘x’) counts no row past it';

/**
 * The tuples every operator would be asked for. The run's first pass reads a
 * miss as NULL, so a row behind an unanswered filter, and an operator fed by
 * another's answer, is not seen until a later pass: two more passes read a
 * miss as true/1 and as false/0 (a text as a value unique to the call), and
 * the union of the three is counted. The query is drained whole: under
 * `count(*)` DuckDB would prune the SELECT list, aggregates included.
 */
async function recordPasses(s: StatementCalls, sql: string, ctx: SemanticRunContext): Promise<Recorded> {
  const all = new Map<string, Tuple>();
  let mostRows = 0;
  const modes: Placeholder[] = ['null', 'high', 'low'];
  for (const mode of modes) {
    s.placeholder = mode;
    startPass(s);
    try {
      // Record mode never calls a model; with EXPLAIN's own statement nothing else runs.
      mostRows = Math.max(mostRows, await ctx.q.run((con) => drain(con, sql, ctx.params)));
    } catch (err) {
      // The NULL pass is the run's own first pass: its error is the statement's.
      // A stand-in answer may fail where a real one would not (a cast): that pass counts what it saw.
      if (mode === 'null') throw s.error ?? err;
      s.error = undefined;
    }
    for (const [k, t] of s.recorded) if (!all.has(k)) all.set(k, t);
  }
  s.placeholder = 'null';
  return { tuples: all, mostRows };
}

/** What EXPLAIN's record passes saw. */
interface Recorded {
  /** Every tuple an operator would be asked for, by key. */
  readonly tuples: Map<string, Tuple>;
  /**
   * The most rows one pass returned (unanswered operators read as NULL, as true, as false): when it is
   * under a LIMIT window's, no answer lets that many through and the run grows the window.
   */
  readonly mostRows: number;
}

/** Runs the query to its end, reading no value; its rows. */
async function drain(
  con: Parameters<typeof streamUserResult>[0],
  sql: string,
  params: Parameters<typeof streamUserResult>[2],
): Promise<number> {
  const result = await streamUserResult(con, sql, params);
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return rows;
    rows += chunk.rowCount;
    releaseChunk(chunk);
  }
}
