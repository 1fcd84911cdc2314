/**
 * A classification's proxy with an accuracy target (`-- @ proxy: small-fast accuracy 0.9
 * delta 0.05`, CLASSIFY and functions returning a label): the proxy labels every row with
 * a score, its probability of the label it chose (its logprobs, else its own confidence);
 * the statement's model (the "oracle") labels a sample; a threshold τ is learnt so that the
 * final answers (the proxy's where its score is ≥ τ, the oracle's elsewhere and on the
 * sample) agree with the oracle's own on at least `accuracy` of the rows, with probability
 * ≥ 1 − delta.
 *
 * This is SUPG's precision target (Kang et al., VLDB 2020) read for labels, as BARGAIN
 * (Zeighami et al., "Cut Costs, Not Accuracy: LLM-Powered Data Processing with Guarantees",
 * 2025; DocETL's cascade) does: an answer the proxy keeps is a "positive", and it is right
 * when it equals the oracle's label. The bound here is exact rather than SUPG's normal one:
 * - The sample is a simple random sample of the rows (seeded, with replacement), not an
 *   importance sample: accuracy counts every row alike, so no row is rarer than another
 *   (recall's positives are, which is why supg.ts weights its draws), and unweighted draws
 *   let the errors be counted, k of n, as a binomial.
 * - The error of the final answers at τ is r(τ) = (rows scoring ≥ τ whose proxy label is
 *   not the oracle's) / N; a draw is such a row with probability exactly r(τ). The
 *   Clopper-Pearson upper bound (Clopper & Pearson, Biometrika 1934) of k errors in n
 *   draws at level δ bounds it: P(r(τ) > UB) ≤ δ.
 * - τ runs down a fixed grid (1, 0.99, …, 0), fixed before the sample is seen, while the
 *   bound stays ≤ 1 − accuracy; the last τ that passed is kept. r(τ) only grows as τ falls,
 *   so testing the grid in that order needs no Bonferroni correction: fixed-sequence
 *   testing holds the family-wise error at δ (Bauer, 1991; as in "Learn then Test",
 *   Angelopoulos et al., 2021).
 * Sampled rows keep the oracle's labels, so the achieved error is at most r(τ). When even
 * τ = 1 fails (a sample too small for the target, or a proxy confidently wrong), no proxy
 * answer is kept: every row goes to the oracle, and the report says why.
 */
import { hashSeed, mulberry32 } from '../../base/rng.js';

export interface AccuracyTarget {
  /** Share of the final answers that must equal the oracle's, 0..1. */
  readonly accuracy: number;
  /** Failure probability: the target holds with probability ≥ 1 − delta. */
  readonly delta: number;
}

/** The thresholds tried, from the strictest: 1, 0.99, …, 0 (fixed before any sample is drawn). */
const GRID = Array.from({ length: 101 }, (_, i) => (100 - i) / 100);

/** `n` rows drawn uniformly with replacement from `rows`, seeded. */
export function uniformSample(rows: number, n: number, seed: number): number[] {
  if (rows === 0) return [];
  const rng = mulberry32(hashSeed(`accuracy sample\u0000${seed}`));
  return Array.from({ length: n }, () => Math.min(rows - 1, Math.floor(rng() * rows)));
}

/** P(Binomial(n, p) ≤ k), summed in logs (n up to the largest sample a proxy may name). */
function binomialCdf(k: number, n: number, p: number): number {
  if (p <= 0) return 1;
  if (p >= 1) return k >= n ? 1 : 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let lnChoose = 0;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) lnChoose += Math.log(n - i + 1) - Math.log(i);
    sum += Math.exp(lnChoose + i * lp + (n - i) * lq);
  }
  return Math.min(1, sum);
}

/** Clopper-Pearson's one-sided upper bound on a binomial rate: k of n, at level δ (bisection to 1e-9). */
export function clopperPearsonUpper(k: number, n: number, delta: number): number {
  if (n === 0) return 1;
  if (k >= n) return 1;
  let lo = k / n;
  let hi = 1;
  for (let i = 0; i < 60 && hi - lo > 1e-9; i++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(k, n, mid) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** What was learnt: the proxy's label stands at or above `accept`; or why no proxy answer can. */
export type AccuracyThreshold =
  | { readonly ok: true; readonly accept: number; readonly errorBound: number; readonly sampleErrors: number }
  | { readonly ok: false; readonly reason: string; readonly errorBound: number };

/**
 * The lowest grid threshold whose bound on the final answers' error stays within
 * 1 − accuracy, from the draws: `scores[k]` the proxy's score of the k-th draw's row
 * (undefined: the proxy gave no label, never kept), `wrong[k]` whether its label is not the oracle's.
 */
export function learnAccuracyThreshold(
  scores: readonly (number | undefined)[],
  wrong: readonly boolean[],
  target: AccuracyTarget,
): AccuracyThreshold {
  const n = scores.length;
  const allowed = 1 - target.accuracy;
  let kept: { accept: number; errorBound: number; sampleErrors: number } | undefined;
  let first = Number.NaN;
  for (const tau of GRID) {
    let k = 0;
    for (let i = 0; i < n; i++) if (scores[i] !== undefined && scores[i]! >= tau && wrong[i]) k++;
    const ub = clopperPearsonUpper(k, n, target.delta);
    if (Number.isNaN(first)) first = ub;
    if (ub > allowed) break;
    kept = { accept: tau, errorBound: ub, sampleErrors: k };
  }
  if (kept) return { ok: true, ...kept };
  const pct = (x: number) => `${Math.round(x * 10000) / 100}%`;
  return {
    ok: false,
    errorBound: first,
    reason: `a sample of ${n} bounds the error of even the proxy's surest answers at ${pct(first)} (Clopper-Pearson, delta ${target.delta}), over the ${pct(allowed)} accuracy ${target.accuracy} allows`,
  };
}
