/**
 * A semantic statement's options, read once from its `-- @` annotations
 * (the grammar has already checked keys and values) and the engine defaults.
 * @see ../../docs/dialect.md §2 "Annotations"
 */
import {
  type Annotation,
  DEFAULT_PAIR_SPLIT,
  type ProxySpec,
  type Strategy,
} from '../../../../grammar/index.js';
import type { CallLimits } from '../../../cascade/call-limits.js';
import { type PlanDefaults, planLimits } from '../../../plan/plan-limits.js';
import type { BatchSetting } from '../cost/packing.js';
import type { PairSplitChoice } from '../pairs/pair-split.js';
import { ANSWERS_IN_MEMORY } from '../state/answer-store.js';

export interface SemanticOptions {
  /**
   * `-- @ parallel`, `model`, `cache`, `timeout`, `retries`, `budget_dollars`,
   * `budget_tokens`, `delivery` over the engine's defaults: carried unchanged
   * to every operator chunk task and embedding call.
   */
  readonly limits: CallLimits;
  /** Why `limits.parallel` is what it is: the statement's annotation or the engine's default (EXPLAIN's words). */
  readonly parallelChosen: string;
  readonly threshold: number;
  readonly strategy: Strategy;
  /** Free-text annotations, appended to every operator prompt. */
  readonly hint: string;
  /** `~` asks only about each left value's k nearest right values by embedding (`-- @ prefilter: k`). */
  readonly prefilter?: number;
  /**
   * Distinct tuples of one operator packed into one prompt (`-- @ batch: n`,
   * engine option `operatorBatch`); 1 = unpacked; 'auto' when neither says:
   * sized per operator for its model (packing.ts).
   */
  readonly batch: BatchSetting;
  /** A cheap model answers first; only its unsure answers go to the statement's model (`-- @ proxy: m confidence t`). */
  readonly proxy?: ProxySpec;
  /** The embedding model when a statement names none (`-- @ embed_model: m`, engine option `embedModel`). */
  readonly embedModel?: string;
  /**
   * A pair predicate whose one side has at most this many distinct values may
   * ask one call per value of the other side (`-- @ small_side: n`, engine
   * option `smallSideLimit`; 0 = never): small-side.ts.
   */
  readonly smallSide: number;
  /**
   * Whether a pair condition comparing one attribute of each side may run as
   * per-row labels compared, and the targets of its sample check
   * (`-- @ pair_split`, engine option `pairSplit`): pair-split.ts. `forced`
   * when the statement says on or targets: the split is then taken wherever it
   * is offered; unsaid, only when priced under the best pair plan (split-cost.ts).
   */
  readonly pairSplit: PairSplitChoice;
  /**
   * Distinct tuples one record pass holds waiting for their answers, when
   * every operator of the statement answers each tuple on its own
   * (batch-passes.ts `tuplesPerPassOf`); engine option `tuplesPerPass`.
   */
  readonly tuplesPerPass: number;
  /**
   * Answers the statement holds in memory; past them they move to a file of
   * its own (state/answer-store.ts); engine option `answersInMemory`.
   */
  readonly answersInMemory: number;
}

/** The small-side limit when neither the statement nor the engine says. */
export const DEFAULT_SMALL_SIDE = 64;

export const DEFAULT_THRESHOLD = 0.5;

/**
 * Tuples a record pass holds when the engine does not say: ~1.3 KB each for
 * a 1 KB text (its inputs, its key, its place in the pass's map), and while
 * they are asked their pages, cache keys and answers too. Past it a pass
 * spills, and the spill is asked in overlapping rounds (run/held-rounds.ts),
 * so a smaller bound costs no throughput: a 100,000-row CTAS of a typed
 * generation (bench/paths-breakdown.child.mjs ctas-llm) peaked at 365 MB RSS
 * and 96 MB of JS heap in 56.7 s at 8,192, 453 MB and 186 MB in 65.1 s at
 * 32,768 (the default before: its rounds' tuples lived long enough to be
 * promoted, and the old generation filled with them between full collections).
 */
export const DEFAULT_TUPLES_PER_PASS = 8192;

/** Used when EMBED names no model (and by SIMILAR_TO and `-- @ prefilter`). */
export const DEFAULT_EMBED_MODEL = 'text-embedding-3-small';

export function semanticOptions(
  annotations: readonly Annotation[],
  defaults: Pick<
    PlanDefaults,
    | 'parallel'
    | 'parallelChosen'
    | 'cache'
    | 'operatorBatch'
    | 'embedModel'
    | 'smallSide'
    | 'tuplesPerPass'
    | 'answersInMemory'
    | 'pairSplit'
  >,
): SemanticOptions {
  let threshold = DEFAULT_THRESHOLD;
  let strategy: Strategy = 'batch';
  const hints: string[] = [];
  let prefilter: number | undefined;
  let batch: BatchSetting = defaults.operatorBatch ?? 'auto';
  let proxy: ProxySpec | undefined;
  let embedModel = defaults.embedModel;
  let smallSide = defaults.smallSide ?? DEFAULT_SMALL_SIDE;
  let pairSplit: PairSplitChoice = {
    ...DEFAULT_PAIR_SPLIT,
    on: defaults.pairSplit !== false,
    forced: false,
  };
  // The limits' keys (parallel, model, cache, timeout, retries, budgets, delivery) are read by planLimits.
  for (const a of annotations) {
    switch (a.key) {
      case 'threshold':
        threshold = a.value;
        break;
      case 'strategy':
        strategy = a.value;
        break;
      case 'hint':
        hints.push(a.value);
        break;
      case 'prefilter':
        prefilter = a.value;
        break;
      case 'batch':
        batch = a.value;
        break;
      case 'proxy':
        proxy = a.value;
        break;
      case 'embed_model':
        embedModel = a.value;
        break;
      case 'small_side':
        smallSide = a.value;
        break;
      case 'pair_split':
        // Said by the statement: its word wins over the planner's price, as an explicit batch does.
        pairSplit = { ...a.value, forced: a.value.on };
        break;
    }
  }
  return {
    limits: planLimits({}, annotations, defaults),
    parallelChosen: annotations.some((a) => a.key === 'parallel')
      ? '-- @ parallel'
      : (defaults.parallelChosen ?? 'the engine’s default'),
    threshold,
    strategy,
    hint: hints.join('\n'),
    prefilter,
    batch,
    proxy,
    embedModel,
    smallSide,
    pairSplit,
    tuplesPerPass: defaults.tuplesPerPass ?? DEFAULT_TUPLES_PER_PASS,
    answersInMemory: defaults.answersInMemory ?? ANSWERS_IN_MEMORY,
  };
}
