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
 *  - the check's sample: rounds of SAMPLE_ROUND pairs drawn in the run's
 *    seeded order and asked the function's way, each round packed as the run
 *    packs it (pairsOf). Expected: the rounds the check needs to pass when
 *    the expected share of the pairs hold (pair-split.ts expectedRounds: 2 at
 *    the default targets), what the planner compares; at most (`atMost`):
 *    every round up to sampleCap(pairs) (MAX_SAMPLE), so a passed check's
 *    sample costs no more than that (pairs whose value got no label, asked
 *    alone, are not priced);
 *  - the labels: every distinct value of each side labelled by CLASSIFY,
 *    round by round as the run labels them (a round's new values, then the
 *    values of the pairs not sampled), each batch packed as the run packs it:
 *    the same values at either count of rounds, in batches cut where the rounds end.
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
import { tuplesCost } from '../../../plan/call-cost.js';
import type { OperatorCatalog, SemanticFunction } from '../../../plan/operator-catalog.js';
import { EXPECTED_MATCH_SHARE, EXPECTED_WORDS } from '../cost/expected-matches.js';
import type { StatementPacking } from '../cost/packing.js';
import type { Tuple } from '../state/statement-calls.js';
import { cheaper, type PlanCost, type PlanFigures, planPairs } from './pair-plan.js';
import {
  expectedRounds,
  labelInputs,
  labeller,
  questionInputs,
  SAMPLE_ROUND,
  type SplitAnswer,
  sampleCap,
  sampleOrder,
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
  /** The parts when every round of the sample is asked, when that is more than the expected rounds (`atMost`). */
  readonly partsAtMost?: readonly SplitPart[];
  /** Distinct values labelled. */
  readonly values: number;
  /** Pairs the check asks at most. */
  readonly sample: number;
  /** Rounds of the sample priced in the expected figures (expectedRounds), and at most. */
  readonly rounds: number;
  readonly roundsAtMost: number;
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
  /** The check's targets (`-- @ pair_split`): the rounds it is expected to ask. */
  readonly targets: Pick<PairSplitSetting, 'recall' | 'precision' | 'delta'>;
  /** The most image-file bytes one pack may hold (llm/image-files.ts batchImageBytes); undefined: no images read. */
  readonly imageLimit?: number;
}

/** The split's price for one group of pairs: its question, its sample (expected rounds, and at most) and its labels. */
export async function splitCost(
  fn: SemanticFunction,
  reader: PairReader,
  group: readonly Tuple[],
  c: SplitPriceContext,
  answer?: Pick<SplitAnswer, 'question' | 'labels'>,
): Promise<SplitCost> {
  const cap = sampleCap(group.length);
  const roundsAtMost = Math.ceil(cap / SAMPLE_ROUND);
  const rounds = expectedRounds(cap, EXPECTED_MATCH_SHARE, c.targets);
  const expected = await splitParts(fn, reader, group, c, answer, rounds);
  const most =
    rounds < roundsAtMost ? await splitParts(fn, reader, group, c, answer, roundsAtMost) : expected;
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
    rounds,
    roundsAtMost,
    assumed: answer === undefined,
  };
}

/** The split's parts when the check asks `rounds` rounds of its sample, each priced as the run makes its calls. */
async function splitParts(
  fn: SemanticFunction,
  reader: PairReader,
  group: readonly Tuple[],
  c: SplitPriceContext,
  answer: Pick<SplitAnswer, 'question' | 'labels'> | undefined,
  rounds: number,
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
    const cost = await tuplesCost(cascade, inputs, perPrompt, c.imageLimit);
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
  const classify = labeller(c.catalog);
  const pairsPacking = c.packing.forFunction(fn);
  const labelPacking = classify ? c.packing.forFunction(classify) : undefined;
  const labelled = new Set<string>();
  /** A batch of values labelled as the run labels them (split-pairs.ts): the new ones, in one packed run. */
  const label = async (values: readonly string[]) => {
    const fresh = [...new Set(values)].filter((v) => !labelled.has(v));
    for (const v of fresh) labelled.add(v);
    if (!classify || !labelPacking || fresh.length === 0) return;
    const inputs = labelInputs(fresh, said, c.hint);
    const perPrompt = labelPacking.of(
      inputs.map((i, k) => ({ key: `split label ${k}`, fn: classify, inputs: i })),
    ).perPrompt;
    await part('labels', classify.lazy.cascade, inputs, perPrompt);
  };
  const valuesOf = (ts: readonly Tuple[]) =>
    ts.flatMap((t) => {
      const s = reader.sides(t)!;
      return [s.a, s.b];
    });
  const drawn = Math.min(sampleCap(group.length), rounds * SAMPLE_ROUND);
  const order = sampleOrder(
    group.map((t) => t.key),
    drawn,
    reader.group(first),
  );
  for (let at = 0; at < drawn; at += SAMPLE_ROUND) {
    const round = order.slice(at, at + SAMPLE_ROUND).map((i) => group[i]!);
    await part(
      'sample',
      fn.lazy.cascade,
      round.map((t) => t.inputs),
      pairsPacking.pairsOf(round).perPrompt,
    );
    await label(valuesOf(round));
  }
  const sampled = new Set(order);
  await label(valuesOf(group.filter((_, i) => !sampled.has(i))));
  return { parts, values: labelled.size };
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
  const drawn = Math.min(s.sample, s.rounds * SAMPLE_ROUND);
  const most = s.atMost
    ? `; at most, every round to ${s.sample} pairs asked: ${describeFigures(s.atMost)}`
    : '';
  const rounds =
    s.rounds < s.roundsAtMost
      ? ` (${s.rounds} of ${s.roundsAtMost} rounds: those the check needs to pass when ${EXPECTED_WORDS})`
      : '';
  return `split ${describeFigures(s)}: ${q ? '1 question' : ''}${sample ? `, a sample of ${drawn} pairs in ${sample.calls} calls${rounds}` : ''}${labels ? `, ${s.values} values labelled in ${labels.calls} calls` : ''}${most}${s.assumed ? `; ${ASSUMED_WORDS}` : ''}`;
}

/** Calls, tokens and dollars (when priced) in words. */
export function describeFigures(f: PlanFigures): string {
  return `${f.calls} calls, ~${f.tokensIn} in + ${f.tokensOut} out tokens${f.dollars === null ? '' : `, ~$${f.dollars.toFixed(6)}`}`;
}
