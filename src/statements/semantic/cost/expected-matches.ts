/**
 * The share of a condition's candidates the cost model expects to hold: a
 * stated assumption, the one a database makes of a predicate it knows
 * nothing of. PostgreSQL prices a boolean function clause without a
 * selectivity of its own at 0.3333333 (clausesel.c clause_selectivity: "we
 * guess at the selectivity", since 1992; today plancat.c
 * function_selectivity, when the function has no support function), the
 * value of DEFAULT_INEQ_SEL in src/include/utils/selfuncs.h. An LLM
 * predicate is such a function: how many pairs hold is the model's answer,
 * known only once asked.
 *
 * Only an answer whose size is the number of matches rests on it: the small
 * side's `{"matches": [the n of each candidate that holds]}` (pair-plan.ts
 * smallSideCost), and the split's check, whose sample is sized by the share
 * of pairs its labels make true (pair-split.ts checkLooks). Pairwise, packed
 * and block answers, and a one-value filter's, are one answer per pair or
 * tuple whatever it says (their size is fixed by the schema: call-cost.ts),
 * so they need no share. The planner picks by the expected figures; the
 * bound (every candidate listed, both looks of the check asked) stays
 * beside them (PlanCost.atMost), and EXPLAIN prints both.
 */
export const EXPECTED_MATCH_SHARE = 1 / 3;

/** The assumption in EXPLAIN's words. */
export const EXPECTED_WORDS =
  'a third of the pairs hold (the expected share: PostgreSQL’s default selectivity of a function clause)';

/**
 * An answer listing the matches, at the expected share: its tokens with
 * none listed plus that share of what listing every candidate adds (each
 * candidate's number costs about the same: o200k_base counts 0–999 as one token).
 */
export function expectedListed(none: number, every: number): number {
  return none + EXPECTED_MATCH_SHARE * (every - none);
}
