/**
 * The planner of pair predicates (`a ~ b`, `LLM_FILTER('…', a, b)`, `(a, b)
 * MEANS '…'`): for each group of pairs that may share a plan it prices every
 * plan the statement allows and takes the one of fewest estimated dollars,
 * input and output each at its model's price (a small side's and blocks'
 * cascades may name other models than the function's: each plan is priced
 * at its own); when a model has no price, the fewest tokens (in + out). On a
 * tie, fewer calls. Dollars, not tokens: an output token costs 4× an input
 * token on gpt-4o-mini (sim-small), and blocks answer every pair in their
 * output where the small side lists only the matches:
 *  - pairwise: one call per pair (`-- @ batch: 1`, or a cascade that cannot be packed);
 *  - packed: `batch` pairs per prompt (unsaid: the size packing.ts chooses), both values of each stated (packed-prompt.ts);
 *  - blocks: up to `batch` left × `batch` right values per prompt, each
 *    stated once, one answer per pair (pair-blocks.ts);
 *  - small side: one call per value of the large side listing the small side
 *    (at most `-- @ small_side` values) as candidates (small-side.ts), priced
 *    one call a prompt and packed as the statement packs (packing.ts
 *    candidatesOf): without a prefilter every call lists the same candidates,
 *    which a packed prompt states once (packed-prompt.ts), so n calls' prompt
 *    is about one block of n × the small side answering only the matches.
 * The estimates are the ones EXPLAIN prints (estimate/operator-cost.ts), made here
 * once, by the run's own request rule (plan/call-cost.ts requestCost: the
 * prompt the cell renders, the chat's markup, the response_format's schema,
 * as OpenAI counts them): a plan's request without its values, plus each
 * distinct value's tokens (an image at its detail) times its uses; the
 * answers as the least JSON the schema asks for. A small side's answer lists
 * the candidates that match, as many as the model finds: it is priced at the
 * expected share of them (cost/expected-matches.ts, PostgreSQL's default
 * selectivity of a function clause), the planner picking by that, and at
 * every candidate listed (the most it can be) as its bound (`atMost`).
 */

import type { Cascade } from '../../../cascade/cascade-types.js';
import { imageRefTokens, splitImages } from '../../../llm/images.js';
import { textTokensNow } from '../../../llm/token-count.js';
import { requestCost } from '../../../plan/call-cost.js';
import { type OperatorCatalog, pairPlanOf, type SemanticFunction } from '../../../plan/operator-catalog.js';
import type { PackChoice } from '../../../plan/pack-size.js';
import { expectedListed } from '../cost/expected-matches.js';
import type { FunctionPacking } from '../cost/packing.js';
import type { Tuple } from '../state/statement-calls.js';
import {
  blockable,
  blockInputs,
  blockSide,
  type PairBlock,
  type PairTemplate,
  pairTemplate,
  tileBlocks,
} from './pair-blocks.js';
import {
  type CandidateCalls,
  candidateInputs,
  type PairReader,
  pairGroups,
  type SmallSidePlan,
  smallSidePlans,
} from './small-side.js';

/** The pair plans planPairs prices, and the split (split-cost.ts), priced beside them. */
export type PairPlanKind = 'pairwise' | 'packed' | 'blocks' | 'small side' | 'split';

/** A plan's figures: calls, tokens, and the tokens at the model's prices (null when a model it calls has no price). */
export interface PlanFigures {
  readonly calls: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly dollars: number | null;
}

/**
 * A plan's estimate for a group when nothing is cached: its expected figures
 * (what the planner compares), and, when they rest on how many pairs hold
 * (cost/expected-matches.ts), the most they can be.
 */
export interface PlanCost extends PlanFigures {
  readonly kind: PairPlanKind;
  /** Calls per prompt when a small side's calls are packed (more than 1). */
  readonly perPrompt?: number;
  /** The bound, when above the expected figures: every candidate listed (small side), every round asked (split). */
  readonly atMost?: PlanFigures;
}

/** Dollars for tokens of calls to a cascade at its models' prices, null when one has none (packing.ts StatementPacking.dollars). */
export type PlanPricer = (cascade: Cascade, tokensIn: number, tokensOut: number) => number | null;

/** The block plan of a group: the pair prompt's template and the blocks, `side` values per side at most. */
export interface BlockPlan {
  readonly template: PairTemplate;
  readonly side: number;
  readonly blocks: readonly PairBlock[];
}

/** How a group of pairs was planned: the plans priced, the chosen one first (EXPLAIN's `pair_plans`). */
export interface PairChoice {
  /** The pair's two expressions (`r.review × m.phrase`). */
  readonly sides: string;
  readonly pairs: number;
  readonly costs: readonly PlanCost[];
  /** Why blocks were not priced when `-- @ batch` asked for packing. */
  readonly noBlocks?: string;
}

/**
 * A function's tuples in groups that share a plan: a small side's group
 * (`plan`), a block plan's (`blocks`), or the rest, run as the function's
 * tuples are (pairwise, or packed under `-- @ batch`). `choices` says how
 * the pair groups in it were planned.
 */
export interface PlannedGroup {
  readonly tuples: readonly Tuple[];
  readonly reader: PairReader | null;
  readonly plan: SmallSidePlan | null;
  readonly blocks?: BlockPlan;
  readonly choices?: readonly PairChoice[];
  /** Tuples per prompt when the group runs as the function's tuples (packing.ts); a small side's candidate calls per prompt; 1 for blocks. */
  readonly perPrompt: number;
  /** Why that many (EXPLAIN's words). */
  readonly packing: string;
}

export interface PairPlanOptions {
  /** `-- @ small_side`: the most distinct values of a small side. */
  readonly smallSide: number;
  /** How the function's tuples pack (packing.ts): its pairs' size (packed pairs and blocks priced when above 1) and its other tuples'. */
  readonly packing: FunctionPacking;
  /** The statement's hint: the small side's candidate calls carry it. */
  readonly hint: string;
  /** Prices a plan's tokens (absent: nothing priced, plans compared by tokens). */
  readonly dollars?: PlanPricer;
}

/** The plan of each group of one function's tuples. */
export function planPairs(
  fn: SemanticFunction,
  tuples: readonly Tuple[],
  catalog: OperatorCatalog,
  o: PairPlanOptions,
): PlannedGroup[] {
  const split = pairGroups(fn, tuples, catalog);
  if (!split) return [{ tuples, reader: null, plan: null, ...packed(o.packing.of(tuples)) }];
  const { reader, groups, single } = split;
  // One pack size for every pair group of the function: its packed groups run together, as one.
  const pairs = o.packing.pairsOf(groups.flat());
  const out: PlannedGroup[] = [];
  let plain: Tuple[] = [];
  const plainChoices: PairChoice[] = [];
  for (const ts of groups) {
    const g = planGroup(fn, catalog, reader, ts, o, pairs.perPrompt);
    if (g.plan || g.blocks) out.push(g);
    else {
      plain.push(...ts);
      plainChoices.push(...(g.choices ?? []));
    }
  }
  // One-value tuples go with the pairs run as the function's tuples when they pack alike (an explicit batch), else alone.
  const singles = single.length > 0 ? o.packing.of(single) : undefined;
  if (singles && singles.perPrompt !== pairs.perPrompt) {
    out.push({ tuples: single, reader: null, plan: null, ...packed(singles) });
  } else plain = single.concat(plain);
  if (plain.length > 0)
    out.push({
      tuples: plain,
      reader: null,
      plan: null,
      ...(plainChoices.length > 0 ? { choices: plainChoices } : {}),
      ...packed(pairs),
    });
  return out;
}

function planGroup(
  fn: SemanticFunction,
  catalog: OperatorCatalog,
  reader: PairReader,
  ts: readonly Tuple[],
  o: PairPlanOptions,
  /** Pairs per prompt when packed (packing.ts pairsOf): more than 1 prices packed pairs and blocks. */
  perPrompt: number,
): PlannedGroup {
  const cascade = fn.lazy.cascade;
  const counter = new TokenCounter();
  const [la, lb] = reader.names(ts[0]!);
  const sides = `${la} × ${lb}`;
  const packs = perPrompt > 1;
  const dollarsOf = (priced: Cascade, c: Omit<PlanFigures, 'dollars'>) =>
    o.dollars?.(priced, c.tokensIn, c.tokensOut) ?? null;
  const price = ({ atMost, ...c }: Unpriced, priced: Cascade): PlanCost => ({
    ...c,
    dollars: dollarsOf(priced, c),
    ...(atMost ? { atMost: { ...atMost, dollars: dollarsOf(priced, atMost) } } : {}),
  });
  const costs: PlanCost[] = [price(pairCost(cascade, reader, ts, packs ? perPrompt : 1, counter), cascade)];
  let blocks: BlockPlan | undefined;
  let noBlocks: string | undefined;
  // Blocks take the tuples whose values hold no block markup: all of them, or the group is not priced so.
  if (packs) {
    const made = pairTemplate(cascade, reader, ts[0]!);
    if ('why' in made) noBlocks = made.why;
    else if (!ts.every((t) => blockable(reader, t))) noBlocks = 'a value holds the block markup';
    else {
      const side = blockSide(perPrompt);
      blocks = { template: made.template, side, blocks: tileBlocks(ts, reader, side) };
      costs.push(price(blocksCost(catalog.pairBlocks.cascade, blocks), catalog.pairBlocks.cascade));
    }
  }
  // Each orientation of the small side priced, one call per prompt and packed as the statement packs (the calls'
  // shared candidates stated once a prompt; under a prefilter a window's left rows, each listing its k kept rights,
  // share one); the cheapest kept (its cost is the one listed).
  let small: SmallSidePlan | null = null;
  let smallCost: PlanCost | undefined;
  let smallPack = 1;
  const candidates = pairPlanOf(fn, catalog)!.cascade.cascade;
  for (const plan of smallSidePlans(reader, ts, o.smallSide)) {
    const calls = candidateInputs({ plan, tuples: ts, reader }, o.hint);
    const pack = o.packing.candidatesOf(candidates, calls.inputs).perPrompt;
    for (const n of pack > 1 ? [1, pack] : [1]) {
      const c = price(smallSideCost(candidates, calls, n, counter), candidates);
      if (!smallCost || cheaper(c, smallCost)) [small, smallCost, smallPack] = [plan, c, n];
    }
  }
  if (smallCost) costs.push(smallCost);
  costs.sort((x, y) => (cheaper(x, y) ? -1 : cheaper(y, x) ? 1 : 0));
  const chosen = costs[0]!.kind;
  const choice: PairChoice = { sides, pairs: ts.length, costs, ...(noBlocks ? { noBlocks } : {}) };
  return {
    tuples: ts,
    reader,
    plan: chosen === 'small side' ? small : null,
    ...(chosen === 'blocks' && blocks ? { blocks } : {}),
    choices: [choice],
    // A small side's candidate calls per prompt; a group run as the function's tuples (neither plan taken) joins
    // the function's plain group, packed as it is.
    perPrompt: chosen === 'small side' ? smallPack : 1,
    packing: '',
  };
}

/**
 * Fewer estimated dollars when both plans are priced, else fewer tokens (in
 * + out); on a tie, fewer tokens, then fewer calls.
 */
export function cheaper(x: PlanCost, y: PlanCost): boolean {
  if (x.dollars !== null && y.dollars !== null && x.dollars !== y.dollars) return x.dollars < y.dollars;
  const d = x.tokensIn + x.tokensOut - (y.tokensIn + y.tokensOut);
  return d < 0 || (d === 0 && x.calls < y.calls);
}

/** What the chosen plan was chosen by: dollars when every plan listed is priced. */
export function chosenBy(costs: readonly PlanCost[]): 'dollars' | 'tokens' {
  return costs.every((c) => c.dollars !== null) ? 'dollars' : 'tokens';
}

/** A plan's estimate before it is priced in dollars. */
type Unpriced = Omit<PlanCost, 'dollars' | 'atMost'> & {
  readonly atMost?: Omit<PlanFigures, 'dollars'>;
};

/** A group's pack fields from a pack choice. */
function packed(c: PackChoice): Pick<PlannedGroup, 'perPrompt' | 'packing'> {
  return { perPrompt: c.perPrompt, packing: c.why };
}

/** Packed prompts measured for the packed plan's estimate at most (each is rendered and counted). */
const SAMPLED_CHUNKS = 16;

/** Token counts of values as a prompt carries them (an image marker as its image), each distinct text counted once. */
class TokenCounter {
  private readonly seen = new Map<string, number>();
  of(text: string): number {
    let n = this.seen.get(text);
    if (n === undefined) {
      const { text: rest, images } = splitImages(text);
      n = textTokensNow(rest);
      for (const image of images) n += imageRefTokens(image);
      if (text.length < 4096) this.seen.set(text, n);
    }
    return n;
  }
}

/**
 * Pairwise (perPrompt 1) or packed: a request's cost (call-cost.ts) without
 * its values measured on the first pairs (a packed one on up to
 * SAMPLED_CHUNKS prompts spread over the pairs, in the order the run cuts
 * them: what its pairs share is stated once, so that depends on which pairs
 * a prompt holds), each pair's values added.
 */
function pairCost(
  cascade: Cascade,
  reader: PairReader,
  ts: readonly Tuple[],
  perPrompt: number,
  counter: TokenCounter,
): Unpriced {
  const values = (t: Tuple) => {
    const s = reader.sides(t)!;
    return counter.of(s.a) + counter.of(s.b);
  };
  let allValues = 0;
  for (const t of ts) allValues += values(t);
  const request = (chunk: readonly Tuple[]) =>
    requestCost(
      cascade,
      chunk.map((t) => t.inputs),
    );
  if (perPrompt <= 1) {
    const first = ts[0]!;
    const one = request([first]);
    return {
      kind: 'pairwise',
      calls: ts.length,
      tokensIn: ts.length * (one.tokensIn - values(first)) + allValues,
      tokensOut: ts.length * one.tokensOut,
    };
  }
  const calls = Math.ceil(ts.length / perPrompt);
  const step = Math.max(1, Math.floor(calls / SAMPLED_CHUNKS));
  let bare = 0;
  let sampled = 0;
  for (let c = 0; c < calls; c += step) {
    const chunk = ts.slice(c * perPrompt, (c + 1) * perPrompt);
    const v = chunk.reduce((sum, t) => sum + values(t), 0);
    bare += (request(chunk).tokensIn - v) / chunk.length;
    sampled++;
  }
  const last = ts.length - (calls - 1) * perPrompt;
  const outOf = (n: number) => request(ts.slice(0, n)).tokensOut;
  return {
    kind: 'packed',
    calls,
    tokensIn: Math.round((bare / sampled) * ts.length + allValues),
    tokensOut: (calls - 1) * outOf(Math.min(perPrompt, ts.length)) + outOf(last),
  };
}

/** Blocks: each block's request as the run makes it (the blocks cascade over the block's inputs). */
function blocksCost(cascade: Cascade, plan: BlockPlan): Unpriced {
  let tokensIn = 0;
  let tokensOut = 0;
  for (const b of plan.blocks) {
    const c = requestCost(cascade, [blockInputs(plan.template, b)]);
    tokensIn += c.tokensIn;
    tokensOut += c.tokensOut;
  }
  return { kind: 'blocks', calls: plan.blocks.length, tokensIn, tokensOut };
}

/**
 * The small side: its candidate calls' requests, one call per prompt or
 * `perPrompt` packed (packed-prompt.ts: what the calls share stated once),
 * the values and candidates counted per call and added to what each prompt
 * costs beyond them: one call's, times the calls, unpacked; packed, the
 * mean of up to SAMPLED_CHUNKS full prompts (in the run's order) times the
 * full prompts, plus the last, part-filled prompt's own. A prompt's cost
 * beyond its calls' listed values is negative when they share candidates
 * (stated once, listed per call), by about the candidates times the calls
 * it holds less one: so it is priced per prompt, not per call (a mean per
 * call over a full and a part-filled prompt priced 24 calls of 16 + 8 at
 * 2.25 prompts' shared text, 9% over the run's input). Each call's answer
 * lists the numbers of the candidates that match (the prompt numbers them),
 * in a packed prompt's `{"answers": [...]}`: how many match is the model's
 * answer, so it is priced at the expected share of its candidates
 * (expectedListed), and at every one listed as the bound (`atMost`).
 */
function smallSideCost(
  cascade: Cascade,
  calls: CandidateCalls,
  perPrompt: number,
  counter: TokenCounter,
): Unpriced {
  const mark = counter.of('<c></c>');
  const listed = (i: number) =>
    counter.of(calls.values[i]!) + calls.candidates[i]!.reduce((sum, c) => sum + counter.of(c) + mark, 0);
  const n = calls.values.length;
  const prompts = Math.ceil(n / perPrompt);
  /** The prompt of calls from..from+size: its request's input tokens beyond its calls' listed values. */
  const beyondValues = (from: number, size: number) => {
    const chunk = calls.inputs.slice(from, from + size);
    let values = 0;
    for (let i = from; i < from + chunk.length; i++) values += listed(i);
    return requestCost(cascade, chunk).tokensIn - values;
  };
  let tokensIn: number;
  if (perPrompt <= 1) tokensIn = n * beyondValues(0, 1);
  else {
    const full = Math.floor(n / perPrompt);
    const step = Math.max(1, Math.floor(full / SAMPLED_CHUNKS));
    let sum = 0;
    let sampled = 0;
    for (let p = 0; p < full; p += step) {
      sum += beyondValues(p * perPrompt, perPrompt);
      sampled++;
    }
    tokensIn = sampled > 0 ? (sum / sampled) * full : 0;
    const rest = n - full * perPrompt;
    if (rest > 0) tokensIn += beyondValues(full * perPrompt, rest);
  }
  const frame = perPrompt > 1 ? prompts * counter.of('{"answers":[]}') + (n - prompts) : 0;
  let expected = frame;
  let every = frame;
  const none = counter.of(JSON.stringify({ matches: [] }));
  calls.values.forEach((_, i) => {
    tokensIn += listed(i);
    const all = counter.of(JSON.stringify({ matches: calls.candidates[i]!.map((_, m) => m) }));
    every += all;
    expected += expectedListed(none, all);
  });
  const figures = { calls: prompts, tokensIn: Math.round(tokensIn) };
  return {
    kind: 'small side',
    ...figures,
    tokensOut: Math.round(expected),
    ...(perPrompt > 1 ? { perPrompt } : {}),
    ...(every > Math.round(expected) ? { atMost: { ...figures, tokensOut: every } } : {}),
  };
}
