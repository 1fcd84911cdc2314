/**
 * The small-side plan for `a ~ b` (seed 003's small-table lesson): when one
 * side of the recorded pairs has at most `limit` distinct values, make one
 * call per value of the other side that picks its matches from the whole
 * small side (`<candidates>`), instead of one call per pair. Record mode has
 * already revealed every pair, so the choice is made from counts, not guesses.
 */
import type { SemanticFunction } from '../plan/operator-catalog.js';
import type { SqlValue, Tuple } from './statement-calls.js';

export interface SmallSidePlan {
  /** Arg name of the side with many values (one call each) and of the small side (the candidates). */
  readonly large: string;
  readonly small: string;
  readonly largeValues: number;
  readonly smallValues: number;
  readonly pairs: number;
}

/** Chooses the plan for these pairs: null = pairwise is as cheap. */
export function planSmallSide(
  fn: SemanticFunction,
  tuples: readonly Tuple[],
  limit: number,
): SmallSidePlan | null {
  const [a, b] = fn.sql.args.map((x) => x.name) as [string, string];
  const as = new Set(tuples.map((t) => String(t.inputs[a])));
  const bs = new Set(tuples.map((t) => String(t.inputs[b])));
  const [large, small, nl, ns] = as.size >= bs.size ? [a, b, as.size, bs.size] : [b, a, bs.size, as.size];
  if (ns > limit || tuples.length <= nl) return null;
  return { large, small, largeValues: nl, smallValues: ns, pairs: tuples.length };
}

/** Inputs of the candidate calls: one per large-side value, candidates in first-seen order. */
export function candidateInputs(
  plan: SmallSidePlan,
  tuples: readonly Tuple[],
  hint: string,
): { inputs: Record<string, unknown>[]; values: string[] } {
  const groups = new Map<string, string[]>();
  for (const t of tuples) {
    const v = String(t.inputs[plan.large]);
    const c = String(t.inputs[plan.small]);
    const g = groups.get(v);
    if (!g) groups.set(v, [c]);
    else if (!g.includes(c)) g.push(c);
  }
  const values = [...groups.keys()];
  return { inputs: values.map((v) => ({ a: v, candidates: groups.get(v)!, hint })), values };
}

/** Every pair's answer from the candidate calls' `matches` (strings, or 0-based indexes). */
export function pairResults(
  plan: SmallSidePlan,
  tuples: readonly Tuple[],
  calls: { inputs: Record<string, unknown>[]; values: string[] },
  outputs: readonly unknown[],
): Map<string, SqlValue> {
  const matched = new Map<string, Set<string>>();
  calls.values.forEach((v, i) => {
    const candidates = calls.inputs[i]!['candidates'] as string[];
    const out = outputs[i] as { matches?: unknown } | null;
    const list = Array.isArray(out?.matches) ? out.matches : Array.isArray(out) ? out : [];
    matched.set(v, new Set(list.map((m) => (typeof m === 'number' ? (candidates[m] ?? '') : String(m)))));
  });
  const results = new Map<string, SqlValue>();
  for (const t of tuples) {
    const set = matched.get(String(t.inputs[plan.large]));
    results.set(t.key, set?.has(String(t.inputs[plan.small])) ?? false);
  }
  return results;
}
