/**
 * Running the split plan of pair conditions (pairs/pair-split.ts states the plan,
 * its check and why): the split question asked once per condition, the sample
 * of pairs asked the function's way, the labels, and each pair answered from its
 * two labels. Runs before the other pair plans (resolve-tuples.ts): what it does
 * not answer is planned as before.
 */
import {
  type OperatorCatalog,
  registeredReturns,
  type SemanticFunction,
} from '../../../plan/operator-catalog.js';
import { type CallRunner, type CallTarget, targetOf } from '../calls/call-runner.js';
import type { PlanCost } from '../pairs/pair-plan.js';
import {
  checkLooks,
  compareLabels,
  fixed,
  labeller,
  lookCanPass,
  lookRounds,
  MIN_SPLIT_PAIRS,
  type PairSplitChoice,
  type PairSplitReport,
  questionInputs,
  readSplitAnswer,
  type SplitAnswer,
  type SplitCheck,
  sampleCap,
  splitRefusal,
  tally,
} from '../pairs/pair-split.js';
import { type PairReader, pairGroups } from '../pairs/small-side.js';
import { dearerWhy, labelCalls, priceSplit, type SplitPriceContext, splitCost } from '../pairs/split-cost.js';
import { outputValue } from '../state/sql-types.js';
import type { SqlValue, Tuple } from '../state/statement-calls.js';

/** What the split plan needs of the statement. */
export interface SplitContext {
  readonly runner: CallRunner;
  readonly catalog: OperatorCatalog;
  readonly hint: string;
  readonly setting: PairSplitChoice;
  /** The statement has `-- @ prefilter` (no split then). */
  readonly prefiltered: boolean;
  /** The statement has a top-level LIMIT (no split then). */
  readonly limited: boolean;
  /** `-- @ small_side`: the pair plans the split is priced against are planned with it (pair-plan.ts). */
  readonly smallSide: number;
  /** The most image-file bytes one pack may hold (packing.ts packImageLimit): the split's packs are priced cut by it. */
  readonly imageLimit?: number;
  /** What each condition's split question answered, per statement (asked once, whatever the passes). */
  readonly answers: Map<string, Promise<SplitAnswer | { why: string }>>;
  readonly reports: PairSplitReport[];
}

/**
 * Runs every pair group of the tuples that the split answers (answers into
 * `results`), and returns the tuples left for the other plans (pair-plan.ts):
 * groups not offered, not split, or whose check failed (less their sampled
 * pairs, answered already), and values the labeller could not label.
 */
export async function splitPairs(
  byFn: ReadonlyMap<SemanticFunction, readonly Tuple[]>,
  c: SplitContext,
  results: Map<string, SqlValue>,
): Promise<Tuple[]> {
  const rest: Tuple[] = [];
  const runs: Promise<void>[] = [];
  for (const [fn, ts] of byFn) {
    const split = pairGroups(fn, ts, c.catalog);
    if (split?.reader.kind !== 'condition') {
      rest.push(...ts);
      continue;
    }
    rest.push(...split.single);
    for (const group of split.groups) {
      const refusal = splitRefusal(group.length, c);
      if (refusal !== null) {
        rest.push(...group);
        // Only the user's choice is reported (pair_split: off); a group too small, prefiltered or under a
        // LIMIT is the usual case, and EXPLAIN's pair_split says why.
        if (group.length >= MIN_SPLIT_PAIRS && !c.setting.on)
          c.reports.push(reportHead(fn, split.reader, group, c, refusal));
        continue;
      }
      runs.push(
        priceThenSplit(fn, split.reader, group, c, results).then((left) => {
          rest.push(...left);
        }),
      );
    }
  }
  await Promise.all(runs);
  return rest;
}

/**
 * A group offered the split: unless `-- @ pair_split` forces it, priced first
 * against the best pair plan (split-cost.ts, the labels assumed): dearer, it
 * is not asked at all, and the group goes to the pair plans.
 */
async function priceThenSplit(
  fn: SemanticFunction,
  reader: PairReader,
  group: readonly Tuple[],
  c: SplitContext,
  results: Map<string, SqlValue>,
): Promise<Tuple[]> {
  if (c.setting.forced) return splitGroup(fn, reader, group, c, results);
  const priced = await priceSplit(fn, reader, group, priceContext(c));
  if (!priced.cheaper) {
    c.reports.push(reportHead(fn, reader, group, c, dearerWhy(priced)));
    return [...group];
  }
  return splitGroup(fn, reader, group, c, results, priced.plans);
}

/** What pricing the split needs, from the run's context: the runner's packing, the statement's small side, hint and targets. */
function priceContext(c: SplitContext): SplitPriceContext {
  return {
    catalog: c.catalog,
    packing: c.runner.packing,
    smallSide: c.smallSide,
    hint: c.hint,
    targets: c.setting,
    layout: c.runner.layout,
    ...(c.imageLimit !== undefined ? { imageLimit: c.imageLimit } : {}),
  };
}

function reportHead(
  fn: SemanticFunction,
  reader: PairReader,
  group: readonly Tuple[],
  c: SplitContext,
  why?: string,
): PairSplitReport {
  const [a, b] = reader.names(group[0]!);
  return {
    fn: fn.name,
    sides: `${a} × ${b}`,
    condition: reader.condition(group[0]!),
    pairs: group.length,
    split: false,
    setting: c.setting,
    ...(why ? { why } : {}),
  };
}

/** The split question of a group's condition, asked once per statement. */
function askSplit(
  reader: PairReader,
  sample: Tuple,
  c: SplitContext,
  fn: SemanticFunction,
): Promise<SplitAnswer | { why: string }> {
  const inputs = questionInputs(reader, sample);
  const key = JSON.stringify(inputs);
  let asked = c.answers.get(key);
  if (!asked) {
    const target: CallTarget = {
      path: c.catalog.pairSplit.path,
      cascade: c.catalog.pairSplit.cascade,
      name: fn.name,
      cacheable: true,
      // An answer out of shape is no split (the group runs as it would have), never the statement's failure.
      nullOnInvalid: true,
      noPack: true,
    };
    asked = c.runner.run(target, [inputs]).then(([out]) => readSplitAnswer(out));
    c.answers.set(key, asked);
  }
  return asked;
}

async function splitGroup(
  fn: SemanticFunction,
  reader: PairReader,
  group: readonly Tuple[],
  c: SplitContext,
  results: Map<string, SqlValue>,
  /** The group's pair plans as priced before the question (absent: the split is forced, never priced). */
  pairPlans?: readonly PlanCost[],
): Promise<Tuple[]> {
  const head = reportHead(fn, reader, group, c);
  const answer = await askSplit(reader, group[0]!, c, fn);
  if ('why' in answer) {
    c.reports.push({ ...head, why: answer.why });
    return [...group];
  }
  if (pairPlans) {
    // The model's labels and question priced: taken only when the split is still the cheaper.
    const priced = await priceSplit(fn, reader, group, priceContext(c), answer, pairPlans);
    if (!priced.cheaper) {
      c.reports.push({ ...head, answer, why: dearerWhy(priced) });
      return [...group];
    }
  }
  const returns = registeredReturns(fn.sql);
  const classify = labeller(c.catalog)!;
  const labels = new Map<string, string | null>();
  const label = async (values: readonly string[]) => {
    const fresh = [...new Set(values)].filter((v) => !labels.has(v));
    if (fresh.length === 0) return;
    const { inputs, perPrompt } = labelCalls(classify, c.runner.packing, fresh, answer, c.hint);
    const outs = await c.runner.run({ ...targetOf(classify), batch: perPrompt }, inputs);
    fresh.forEach((v, k) => {
      const l = outputValue(outs[k], 'VARCHAR');
      labels.set(v, typeof l === 'string' && answer.labels.includes(l) ? l : null);
    });
  };
  const splitOf = (t: Tuple): boolean | null => {
    const s = reader.sides(t)!;
    const [a, b] = [labels.get(s.a), labels.get(s.b)];
    return a == null || b == null ? null : compareLabels(a, b, answer);
  };

  // Every value labelled first: the split's answer to each pair, and its share of true pairs, size the check.
  await label(group.flatMap((t) => [reader.sides(t)!.a, reader.sides(t)!.b]));
  const share = group.filter((t) => splitOf(t) === true).length / group.length;
  // The check: its looks at sampled pairs, each asked the function's way (packed as its pairs pack).
  const looks = checkLooks(group.length, share, c.setting);
  const rounds = lookRounds(
    group,
    looks.map((l) => l.size),
    reader.group(group[0]!),
  );
  const reference = new Map<Tuple, boolean | null>();
  const packing = c.runner.packing.forFunction(fn);
  let check: SplitCheck | undefined;
  let asked = 0;
  for (const [k, look] of looks.entries()) {
    // Hopeless: even if every pair it adds agreed, this look could not pass.
    if (check && !lookCanPass(check.answered - check.agreed, look, share, c.setting)) break;
    const round = rounds[k]!;
    asked = k + 1;
    const batch = packing.pairsOf(round).perPrompt;
    const outs = await c.runner.run(
      { ...targetOf(fn), batch },
      round.map((t) => t.inputs as Record<string, unknown>),
    );
    round.forEach((t, k) => {
      const v = outputValue(outs[k], returns);
      results.set(t.key, v);
      reference.set(t, typeof v === 'boolean' ? v : null);
    });
    check = tally(reference, splitOf, share, look.delta, c.setting);
    if (check.passed) break;
  }
  const sampled = new Set(reference.keys());
  const unsampled = group.filter((t) => !sampled.has(t));
  if (!check?.passed) {
    const why = check
      ? `the sample of ${check.answered} pairs bounds recall at ${fixed(check.recallBound)} and precision at ${fixed(check.precisionBound)}, under the targets`
      : `the labels make ${fixed(share)} of the pairs true: not even ${sampleCap(group.length)} sampled pairs all agreeing could bound recall and precision at the targets`;
    c.reports.push({ ...head, answer, ...(check ? { check } : {}), why });
    return unsampled;
  }
  const alone: Tuple[] = [];
  for (const t of unsampled) {
    const v = splitOf(t);
    if (v === null) alone.push(t);
    else results.set(t.key, v);
  }
  // What the cost model says of the calls just made, knowing the labels: EXPLAIN's price had it known them
  // (split-cost.ts; EXPLAIN sizes the check at the expected share). Pairs asked alone are not in it.
  const known = await splitCost(fn, reader, group, priceContext(c), answer, share);
  const priced = asked > 1 && known.atMost ? known.atMost : known;
  c.reports.push({
    ...head,
    split: true,
    answer,
    check,
    labelled: labels.size,
    askedAlone: alone.length,
    priced: { calls: priced.calls, tokensIn: priced.tokensIn, tokensOut: priced.tokensOut },
  });
  return alone;
}
