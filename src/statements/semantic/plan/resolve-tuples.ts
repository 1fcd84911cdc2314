/**
 * Answers recorded tuples (the batch strategy's "run" step): grouped by
 * function, every group at once so they share the statement's PARALLEL
 * bound; pair predicates (`~`, a condition over two values) take the plan
 * of fewest estimated tokens: pairwise or packed, blocks (pair-blocks.ts) or
 * the small side (small-side.ts), as pair-plan.ts chooses.
 */

import { RvbbitError } from '../../../../base/errors.js';
import type { ProxySpec } from '../../../../grammar/index.js';
import {
  type OperatorCatalog,
  pairPlanOf,
  registeredReturns,
  type SemanticFunction,
} from '../../../plan/operator-catalog.js';
import { runAggregates } from '../aggregates/aggregate-reduce.js';
import { assignLabels, type DimensionLabels } from '../aggregates/dimension.js';
import { type EntityStates, resolveEntities, type TextVectors } from '../aggregates/entities.js';
import { type CallRunner, targetOf } from '../calls/call-runner.js';
import { packImageLimit, type StatementPacking } from '../cost/packing.js';
import { blockInputs, halves, type PairBlock, type PairTemplate } from '../pairs/pair-blocks.js';
import { type PlannedGroup, planPairs } from '../pairs/pair-plan.js';
import type { PairSplitChoice, PairSplitReport } from '../pairs/pair-split.js';
import { candidateInputs, pairResults, type SmallSidePlan } from '../pairs/small-side.js';
import {
  type ProxyEmbeddings,
  type ProxySplit,
  proxyFor,
  proxyUnfitReason,
  runWithProxy,
} from '../proxies/proxy.js';
import { outputValue } from '../state/sql-types.js';
import type { SqlValue, Tuple } from '../state/statement-calls.js';
import type { SemanticOptions } from './semantic-options.js';
import { type SplitContext, splitPairs } from './split-pairs.js';

/**
 * What a statement's later passes share: its proxy and the splits it made,
 * the dimension labels it found, its entity clusterings (entities.ts) and how
 * it embeds their values.
 */
export interface StatementExtras {
  readonly proxy?: ProxySpec;
  readonly splits: (ProxySplit & { readonly fn: string })[];
  readonly labels: DimensionLabels;
  readonly entities: EntityStates;
  /** How ENTITY embeds values (the statement's embeddings), and how many nearest values each is compared with. */
  readonly blocking?: {
    readonly vectors: TextVectors;
    readonly neighbours: number;
    /** The statement's: blocking stops when it is cancelled. */
    readonly signal?: AbortSignal;
  };
  /** The statement's embeddings, for the embedding proxy's scores (proxy.ts). */
  readonly embeddings?: ProxyEmbeddings;
  /** A proxy's price a call over the statement model's, undefined when either has none (proxy-payoff.ts). */
  readonly proxyPriceRatio?: (proxyModel: string) => number | undefined;
  /** Whether pair conditions may split into labels (pair-split.ts); absent: never (EXPLAIN's record passes). */
  readonly pairSplit?: {
    readonly setting: PairSplitChoice;
    readonly prefiltered: boolean;
    readonly limited: boolean;
    /** The most image-file bytes one pack may hold (packing.ts packImageLimit). */
    readonly imageLimit?: number;
  };
  /** Each condition's split question, asked once per statement, and how each pair group was planned. */
  readonly splitAnswers: SplitContext['answers'];
  readonly pairSplits: PairSplitReport[];
}

export function statementExtras(
  proxy?: ProxySpec,
  blocking?: StatementExtras['blocking'],
  embeddings?: ProxyEmbeddings,
  pairSplit?: StatementExtras['pairSplit'],
  proxyPriceRatio?: StatementExtras['proxyPriceRatio'],
): StatementExtras {
  return {
    splits: [],
    splitAnswers: new Map(),
    pairSplits: [],
    ...(pairSplit ? { pairSplit } : {}),
    labels: new Map(),
    entities: new Map(),
    ...(proxy ? { proxy } : {}),
    ...(blocking ? { blocking } : {}),
    ...(embeddings ? { embeddings } : {}),
    ...(proxyPriceRatio ? { proxyPriceRatio } : {}),
  };
}

/** The run's pair split extras: the statement's setting, whether it is prefiltered or limited, and the packs' image bytes. */
export function pairSplitExtras(
  opts: Pick<SemanticOptions, 'pairSplit' | 'prefilter'>,
  limited: boolean,
  llm: Parameters<typeof packImageLimit>[0],
): NonNullable<StatementExtras['pairSplit']> {
  const imageLimit = packImageLimit(llm);
  return {
    setting: opts.pairSplit,
    prefiltered: opts.prefilter !== undefined,
    limited,
    ...(imageLimit !== undefined ? { imageLimit } : {}),
  };
}

export interface PlanNote {
  readonly fn: string;
  readonly tuples: number;
  readonly smallSide: SmallSidePlan | null;
  /** Blocks asked under the block plan (its splits not counted). */
  readonly blocks?: number;
}

export { targetOf };

/** Groups tuples by function, in first-seen order. */
export function byFunction(tuples: Iterable<Tuple>): Map<SemanticFunction, Tuple[]> {
  const groups = new Map<SemanticFunction, Tuple[]>();
  for (const t of tuples) {
    const g = groups.get(t.fn);
    if (g) g.push(t);
    else groups.set(t.fn, [t]);
  }
  return groups;
}

/** The plan for each function's tuples, without running anything (EXPLAIN uses it too). */
export function planTuples(
  tuples: Iterable<Tuple>,
  catalog: OperatorCatalog,
  smallSide: number,
  packing: StatementPacking,
  hint: string,
): { fn: SemanticFunction; groups: PlannedGroup[] }[] {
  const dollars = packing.dollars.bind(packing);
  return [...byFunction(tuples)].map(([fn, ts]) => ({
    fn,
    groups: planPairs(fn, ts, catalog, { smallSide, packing: packing.forFunction(fn), hint, dollars }),
  }));
}

/**
 * Answers a block plan's pairs: every block at once; a block whose answer did
 * not fit (a pair missing, an item of the wrong form) is split in halves and
 * asked again, down to single pairs, which go as the function's own tuples.
 */
async function runBlocks(
  fn: SemanticFunction,
  template: PairTemplate,
  blocks: readonly PairBlock[],
  runner: CallRunner,
  catalog: OperatorCatalog,
  results: Map<string, SqlValue>,
): Promise<void> {
  const target = {
    path: catalog.pairBlocks.path,
    cascade: catalog.pairBlocks.cascade,
    name: fn.name,
    cacheable: fn.sql.cache,
    // An answer that does not fit is NULL here, then split: packing's retry, not the statement's failure.
    nullOnInvalid: true,
    noPack: true,
  };
  const returns = registeredReturns(fn.sql);
  let asked = blocks;
  while (asked.length > 0) {
    const outputs = await runner.run(
      target,
      asked.map((b) => blockInputs(template, b)),
    );
    const again: PairBlock[] = [];
    const alone: Tuple[] = [];
    asked.forEach((b, i) => {
      const answers = (outputs[i] as { answers?: unknown } | null)?.answers;
      if (Array.isArray(answers) && answers.length === b.pairs.length) {
        b.tuples.forEach((t, k) => {
          results.set(t.key, outputValue(answers[k], returns));
        });
        return;
      }
      const parts = halves(b);
      if (parts.length > 0) again.push(...parts);
      else alone.push(...b.tuples);
    });
    if (alone.length > 0) {
      const out = await runner.run(
        targetOf(fn),
        alone.map((t) => t.inputs as Record<string, unknown>),
      );
      alone.forEach((t, i) => {
        results.set(t.key, outputValue(out[i], returns));
      });
    }
    asked = again;
  }
}

export async function resolveTuples(
  tuples: Iterable<Tuple>,
  runner: CallRunner,
  catalog: OperatorCatalog,
  smallSideLimit: number,
  hint: string,
  notes: PlanNote[],
  more: StatementExtras = statementExtras(),
): Promise<Map<string, SqlValue>> {
  const { proxy, splits } = more;
  const results = new Map<string, SqlValue>();
  let asked = [...tuples];
  if (more.pairSplit) {
    // Pair conditions that split run as labels compared (pair-split.ts); the rest are planned as before.
    asked = await splitPairs(
      byFunction(asked),
      {
        runner,
        catalog,
        hint,
        setting: more.pairSplit.setting,
        prefiltered: more.pairSplit.prefiltered,
        limited: more.pairSplit.limited,
        smallSide: smallSideLimit,
        ...(more.pairSplit.imageLimit !== undefined ? { imageLimit: more.pairSplit.imageLimit } : {}),
        answers: more.splitAnswers,
        reports: more.pairSplits,
      },
      results,
    );
  }
  const run = planTuples(asked, catalog, smallSideLimit, runner.packing, hint).flatMap(({ fn, groups }) =>
    groups.map(async (group) => {
      const { plan, tuples: ts, reader, blocks } = group;
      // The group's tuples per prompt, as the planner chose (packing.ts): the one EXPLAIN prints.
      const packed = { ...targetOf(fn), batch: group.perPrompt };
      notes.push({
        fn: fn.name,
        tuples: ts.length,
        smallSide: plan,
        ...(blocks ? { blocks: blocks.blocks.length } : {}),
      });
      if (blocks) {
        await runBlocks(fn, blocks.template, blocks.blocks, runner, catalog, results);
        return;
      }
      if (plan && reader) {
        const calls = candidateInputs({ plan, tuples: ts, reader }, hint);
        const { path, cascade } = pairPlanOf(fn, catalog)!.cascade;
        const target = {
          path,
          cascade,
          name: fn.name,
          cacheable: fn.sql.cache,
          nullOnInvalid: false,
          // Packed as the planner chose (pair-plan.ts): several values' candidate lists in one prompt.
          ...(group.perPrompt > 1 ? { batch: group.perPrompt } : { noPack: true }),
        };
        const outputs = await runner.run(target, calls.inputs);
        for (const [k, v] of pairResults({ plan, tuples: ts, reader }, calls, outputs)) results.set(k, v);
        return;
      }
      if (fn.sql.dimension?.mode === 'entities') {
        // Earlier passes' values are answered again: a new value may have joined or merged their clusters.
        const { blocking } = more;
        if (!blocking)
          throw new RvbbitError('ENGINE_ERROR', `${fn.name} ran without the statement's embeddings`);
        const answers = await resolveEntities(
          fn,
          targetOf(fn),
          ts,
          runner,
          more.entities,
          blocking.vectors,
          blocking.neighbours,
          blocking.signal,
        );
        for (const [k, v] of answers) results.set(k, v);
        return;
      }
      const inputs = ts.map((t) => t.inputs as Record<string, unknown>);
      let outputs: unknown[];
      if (fn.sql.shape === 'dimension') {
        outputs = await assignLabels(fn, targetOf(fn), ts, runner, more.labels);
      } else if (fn.sql.shape === 'aggregate') {
        const returns = registeredReturns(fn.sql);
        const answerText = (o: unknown) => {
          const v = outputValue(o, returns);
          return v === null ? null : String(v);
        };
        const reduced = await runAggregates(runner, targetOf(fn), inputs, fn.sql.args[0]!.name, answerText);
        outputs = runner.nullOverLimits(targetOf(fn), inputs.length, reduced);
      } else if (proxyFor(fn, proxy) && proxyUnfitReason(fn, proxyFor(fn, proxy)) === null) {
        const returns = registeredReturns(fn.sql);
        const answerValue = (o: unknown) => outputValue(o, returns);
        const spec = proxyFor(fn, proxy)!;
        const priceRatio = more.proxyPriceRatio?.(spec.model);
        const r = await runWithProxy(packed, inputs, runner, spec, answerValue, {
          args: fn.sql.args.map((a) => a.name),
          ...(more.embeddings ? { embeddings: more.embeddings } : {}),
          ...(priceRatio !== undefined ? { priceRatio } : {}),
        });
        outputs = r.outputs;
        splits.push({ fn: fn.name, ...r.split });
      } else {
        outputs = await runner.run(packed, inputs);
      }
      ts.forEach((t, i) => {
        results.set(t.key, outputValue(outputs[i], registeredReturns(fn.sql)));
      });
    }),
  );
  await Promise.all(run);
  return results;
}
