/**
 * One statement's pre-filtered pair predicates (`~`, …), or its pre-filtered
 * relevance order (left: the topic, right: the rows' texts; prefilter.ts):
 * the values seen on each side, and the pairs the model may be asked about. DuckDB calls `rvbbit_prefilter` once
 * per pair of the join (4,000,000 for 2,000 × 2,000, in every record pass),
 * so a pair is identified by 53-bit hashes of its two texts (DuckDB's
 * hash(), passed as DOUBLE): reading a number is cheap where decoding two
 * strings per pair took most of a pass. A text is read only the first time
 * its hash is seen. (Two texts of one side sharing a 53-bit hash would be
 * taken as one: about 1 in 10^9 for 4,000 values.)
 */
import type { DuckDBDataChunk, DuckDBVector } from '@duckdb/node-api';
import type { StatementCalls } from '../state/statement-calls.js';
import { describePlan, type PrefilterKind, type PrefilterPlan, topK } from './prefilter.js';

/**
 * A pass's miss for pairs past its LIMIT budget (batch-passes.ts): the next
 * pass, its budget doubled, reads them.
 */
export const PAIRS_PAST_BUDGET = 'prefilter: pairs past the pass budget';

/**
 * Pairs one pass counts against its budget at most: past that budget the
 * prefilter lets every pair through to its plan, as without a budget. A
 * bound on `pairsMet` (about 30 bytes a pair: a few MB).
 */
export const MAX_BUDGETED_PAIRS = 131_072;

export class PrefilterState {
  /** Texts by hash, per side. */
  readonly lefts = new Map<number, string>();
  readonly rights = new Map<number, string>();
  /** A value came in that the last plan did not see: plan again before the next pass. */
  stale = false;
  /** Right hashes kept per left hash; 'all' when a small side keeps today's plan. */
  private allowed: Map<number, Set<number>> | 'all' = new Map();
  plan: PrefilterPlan | undefined;
  /** EXPLAIN's sample of one LIMIT window's pairs (`sample`): the right values met per left value. */
  private sampled: Map<number, Set<number>> | undefined;
  /** Left values of the windows EXPLAIN sampled before: the run asked their pairs there (answers carry over). */
  private readonly sampledBefore = new Set<number>();

  constructor(
    readonly k: number,
    readonly model: string,
    readonly kind: PrefilterKind = 'pairs',
    /**
     * Small-side tasks per prompt at most (the statement's `-- @ batch`, or
     * the automatic pack's largest): EXPLAIN's bounds before the vectors are
     * cached count the kept pairs' small-side calls packed so (pair-plan.ts).
     */
    readonly candidatesPerPrompt = 1,
  ) {}

  /**
   * Columns: token, hash(a), hash(b), a, b. NULL side → true (`~` answers NULL itself, no call).
   * In a sync strategy (`sync`) there is no later pass to plan in: a pair the plan never saw goes to the model.
   * Under a pass budget (a LIMIT the window does not meet: batch-passes.ts) a pair past it is a miss (NULL).
   */
  evaluate(input: DuckDBDataChunk, output: DuckDBVector, s: StatementCalls, sync: boolean): void {
    const { missed } = s;
    const ha = input.getColumnVector(1);
    const hb = input.getColumnVector(2);
    for (let r = 0; r < input.rowCount; r++) {
      const a = ha.getItem(r) as number | null;
      const b = hb.getItem(r) as number | null;
      if (a === null || b === null) {
        output.setItem(r, true);
        continue;
      }
      if (this.sampled && !this.sampledBefore.has(a)) {
        const rights = this.sampled.get(a);
        if (rights) rights.add(b);
        else this.sampled.set(a, new Set([b]));
      }
      if (sync && (!this.lefts.has(a) || !this.rights.has(b))) {
        output.setItem(r, true);
        continue;
      }
      if (!this.lefts.has(a)) {
        this.lefts.set(a, input.getColumnVector(3).getItem(r) as string);
        this.stale = true;
      }
      if (!this.rights.has(b)) {
        this.rights.set(b, input.getColumnVector(4).getItem(r) as string);
        this.stale = true;
      }
      if (this.stale) {
        missed.add('prefilter');
        output.setItem(r, null);
      } else if (!sync && !this.withinBudget(a, b, s)) {
        missed.add(PAIRS_PAST_BUDGET);
        output.setItem(r, null);
      } else output.setItem(r, this.allowed === 'all' || this.allowed.get(a)?.has(b) === true);
    }
    output.flush();
  }

  /**
   * Whether the pair is within the pass's budget. Without the prefilter a
   * LIMIT's budgeted pass asks about the first `budget` pairs DuckDB meets
   * (register-functions.ts `record`), and with it about the pairs kept among
   * those, never more: each distinct pair met counts, kept or pruned. A
   * relevance order is read whole whatever the budget (its first rows need
   * every score): not counted.
   */
  private withinBudget(a: number, b: number, s: StatementCalls): boolean {
    if (this.kind !== 'pairs' || !(s.budget <= MAX_BUDGETED_PAIRS)) return true;
    const met = s.pairsMet;
    let rights = met.byLeft.get(a);
    if (rights?.has(b)) return true;
    if (met.count >= s.budget) return false;
    if (!rights) {
      rights = new Set();
      met.byLeft.set(a, rights);
    }
    rights.add(b);
    met.count++;
    return true;
  }

  /**
   * True when one side is small enough for the small-side plan (or k keeps every right value anyway).
   * A relevance order has one side of one topic: only k keeps all there.
   */
  keepsAll(smallSideLimit: number): boolean {
    if (this.rights.size <= this.k) return true;
    return this.kind === 'pairs' && Math.min(this.lefts.size, this.rights.size) <= smallSideLimit;
  }

  /** Chooses the pairs from every value seen so far; `vectors` embeds texts (cached). */
  async replan(
    smallSideLimit: number,
    vectors: (texts: string[]) => Promise<(text: string) => ArrayLike<number>>,
    signal?: AbortSignal,
  ): Promise<void> {
    const base = this.base();
    if (this.keepsAll(smallSideLimit)) {
      this.allowed = 'all';
      this.plan = { ...base, kept: null };
    } else {
      const [lh, lt] = [[...this.lefts.keys()], [...this.lefts.values()]];
      const [rh, rt] = [[...this.rights.keys()], [...this.rights.values()]];
      const vectorOf = await vectors([...lt, ...rt]);
      const allowed = new Map<number, Set<number>>();
      let kept = 0;
      (await topK(lt, rt, vectorOf, this.k, signal)).forEach((js, i) => {
        allowed.set(lh[i]!, new Set(js.map((j) => rh[j]!)));
        kept += js.length;
      });
      this.allowed = allowed;
      this.plan = { ...base, kept };
    }
    this.stale = false;
  }

  /** For EXPLAIN, before any plan: the pairs, and at most left × k kept. */
  describe(smallSideLimit: number): string {
    const base = this.base();
    const kept = this.keepsAll(smallSideLimit) ? null : Math.min(base.pairs, this.lefts.size * this.k);
    return describePlan(this.plan ?? { ...base, kept });
  }

  /**
   * EXPLAIN's calls before the vectors are cached (the kept pairs unknown), as
   * the run will plan them (pair-plan.ts): a small side keeping every pair,
   * one call per larger-side value; else the l × k kept pairs (each left value
   * keeps its k nearest rights), asked as keptPairCalls says.
   */
  callsBound(smallSideLimit: number): number {
    const perPrompt = this.candidatesPerPrompt;
    const [l, r] = [this.lefts.size, this.rights.size];
    if (this.keepsAll(smallSideLimit))
      return this.kind === 'ranking' ? l * r : Math.min(l * r, Math.ceil(Math.max(l, r) / perPrompt));
    const kept = Math.min(l * r, l * this.k);
    if (this.kind === 'ranking') return kept;
    return this.keptPairCalls(l, r, kept, smallSideLimit, perPrompt);
  }

  /**
   * Calls for `kept` pairs, at most k for each of `l` left values, over `r`
   * right values, before the vectors say which: on the small side when they
   * fit it — one task per left value listing its k rights, or one per right
   * value listing its kept lefts (kept / r of them on average), whichever
   * makes fewer calls, `perPrompt` tasks a prompt (pair-plan.ts packs them
   * as the statement packs) — else one call per kept pair. The one rule for
   * the statement's (callsBound) and a LIMIT window's (sampledBound).
   */
  private keptPairCalls(
    l: number,
    r: number,
    kept: number,
    smallSideLimit: number,
    perPrompt: number,
  ): number {
    const perLeft = this.k <= smallSideLimit ? Math.ceil(l / perPrompt) : kept;
    const perRight = r > 0 && Math.ceil(kept / r) <= smallSideLimit ? Math.ceil(r / perPrompt) : kept;
    return Math.min(kept, perLeft, perRight);
  }

  /**
   * EXPLAIN's bound on the pairs asked before the vectors are cached: every
   * pair a small side keeps (priced as its calls), else the l × k kept pairs.
   * What prices the calls' tokens: a small-side call states its candidates,
   * the kept pairs' values, once each.
   */
  pairsBound(smallSideLimit: number): number {
    if (this.keepsAll(smallSideLimit))
      return Math.min(this.lefts.size * this.rights.size, Math.max(this.lefts.size, this.rights.size));
    return Math.min(this.lefts.size * this.rights.size, this.lefts.size * this.k);
  }

  /**
   * EXPLAIN: sample the pairs the next passes meet (one LIMIT window's), until
   * `sampledBound`; those of left values an earlier window sampled are not
   * counted again (the run asked them there).
   */
  sample(): void {
    this.sampled = new Map();
  }

  /**
   * EXPLAIN's bound on the sampled window's calls, under the plan of every
   * value the statement has (a window's pairs are chosen by it: batch-passes.ts):
   * its pairs, at most k per left value, asked as the statement's kept pairs
   * are (keptPairCalls: one small-side call per left value when k fits the
   * small side, as a pre-filtered LIMIT window's left rows each bring their k
   * kept pairs: limit-window.ts), or the small-side plan's one call per
   * larger-side value; and the pairs those calls ask at most (what EXPLAIN
   * prices them by: est_tokens_*_window). Ends the sample.
   */
  sampledBound(smallSideLimit: number): { readonly calls: number; readonly pairs: number } {
    const perPrompt = this.candidatesPerPrompt;
    const w = this.sampled;
    this.sampled = undefined;
    const none = { calls: 0, pairs: 0 };
    if (!w) return none;
    for (const a of w.keys()) this.sampledBefore.add(a);
    // Planned (EXPLAIN from cached vectors): the window's kept pairs are recorded as the operator's tuples.
    if (this.plan) return none;
    let pairs = 0;
    const rights = new Set<number>();
    for (const rs of w.values()) {
      pairs += rs.size;
      for (const b of rs) rights.add(b);
    }
    const [l, r] = [w.size, rights.size];
    if (this.keepsAll(smallSideLimit))
      return {
        calls: this.kind === 'ranking' ? pairs : Math.min(pairs, Math.ceil(Math.max(l, r) / perPrompt)),
        pairs,
      };
    const kept = Math.min(pairs, l * this.k);
    if (this.kind === 'ranking') return { calls: kept, pairs: kept };
    return { calls: this.keptPairCalls(l, r, kept, smallSideLimit, perPrompt), pairs: kept };
  }

  private base() {
    const [l, r] = [this.lefts.size, this.rights.size];
    return { kind: this.kind, k: this.k, leftValues: l, rightValues: r, pairs: l * r };
  }
}
