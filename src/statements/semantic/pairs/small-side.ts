/**
 * The small-side plan for pair predicates (seed 003's small-table lesson):
 * when one side of the recorded pairs has at most `limit` distinct values,
 * make one call per value of the other side that picks its matches from the
 * whole small side (`<candidates>`), instead of one call per pair. Record
 * mode has already revealed every pair; whether the plan is taken is the
 * pair planner's choice by dollars (pair-plan.ts).
 *
 * Two kinds of pair are planned this way:
 *  - `a ~ b` (the shipped `semantic_same`): the sides are its two args, asked
 *    with `same_candidates.yaml`;
 *  - a condition over two values (`LLM_FILTER('cond', x, y)`, `(x, y) MEANS
 *    'cond'`, shipped): the sides are the two labelled values the rewrite put in
 *    one text (semantic-rewrite.ts labelledInputs), asked with
 *    `filter_candidates.yaml`, which states which value is first, so each
 *    candidate is judged as the pair call would have judged it. Tuples share
 *    candidates only when their condition and labels are the same.
 */
import { type OperatorCatalog, pairPlanOf, type SemanticFunction } from '../../../plan/operator-catalog.js';
import { labelledPair } from '../rewrite/semantic-rewrite.js';
import type { SqlValue, Tuple } from '../state/statement-calls.js';

export interface SmallSidePlan {
  readonly kind: 'same' | 'condition';
  /** The side with many values (one call each) and the small side (the candidates): arg names, or labels. */
  readonly large: string;
  readonly small: string;
  /** The large side is the pair's first value (a of `a ~ b`, x of `LLM_FILTER('…', x, y)`). */
  readonly largeFirst: boolean;
  readonly largeValues: number;
  readonly smallValues: number;
  readonly pairs: number;
  /** The most candidates one call lists: `smallValues` when each large value is paired with the whole small side. */
  readonly mostCandidates: number;
}

/** A tuple's two sides as a plan reads them. */
interface Sides {
  readonly a: string;
  readonly b: string;
}

/** How a function's tuples split into pairs: its sides, and the group tuples must share to share candidates. */
export interface PairReader {
  readonly kind: SmallSidePlan['kind'];
  sides(t: Tuple): Sides | null;
  group(t: Tuple): string;
  /** The name of side a and side b in a group (arg names, or the values' labels). */
  names(t: Tuple): readonly [string, string];
  /** The condition the pair is asked about ('' for `~`). */
  condition(t: Tuple): string;
  /** The tuple's inputs with other values for its two sides (as the rewrite would have made them). */
  withSides(t: Tuple, a: string, b: string): Record<string, unknown>;
}

export function pairReader(fn: SemanticFunction, catalog: OperatorCatalog): PairReader | null {
  const how = pairPlanOf(fn, catalog);
  if (!how) return null;
  if (how.kind === 'same') {
    const [a, b] = fn.sql.args.map((x) => x.name) as [string, string];
    return {
      kind: 'same',
      sides: (t) => ({ a: String(t.inputs[a]), b: String(t.inputs[b]) }),
      group: () => '',
      names: () => [a, b],
      condition: () => '',
      withSides: (t, va, vb) => ({ ...t.inputs, [a]: va, [b]: vb }),
    };
  }
  const arg = how;
  const pair = (t: Tuple) => labelledPair(String(t.inputs[arg.values]));
  return {
    kind: 'condition',
    sides: (t) => {
      const p = pair(t);
      return p ? { a: p[0].value, b: p[1].value } : null;
    },
    group: (t) => {
      const p = pair(t)!;
      return JSON.stringify([t.inputs[arg.condition], p[0].label, p[1].label]);
    },
    names: (t) => {
      const p = pair(t)!;
      return [p[0].label, p[1].label];
    },
    condition: (t) => String(t.inputs[arg.condition]),
    withSides: (t, va, vb) => {
      const p = pair(t)!;
      // As semantic-rewrite.ts labelledInputs writes two labelled values.
      const text = `<input name="${p[0].label}">${va}</input>\n<input name="${p[1].label}">${vb}</input>`;
      return { ...t.inputs, [arg.values]: text };
    },
  };
}

/**
 * A function's pair tuples in the groups that may share a plan (the same
 * condition and labels), and the tuples that are no pair; null when the
 * function has no pair reader (its tuples are not pairs).
 */
export function pairGroups(
  fn: SemanticFunction,
  tuples: readonly Tuple[],
  catalog: OperatorCatalog,
): { reader: PairReader; groups: Tuple[][]; single: Tuple[] } | null {
  const reader = pairReader(fn, catalog);
  if (!reader) return null;
  const groups = new Map<string, Tuple[]>();
  const single: Tuple[] = [];
  for (const t of tuples) {
    if (reader.sides(t) === null) {
      single.push(t);
      continue;
    }
    const k = reader.group(t);
    const g = groups.get(k);
    if (g) g.push(t);
    else groups.set(k, [t]);
  }
  return { reader, groups: [...groups.values()], single };
}

/**
 * The small-side plans of a group, in each orientation that has one: one call
 * per value of one side (the large side), its candidates the other side's
 * values it is paired with, at most `limit` of them in any call (the whole
 * small side when it has at most `limit` values; a pre-filtered pair join's
 * left value lists only its k kept right values, however many the right side
 * has). None when the two values carry one label. The orientation with more
 * distinct values on the calls' side comes first (it was the only one
 * priced before a call's candidates were bounded per call); which is taken
 * is the planner's choice by dollars (pair-plan.ts).
 */
export function smallSidePlans(reader: PairReader, tuples: readonly Tuple[], limit: number): SmallSidePlan[] {
  const [a, b] = reader.names(tuples[0]!);
  // Two values under one label cannot say which is which in the candidates prompt.
  if (a === b) return [];
  // Candidates per value of each side, counted until one passes the limit.
  const partners = (first: boolean) => {
    const by = new Map<string, Set<string>>();
    let most = 0;
    for (const t of tuples) {
      const s = reader.sides(t)!;
      const [v, c] = first ? [s.a, s.b] : [s.b, s.a];
      let cs = by.get(v);
      if (!cs) {
        cs = new Set();
        by.set(v, cs);
      }
      cs.add(c);
      most = Math.max(most, cs.size);
    }
    return { values: by.size, most };
  };
  const [pa, pb] = [partners(true), partners(false)];
  const plan = (largeFirst: boolean): SmallSidePlan => ({
    kind: reader.kind,
    large: largeFirst ? a : b,
    small: largeFirst ? b : a,
    largeFirst,
    largeValues: largeFirst ? pa.values : pb.values,
    smallValues: largeFirst ? pb.values : pa.values,
    pairs: tuples.length,
    mostCandidates: largeFirst ? pa.most : pb.most,
  });
  const firstIsLarge = pa.values >= pb.values;
  return [firstIsLarge, !firstIsLarge]
    .filter((largeFirst) => (largeFirst ? pa.most : pb.most) <= limit)
    .map(plan);
}

/** A group under the small-side plan: its tuples and how to read them. */
export interface SmallSideGroup {
  readonly plan: SmallSidePlan;
  readonly tuples: readonly Tuple[];
  readonly reader: PairReader;
}

/**
 * The calls of a group's plan: one per large-side value, the values and each
 * call's candidates in code-unit order of their text. Not the order the pairs
 * were recorded in: that is the order DuckDB lists them, which may change from
 * one run of a statement to the next (its threads), and the order decides
 * which values share a packed prompt and each candidate's number in it.
 */
export interface CandidateCalls {
  readonly inputs: Record<string, unknown>[];
  /** The large-side value of each call. */
  readonly values: string[];
  /** The candidates of each call, as the pairs hold them (not as the prompt shows them). */
  readonly candidates: string[][];
}

/** A planned pair as [its large-side value, its small-side value (a candidate)]. */
function oriented(plan: SmallSidePlan, reader: PairReader, t: Tuple): [string, string] {
  const s = reader.sides(t)!;
  return plan.largeFirst ? [s.a, s.b] : [s.b, s.a];
}

export function candidateInputs(group: SmallSideGroup, hint: string): CandidateCalls {
  const { plan, reader, tuples } = group;
  const groups = new Map<string, Set<string>>();
  for (const t of tuples) {
    const [v, c] = oriented(plan, reader, t);
    const g = groups.get(v);
    if (!g) groups.set(v, new Set([c]));
    else g.add(c);
  }
  // Array.prototype.sort's default order: UTF-16 code units, the same on every run and machine (no locale).
  const values = [...groups.keys()].sort();
  const candidates = values.map((v) => [...groups.get(v)!].sort());
  if (plan.kind === 'same') {
    return { inputs: values.map((v, i) => ({ a: v, candidates: candidates[i], hint })), values, candidates };
  }
  const condition = reader.condition(tuples[0]!);
  const inputs = values.map((v, i) => ({
    condition,
    value: v,
    value_label: plan.large,
    candidates: candidates[i],
    candidate_label: plan.small,
    value_first: plan.largeFirst,
    hint,
  }));
  return { inputs, values, candidates };
}

/** Every pair's answer from the candidate calls' `matches` (strings, or 0-based indexes). */
export function pairResults(
  group: SmallSideGroup,
  calls: CandidateCalls,
  outputs: readonly unknown[],
): Map<string, SqlValue> {
  const { plan, reader, tuples } = group;
  const matched = new Map<string, Set<string>>();
  calls.values.forEach((v, i) => {
    const candidates = calls.candidates[i]!;
    const out = outputs[i] as { matches?: unknown } | null;
    const list = Array.isArray(out?.matches) ? out.matches : Array.isArray(out) ? out : [];
    matched.set(v, new Set(list.map((m) => (typeof m === 'number' ? (candidates[m] ?? '') : String(m)))));
  });
  const results = new Map<string, SqlValue>();
  for (const t of tuples) {
    const [v, c] = oriented(plan, reader, t);
    results.set(t.key, matched.get(v)?.has(c) ?? false);
  }
  return results;
}
