/**
 * The split plan of a pair condition (issue 68): a condition over one value of
 * each side (`LLM_FILTER('the two reviews express opposite sentiments', r1.t,
 * r2.t)`, a pair MEANS) that only compares one attribute of each side is asked
 * as per-row labels instead of pair by pair: every distinct value of each side
 * is labelled once (the shipped CLASSIFY, labels from the split), and each pair's
 * answer is the comparison of its two labels (`=` or `<>`). L × R pairs cost
 * L + R labels instead of L·R answers (blocks state L + R values per block, but
 * still answer every pair).
 *
 * Whether a condition splits is the model's call, asked once per condition
 * (cascades/semantic/pair_split.yaml; cached like any call): the attribute's
 * question, its labels, the comparison, and the labels between which the
 * comparison can hold (a neutral review has no opposite sentiment).
 *
 * Running it is plan/split-pairs.ts's. Under a guarantee: every distinct value
 * of each side is labelled first, so the split's answer to every pair, and the
 * share `s` of the group's pairs it answers true, are known before any pair is
 * asked. Then a seeded uniform sample of the group's pairs is asked the
 * function's own way (the reference: what the pairwise, packed or block plans
 * answer) and the split's disagreements with it counted. One bound covers both
 * targets: if at most a share `u` of the group's pairs disagree, the split's
 * precision is at least 1 − u/s (every disagreement a false alarm) and its
 * recall at least s/(s + u) (every disagreement a miss), and the run's answers
 * do no worse (a sampled pair keeps its reference answer, a pair with an
 * unlabelled value is asked). `u` is Clopper-Pearson's one-sided upper bound on
 * the disagreement share (accuracy-cascade.ts, the proxies' bound), so both
 * targets hold together at 1 − δ with no split of δ between them, where the
 * check before bounded each from its own sample's true pairs at δ/2. The
 * sample is sized from `s` (checkLooks): its first look is the fewest pairs that
 * pass if all agree; a second look, up to MAX_SAMPLE, can still pass a first
 * look with a few disagreements. The two looks' sizes are fixed before any pair
 * is asked and spend δ between them (FIRST_LOOK_DELTA; Bonferroni's union
 * bound: the check's error is at most the sum of its looks' levels), so
 * stopping at the first that passes keeps 1 − δ. A uniform sample of pairs
 * without replacement: with no disagreement drawn, the binomial bound is
 * conservative for it (the chance of drawing none of K disagreeing pairs in m
 * draws from N is Π (1 − K/(N − i)) ≤ (1 − K/N)^m). The sampled pairs keep their
 * reference answers. A failed check runs the group as it would have run
 * (pair-plan.ts: pairwise, packed, blocks or small side).
 *
 * Offered only for MIN_SPLIT_PAIRS pairs or more, without `-- @ prefilter`
 * (a prefilter already cut the pairs to each value's nearest), and when the
 * shipped CLASSIFY labels (an overridden one has semantics of its own); then
 * taken only when priced under the best pair plan (split-cost.ts, issue 67),
 * unless `-- @ pair_split` forces it (PairSplitChoice).
 *
 * The record pass has already listed every pair the statement's join makes,
 * so the split answers each listed pair from its two labels (a lookup): the
 * same rows a DuckDB join on the labels gives, without rewriting the user's SQL.
 */
import { hashSeed, mulberry32 } from '../../../../base/rng.js';
import type { PairSplitSetting } from '../../../../grammar/index.js';
import { clopperPearsonUpper } from '../../../plan/accuracy-cascade.js';
import type { OperatorCatalog, SemanticFunction } from '../../../plan/operator-catalog.js';
import type { Tuple } from '../state/statement-calls.js';
import type { PairReader } from './small-side.js';

/**
 * Pairs a group needs before the split is offered. The split's fixed cost is
 * one question, the labels of every value and a sample of ~50–256 pairs
 * asked the function's way (checkLooks); under ~512 pairs (about
 * 23 × 23 values) that sample is half the pairs or more, and the labels of
 * L + R ≈ 46 values save little against blocks of 23 × 23: the split could not
 * pay for its check.
 */
export const MIN_SPLIT_PAIRS = 2048;
/** Pairs the check asks at most (its last look). */
export const MAX_SAMPLE = 256;
/**
 * The share of δ the check's first look spends; its second (last) look, the
 * rest. Most of it on the first: that look passes whenever the split agrees
 * with every sampled pair, the case the split is priced for, and at 0.8 δ it
 * is 6 pairs longer than at δ (78 against 72 when 41% of pairs hold, targets
 * 0.9); the second look, at 0.2 δ over 256 pairs, still passes a sample with
 * two disagreements at that share.
 */
export const FIRST_LOOK_DELTA = 0.8;
/** The sample's seed: runs of the same statement over the same pairs draw alike. */
const SAMPLE_SEED = 68;
/** Labels a split may name: 2 at least (one label compares nothing), 16 at most (a label list is one enum). */
const MAX_LABELS = 16;

/**
 * The statement's pair_split setting and whether the statement said it:
 * `forced` (`-- @ pair_split: on` or targets) takes the split wherever it is
 * offered, the check still guarding it; unsaid (the default, or the engine's
 * pairSplit), the planner takes it only when priced under the best pair plan
 * (split-cost.ts).
 */
export interface PairSplitChoice extends PairSplitSetting {
  readonly forced: boolean;
}

/** What the model said the condition compares (pair_split.yaml's answer, checked). */
export interface SplitAnswer {
  readonly question: string;
  readonly labels: readonly string[];
  readonly comparison: '=' | '<>';
  readonly compared: readonly string[];
}

/** One look of the check: the pairs drawn by then, and the level it spends. */
export interface CheckLook {
  readonly size: number;
  readonly delta: number;
}

/** The sample check's figures. */
export interface SplitCheck {
  /** Pairs drawn, and those with a reference answer (true or false). */
  readonly draws: number;
  readonly answered: number;
  /** Sampled pairs the reference answered true; of them, those the split answered false. */
  readonly positives: number;
  readonly missed: number;
  /** Sampled pairs the split answered true; of them, those the reference answered false. */
  readonly splitPositives: number;
  readonly falseAlarms: number;
  /** Sampled pairs on which split and reference agree. */
  readonly agreed: number;
  /** The share of the group's pairs the split answers true (from every value's label). */
  readonly share: number;
  /** Clopper-Pearson's upper bound on the group's share of pairs split and reference disagree on, at the look's level. */
  readonly disagreementBound: number;
  /** The recall and precision that bound gives at the split's share (splitBounds). */
  readonly recallBound: number;
  readonly precisionBound: number;
  readonly passed: boolean;
}

/** How one pair group was planned with respect to the split (rvbbit.queries' strategy, EXPLAIN ANALYZE). */
export interface PairSplitReport {
  readonly fn: string;
  /** The pair's two sides (`r1.t × r2.t`) and its condition. */
  readonly sides: string;
  readonly condition: string;
  readonly pairs: number;
  /** true: the group ran as labels compared. */
  readonly split: boolean;
  /** Why not split (when not), in words. */
  readonly why?: string;
  readonly answer?: SplitAnswer;
  readonly check?: SplitCheck;
  readonly setting: PairSplitSetting;
  /** Distinct values labelled, and pairs asked the function's way after all (a value with no label). */
  readonly labelled?: number;
  readonly askedAlone?: number;
  /**
   * The split's calls priced by the cost model once the labels are known (split-cost.ts, at the model's labels
   * and the share they make true, the looks the run asked): what EXPLAIN states at the expected share, here at
   * the run's. The question's answer is the model's JSON, priced at its least.
   */
  readonly priced?: { readonly calls: number; readonly tokensIn: number; readonly tokensOut: number };
}

/** The shipped CLASSIFY, the split's labeller; undefined when a file or CREATE SEMANTIC FUNCTION overrides it. */
export function labeller(catalog: OperatorCatalog): SemanticFunction | undefined {
  const fn = catalog.functions.get('classify');
  return fn?.cascadePath.startsWith(catalog.shippedDir) ? fn : undefined;
}

/** The split question's inputs for a group (pair_split.yaml), from one of its pairs. */
export function questionInputs(reader: PairReader, sample: Tuple): Record<string, string> {
  const [left, right] = reader.names(sample);
  return { condition: reader.condition(sample), left_label: left, right_label: right };
}

/** CLASSIFY's inputs labelling `values` by the split's labels, the split's question in the hint. */
export function labelInputs(
  values: readonly string[],
  answer: { readonly question: string; readonly labels: readonly string[] },
  statementHint: string,
): Record<string, string>[] {
  const hint = [`The labels answer the question: ${answer.question}`, statementHint]
    .filter((h) => h.trim())
    .join('\n');
  return values.map((text) => ({ text, labels: answer.labels.join(','), hint }));
}

/** Pairs the check draws at most from a group of `pairs`: MAX_SAMPLE, or half the group when smaller. */
export function sampleCap(pairs: number): number {
  return Math.min(MAX_SAMPLE, Math.floor(pairs / 2));
}

type Targets = Pick<PairSplitSetting, 'recall' | 'precision' | 'delta'>;

/**
 * Recall and precision over the group when at most a share `u` of its pairs
 * disagree and the split answers a share `share` true: a disagreement is a
 * miss or a false alarm, so precision ≥ 1 − u/share (all false alarms) and
 * recall ≥ share/(share + u) (all misses: the true pairs are then the
 * split's plus u). 0 when the split answers nothing true.
 */
export function splitBounds(share: number, u: number): { recall: number; precision: number } {
  if (share <= 0) return { recall: 0, precision: 0 };
  return { recall: share / (share + u), precision: Math.max(0, 1 - u / share) };
}

function meets(b: { recall: number; precision: number }, t: Targets): boolean {
  return b.recall >= t.recall && b.precision >= t.precision;
}

/**
 * The check's looks over a group of `pairs` whose split answers a share
 * `share` true, fixed before any pair is asked: the first at the fewest
 * pairs that pass the targets when all agree (at FIRST_LOOK_DELTA of δ), the
 * second at sampleCap (the rest of δ); one look at sampleCap, at δ, when the
 * first would need that many; none when even sampleCap pairs all agreeing
 * could not pass (the split answers too few pairs true for the targets).
 * The run sizes its sample by the split's own share; its price (split-cost.ts)
 * by the expected share (cost/expected-matches.ts).
 */
export function checkLooks(pairs: number, share: number, targets: Targets): CheckLook[] {
  const cap = sampleCap(pairs);
  const passesAll = (m: number, delta: number) =>
    meets(splitBounds(share, clopperPearsonUpper(0, m, delta)), targets);
  if (cap < 1 || !passesAll(cap, targets.delta)) return [];
  const first = targets.delta * FIRST_LOOK_DELTA;
  let m = 1;
  while (m < cap && !passesAll(m, first)) m++;
  if (m >= cap) return [{ size: cap, delta: targets.delta }];
  return [
    { size: m, delta: first },
    { size: cap, delta: targets.delta - first },
  ];
}

/**
 * Whether a look can still pass after `disagreed` disagreements: as if every
 * pair it adds agreed. The check stops before a look that cannot.
 */
export function lookCanPass(disagreed: number, look: CheckLook, share: number, targets: Targets): boolean {
  return meets(splitBounds(share, clopperPearsonUpper(disagreed, look.size, look.delta)), targets);
}

/**
 * The check's draws in order, as indexes into the group: the first `n` of a
 * seeded shuffle (a partial Fisher-Yates: a sample without replacement),
 * seeded by the group's key, so the run and its price (split-cost.ts) draw
 * alike. Shuffled from the pairs in the order of their keys, not the group's:
 * the record pass lists the pairs as DuckDB's threads deliver them, which may
 * differ from run to run, and the same statement must sample the same pairs.
 */
export function sampleOrder(keys: readonly string[], n: number, seed: string): number[] {
  const rng = mulberry32(hashSeed(`pair split\u0000${SAMPLE_SEED}\u0000${seed}`));
  const size = keys.length;
  const idx = Array.from({ length: size }, (_, i) => i).sort((x, y) =>
    keys[x]! < keys[y]! ? -1 : keys[x]! > keys[y]! ? 1 : x - y,
  );
  const m = Math.min(n, size);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rng() * (size - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, m);
}

/**
 * The pairs each look of the check asks, in order: look k asks the draws
 * (sampleOrder, seeded by the group) from the end of look k − 1 to its own
 * size. One rule for the run (split-pairs.ts, which stops at the first look
 * that passes) and its price (split-cost.ts).
 */
export function lookRounds<T extends { readonly key: string }>(
  group: readonly T[],
  sizes: readonly number[],
  seed: string,
): T[][] {
  const order = sampleOrder(
    group.map((t) => t.key),
    sizes.at(-1) ?? 0,
    seed,
  );
  let drawn = 0;
  return sizes.map((size) => {
    const round = order.slice(drawn, size).map((i) => group[i]!);
    drawn = Math.max(drawn, size);
    return round;
  });
}

/**
 * Why a pair group of this many pairs is not offered the split, or null when it is
 * (the question and the check decide then). EXPLAIN states the same.
 */
export function splitRefusal(
  pairs: number,
  o: {
    readonly setting: PairSplitSetting;
    readonly prefiltered: boolean;
    readonly limited: boolean;
    readonly catalog: OperatorCatalog;
  },
): string | null {
  if (!o.setting.on) return 'off (-- @ pair_split: off, or the engine option pairSplit: false)';
  if (o.prefiltered) return 'not under -- @ prefilter (it already cut the pairs)';
  if (o.limited)
    return 'not under a top-level LIMIT (its passes ask only the pairs the LIMIT needs; labelling every value would cost more)';
  if (pairs < MIN_SPLIT_PAIRS)
    return `not offered under ${MIN_SPLIT_PAIRS} pairs (its check would cost what it saves)`;
  if (!labeller(o.catalog)) return 'CLASSIFY is overridden, and the split labels with the shipped one';
  return null;
}

/** pair_split.yaml's answer as a split, or why it is none. */
export function readSplitAnswer(output: unknown): SplitAnswer | { why: string } {
  if (output === null || typeof output !== 'object') return { why: 'the split question had no answer' };
  const o = output as Record<string, unknown>;
  if (o['splits'] !== true)
    return { why: 'the model says the condition does not compare one attribute of each side' };
  const strings = (v: unknown) =>
    Array.isArray(v) ? v.map((x) => String(x).trim()).filter((x) => x.length > 0) : [];
  const labels = [...new Set(strings(o['labels']))];
  const compared = [...new Set(strings(o['compared_labels']))];
  const comparison = o['comparison'];
  if (labels.length < 2 || labels.length > MAX_LABELS)
    return { why: `the split named ${labels.length} labels (2 to ${MAX_LABELS} compare anything)` };
  if (labels.some((l) => l.includes(',')))
    return { why: 'a label of the split holds a comma (CLASSIFY splits its labels on commas)' };
  if (comparison !== '=' && comparison !== '<>')
    return { why: `the split's comparison is ${String(comparison)}` };
  const unknown = compared.find((c) => !labels.includes(c));
  if (unknown !== undefined)
    return { why: `the compared label '${unknown}' is not one of the split's labels` };
  return {
    question: typeof o['question'] === 'string' ? o['question'] : '',
    labels,
    comparison,
    compared: compared.length > 0 ? compared : labels,
  };
}

/** A pair's answer under the split: its two labels compared (false when either is outside the compared labels). */
export function compareLabels(a: string, b: string, s: SplitAnswer): boolean {
  if (!s.compared.includes(a) || !s.compared.includes(b)) return false;
  return s.comparison === '=' ? a === b : a !== b;
}

/**
 * The check's figures over the sample so far, judged at a look's level: the
 * disagreement share's upper bound, and the recall and precision it gives at
 * the split's share of true pairs.
 */
export function tally(
  reference: ReadonlyMap<Tuple, boolean | null>,
  splitOf: (t: Tuple) => boolean | null,
  share: number,
  delta: number,
  targets: Pick<PairSplitSetting, 'recall' | 'precision'>,
): SplitCheck {
  let answered = 0;
  let positives = 0;
  let missed = 0;
  let splitPositives = 0;
  let falseAlarms = 0;
  let agreed = 0;
  for (const [t, truth] of reference) {
    if (truth === null) continue;
    answered++;
    // A value with no label counts against the split: it would be asked again, but the check does not assume so.
    const s = splitOf(t) ?? !truth;
    if (truth) positives++;
    if (truth && !s) missed++;
    if (s) splitPositives++;
    if (s && !truth) falseAlarms++;
    if (s === truth) agreed++;
  }
  const disagreementBound = clopperPearsonUpper(answered - agreed, answered, delta);
  const b = splitBounds(share, disagreementBound);
  return {
    draws: reference.size,
    answered,
    positives,
    missed,
    splitPositives,
    falseAlarms,
    agreed,
    share,
    disagreementBound,
    recallBound: b.recall,
    precisionBound: b.precision,
    passed: meets(b, { ...targets, delta }),
  };
}

export const fixed = (x: number) => String(Math.round(x * 1000) / 1000);

/** The strategy's line for one group (rvbbit.queries, EXPLAIN ANALYZE). */
export function describePairSplit(r: PairSplitReport): string {
  const head = `${r.fn} ${r.sides} (${r.pairs} pairs)`;
  const a = r.answer;
  const how = a
    ? `labels ${a.labels.join('/')} compared by ${a.comparison}${a.compared.length < a.labels.length ? ` between ${a.compared.join('/')}` : ''}`
    : '';
  const k = r.check;
  const sample = k
    ? `; sample of ${k.answered} pairs agreed on ${k.agreed} (the labels make ${fixed(k.share)} of the pairs true; recall ≥ ${fixed(k.recallBound)}, precision ≥ ${fixed(k.precisionBound)} at delta ${r.setting.delta}; targets ${r.setting.recall}, ${r.setting.precision})`
    : '';
  const priced = r.priced
    ? `; priced at these labels: ${r.priced.calls} calls, ~${r.priced.tokensIn} in + ${r.priced.tokensOut} out tokens`
    : '';
  if (r.split)
    return `pair split: ${head} ran as ${how}: ${r.labelled} values labelled${sample}${r.askedAlone ? `; ${r.askedAlone} pairs with an unlabelled value asked alone` : ''}${priced}`;
  return `pair split: ${head} not split: ${r.why ?? ''}${how ? ` (${how})` : ''}${sample}`;
}
