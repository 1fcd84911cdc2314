/**
 * What the recorded tuples of a statement cost, operator by operator, by the
 * cost model the run plans with: plain operators' calls rendered and packed as
 * the worker packs them (plan/call-cost.ts tuplesCost), pair groups priced by
 * the pair planner (pairs/pair-plan.ts, the chosen plan's figures), the split
 * plan priced and taken as the run takes it (pairs/split-cost.ts), dimensions,
 * entities, aggregates' reductions, proxies and their pilots. Each function's
 * line states its plan; EXPLAIN prints these (explain/explain-semantic.ts).
 */

import { confidenceVersion, rowCacheKey } from '../../../cache/cache-key.js';
import type { Cascade } from '../../../cascade/cascade-types.js';
import { unpackableReason } from '../../../cascade/packed-prompt.js';
import { requestCost, tuplesCost } from '../../../plan/call-cost.js';
import { EMBEDDING_PROXY, proxyTextPairs } from '../../../plan/embedding-proxy.js';
import {
  addDeliveryDollars,
  type DeliveryDollars,
  deliveryDollars,
  modelsOf,
  NO_DOLLARS,
  tokensPerRun,
} from '../../../plan/estimate.js';
import { pairPlanOf, type SemanticFunction } from '../../../plan/operator-catalog.js';
import { explainReductions } from '../aggregates/aggregate-reduce.js';
import { DIMENSION_BATCH, knownLabels } from '../aggregates/dimension.js';
import { ENTITY_BATCH, ENTITY_NEIGHBOURS } from '../aggregates/entities.js';
import { dispatchLayout } from '../calls/call-runner.js';
import { packImageLimit, statementPacking } from '../cost/packing.js';
import { EMBED_BATCH } from '../embeddings/embedder.js';
import { blockInputs } from '../pairs/pair-blocks.js';
import { chosenBy, type PairChoice } from '../pairs/pair-plan.js';
import { MAX_SAMPLE, MIN_SPLIT_PAIRS, splitRefusal } from '../pairs/pair-split.js';
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
import { explainTargets, proxyFor, proxyUnfitReason } from '../proxies/proxy.js';
import { describePayoff, explainPilot, proxyPriceRatio } from '../proxies/proxy-payoff.js';
import { explainEmbedCalls } from '../run/embed-statement.js';
import type { SemanticRunContext } from '../run/semantic-run.js';
import type { Tuple } from '../state/statement-calls.js';

/** What the recorded tuples cost: per function (EXPLAIN's `functions` lines), and summed. */
export async function estimateCalls(
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
  // Packs are cut where their image files would hold more than one request may, as the worker cuts them,
  // within the chunks the dispatcher hands the workers.
  const imageLimit = packImageLimit(engine.llm);
  const layout = dispatchLayout(opts.limits, ctx.pool);
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
  const splits = await splitEstimates(recorded.values(), opts, hint, ctx, limited);
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
        ? await tuplesCost(cascade, missed, packs ? perPrompt : 1, imageLimit, maxTokens, layout)
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
export interface Extra {
  readonly calls: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly dollars: DeliveryDollars;
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
async function splitEstimates(
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
        layout: dispatchLayout(opts.limits, ctx.pool),
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
