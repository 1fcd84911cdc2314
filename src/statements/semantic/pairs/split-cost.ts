/**
 * The split plan's price beside the pair plans' (issue 67: "among the exact
 * plans, the one with the lowest estimated dollars"). One function, read by
 * the run (plan/split-pairs.ts), which takes the split only when it is priced
 * under the best pair plan planPairs chooses, and by EXPLAIN, which states both.
 *
 * What the split costs, each part priced by the run's own request rule
 * (call-cost.ts tuplesCost: the prompts rendered and packed as the worker
 * packs them, cut where a pack's image files would pass the bytes one
 * request may hold, as the worker cuts them) and at its cascade's prices
 * (packing.ts StatementPacking.dollars):
 *  - its question (pair_split.yaml), one call;
 *  - the labels: every distinct value of each side labelled by CLASSIFY in
 *    one packed run, first, as the run labels them;
 *  - the check's sample: the pairs of its looks (pair-split.ts checkLooks)
 *    drawn in the run's seeded order and asked the function's way, each look
 *    packed as the run packs it (pairsOf). The run sizes its looks by the
 *    share of pairs its labels make true, known once they are; the price,
 *    before any label, by the expected share (cost/expected-matches.ts: a
 *    third), what the planner compares: the first look, the pairs that pass
 *    when all agree. At most (`atMost`): both looks, every pair up to
 *    sampleCap(pairs) (MAX_SAMPLE), so a passed check's sample costs no more
 *    than that (pairs whose value got no label, asked alone, are not priced).
 *
 * The labels are the model's answer to the question. Before it is asked (EXPLAIN,
 * which asks no model, and the run deciding whether to ask it) they are
 * ASSUMED: two one-word labels and a question as long as the condition; once it
 * has answered, the run prices the model's labels and question and takes the
 * split only when that price is still under the pair plan's.
 *
 * A check that fails costs its question, sample and the sample's labels on top
 * of the pair plan over the pairs not sampled: the split is a bet on the check,
 * priced as passed.
 */
import type { PairSplitSetting } from '../../../../grammar/index.js';
import type { Cascade } from '../../../cascade/cascade-types.js';
import { type DispatchLayout, tuplesCost } from '../../../plan/call-cost.js';
import type { OperatorCatalog, SemanticFunction } from '../../../plan/operator-catalog.js';
import { EXPECTED_MATCH_SHARE, EXPECTED_WORDS } from '../cost/expected-matches.js';
import type { StatementPacking } from '../cost/packing.js';
import type { Tuple } from '../state/statement-calls.js';
import { cheaper, type PlanCost, type PlanFigures, planPairs } from './pair-plan.js';
import {
  checkLooks,
  labelInputs,
  labeller,
  lookRounds,
  questionInputs,
  type SplitAnswer,
  sampleCap,
} from './pair-split.js';
import type { PairReader } from './small-side.js';

/** The labels assumed before the model names its own: two, one word each (the fewest a split compares). */
export const ASSUMED_LABELS: readonly string[] = ['yes', 'no'];

/** What the assumption is, in EXPLAIN's words. */
export const ASSUMED_WORDS = `assuming ${ASSUMED_LABELS.length} one-word labels and a question as long as the condition, until the model names its own`;

/** One part of the split's price: calls to one cascade. */
export interface SplitPart {
  readonly what: 'question' | 'sample' | 'labels';
  readonly cascade: Cascade;
  readonly calls: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
}

/** The split's price (kind 'split') and its parts, each at its own cascade's models. */
export interface SplitCost extends PlanCost {
  readonly kind: 'split';
  readonly parts: readonly SplitPart[];
  /** The parts when both looks of the check are asked, when that is more than its first (`atMost`). */
  readonly partsAtMost?: readonly SplitPart[];
  /** Distinct values labelled. */
  readonly values: number;
  /** Pairs the check asks at most. */
  readonly sample: number;
  /** Pairs of the sample priced in the expected figures: its first look at the expected share (checkLooks). */
  readonly sampled: number;
  /** The labels were assumed (ASSUMED_LABELS), not the model's. */
  readonly assumed: boolean;
}

/** The split priced against the pair plans of the same group. */
export interface SplitPricing {
  readonly split: SplitCost;
  /** The pair plan planPairs chooses for the group (its estimate). */
  readonly best: PlanCost;
  /** Every pair plan planPairs priced for the group, the chosen (best) first. */
  readonly plans: readonly PlanCost[];
  /** The split is priced under it (by dollars when both are priced, else tokens: pair-plan.ts cheaper). */
  readonly cheaper: boolean;
}

/** What pricing the split needs of the statement. */
export interface SplitPriceContext {
  readonly catalog: OperatorCatalog;
  readonly packing: StatementPacking;
  /** `-- @ small_side`. */
  readonly smallSide: number;
  readonly hint: string;
  /** The check's targets (`-- @ pair_split`): they size its looks. */
  readonly targets: Pick<PairSplitSetting, 'recall' | 'precision' | 'delta'>;
  /** The most image-file bytes one pack may hold (llm/image-files.ts batchImageBytes); undefined: no images read. */
  readonly imageLimit?: number;
  /** How the run's dispatcher cuts each part's tuples (call-runner.ts dispatchLayout): a cut pack can straddle a chunk. */
  readonly layout?: DispatchLayout;
}

/** The split's price for one group of pairs: its question, its labels and its sample (the first look expected, both at most). */
export async function splitCost(
  fn: SemanticFunction,
  reader: PairReader,
  group: readonly Tuple[],
  c: SplitPriceContext,
  answer?: Pick<SplitAnswer, 'question' | 'labels'>,
  /**
   * The share of pairs the labels make true, which sizes the check's looks: the expected share until the
   * values are labelled (EXPLAIN, the planner); the run's own once they are (its report: PairSplitReport.priced).
   */
  share: number = EXPECTED_MATCH_SHARE,
): Promise<SplitCost> {
  const cap = sampleCap(group.length);
  // When even that share could not pass (targets near 1), every pair up to the cap, as before.
  const looks = checkLooks(group.length, share, c.targets).map((l) => l.size);
  const sizes = looks.length > 0 ? looks : [cap];
  const expected = await splitParts(fn, reader, group, c, answer, sizes.slice(0, 1));
  const most = sizes.length > 1 ? await splitParts(fn, reader, group, c, answer, sizes) : expected;
  const figures = (parts: readonly SplitPart[]): PlanFigures => {
    let dollars: number | null = 0;
    for (const p of parts) {
      const d = c.packing.dollars(p.cascade, p.tokensIn, p.tokensOut);
      dollars = d === null || dollars === null ? null : dollars + d;
    }
    const sum = (k: 'calls' | 'tokensIn' | 'tokensOut') => parts.reduce((s, p) => s + p[k], 0);
    return { calls: sum('calls'), tokensIn: sum('tokensIn'), tokensOut: sum('tokensOut'), dollars };
  };
  return {
    kind: 'split',
    ...figures(expected.parts),
    ...(most === expected ? {} : { atMost: figures(most.parts), partsAtMost: most.parts }),
    parts: expected.parts,
    values: expected.values,
    sample: cap,
    sampled: sizes[0]!,
    assumed: answer === undefined,
  };
}

/** The split's parts when the check asks its looks to `sizes` pairs, each priced as the run makes its calls. */
async function splitParts(
  fn: SemanticFunction,
  reader: PairReader,
  group: readonly Tuple[],
  c: SplitPriceContext,
  answer: Pick<SplitAnswer, 'question' | 'labels'> | undefined,
  sizes: readonly number[],
): Promise<{ parts: SplitPart[]; values: number }> {
  const first = group[0]!;
  const said = answer ?? { question: reader.condition(first), labels: ASSUMED_LABELS };
  const parts: SplitPart[] = [];
  const part = async (
    what: SplitPart['what'],
    cascade: Cascade,
    inputs: readonly Readonly<Record<string, unknown>>[],
    perPrompt: number,
  ) => {
    if (inputs.length === 0) return;
    const cost = await tuplesCost(cascade, inputs, perPrompt, c.imageLimit, undefined, c.layout);
    const last = parts.find((p) => p.what === what);
    const sum = {
      what,
      cascade,
      calls: cost.calls + (last?.calls ?? 0),
      tokensIn: cost.tokensIn + (last?.tokensIn ?? 0),
      tokensOut: cost.tokensOut + (last?.tokensOut ?? 0),
    };
    if (last) parts[parts.indexOf(last)] = sum;
    else parts.push(sum);
  };
  await part('question', c.catalog.pairSplit.cascade, [questionInputs(reader, first)], 1);
  // Every distinct value of each side, labelled in one packed run as the run labels them (split-pairs.ts).
  const values = [
    ...new Set(
      group.flatMap((t) => {
        const s = reader.sides(t)!;
        return [s.a, s.b];
      }),
    ),
  ];
  const classify = labeller(c.catalog);
  if (classify) {
    const labels = labelCalls(classify, c.packing, values, said, c.hint);
    await part('labels', classify.lazy.cascade, labels.inputs, labels.perPrompt);
  }
  const pairsPacking = c.packing.forFunction(fn);
  for (const look of lookRounds(group, sizes, reader.group(first)))
    await part(
      'sample',
      fn.lazy.cascade,
      look.map((t) => t.inputs),
      pairsPacking.pairsOf(look).perPrompt,
    );
  return { parts, values: values.length };
}

/** The labeller's calls for `values`: its inputs and their pack, as the run asks them and as they are priced. */
export function labelCalls(
  classify: SemanticFunction,
  packing: StatementPacking,
  values: readonly string[],
  answer: Pick<SplitAnswer, 'question' | 'labels'>,
  hint: string,
): { inputs: Record<string, string>[]; perPrompt: number } {
  const inputs = labelInputs(values, answer, hint);
  const perPrompt = packing
    .forFunction(classify)
    .of(inputs.map((i, k) => ({ key: `split label ${k}`, fn: classify, inputs: i }))).perPrompt;
  return { inputs, perPrompt };
}

/**
 * The split and the best pair plan of one group, priced alike, and which is
 * cheaper. `plans`: the group's pair plans priced already (the run prices the
 * split again once the model has named its labels; the pair plans stay as they were).
 */
export async function priceSplit(
  fn: SemanticFunction,
  reader: PairReader,
  group: readonly Tuple[],
  c: SplitPriceContext,
  answer?: Pick<SplitAnswer, 'question' | 'labels'>,
  pairPlans?: readonly PlanCost[],
): Promise<SplitPricing> {
  const split = await splitCost(fn, reader, group, c, answer);
  const plans =
    pairPlans ??
    planPairs(fn, group, c.catalog, {
      smallSide: c.smallSide,
      packing: c.packing.forFunction(fn),
      hint: c.hint,
      dollars: c.packing.dollars.bind(c.packing),
    }).flatMap((g) => g.choices ?? [])[0]!.costs;
  const best = plans[0]!;
  return { split, best, plans, cheaper: cheaper(split, best) };
}

/** A price in words: dollars when both are priced, else tokens. */
export function priceWords(x: PlanCost, y: PlanCost): [string, string] {
  const priced = x.dollars !== null && y.dollars !== null;
  const words = (p: PlanCost) =>
    priced ? `$${p.dollars!.toFixed(6)}` : `~${p.tokensIn + p.tokensOut} tokens`;
  return [words(x), words(y)];
}

/** Why the split is not taken when dearer: rvbbit.queries' strategy and EXPLAIN's pair_split say so. */
export function dearerWhy(p: SplitPricing): string {
  const [split, best] = priceWords(p.split, p.best);
  return `dearer than ${p.best.kind}: ${split} against ${best} (${describeSplitCost(p.split)})`;
}

/** The split's estimate in words: its calls, tokens and what they are, expected and at most. */
export function describeSplitCost(s: SplitCost): string {
  const part = (w: SplitPart['what']) => s.parts.find((p) => p.what === w);
  const q = part('question');
  const sample = part('sample');
  const labels = part('labels');
  const most = s.atMost
    ? `; at most, both looks of the check to ${s.sample} pairs asked: ${describeFigures(s.atMost)}`
    : '';
  const sampled =
    s.sampled < s.sample
      ? ` (the check's first look: the pairs that bound recall and precision at the targets when all agree and ${EXPECTED_WORDS})`
      : '';
  return `split ${describeFigures(s)}: ${q ? '1 question' : ''}${labels ? `, ${s.values} values labelled in ${labels.calls} calls` : ''}${sample ? `, a sample of ${s.sampled} pairs in ${sample.calls} calls${sampled}` : ''}${most}${s.assumed ? `; ${ASSUMED_WORDS}` : ''}`;
}

/** Calls, tokens and dollars (when priced) in words. */
export function describeFigures(f: PlanFigures): string {
  return `${f.calls} calls, ~${f.tokensIn} in + ${f.tokensOut} out tokens${f.dollars === null ? '' : `, ~$${f.dollars.toFixed(6)}`}`;
}
