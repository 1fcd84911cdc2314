/**
 * One-sided tests on the mean of observations in [0, 1] by betting: Waudby-Smith & Ramdas,
 * "Estimating means of bounded random variables by betting" (JRSS B, 2024; arXiv 2010.09686),
 * the hedged-capital process with the predictable plug-in bet (their §5, "PrPl"), in the form
 * BARGAIN uses it (Zeighami, Shankar & Parameswaran, SIGMOD 2026, arXiv 2509.02896;
 * github.com/szeighami/BARGAIN, BARGAIN/bounds/betting_bounds.py: test_if_true_mean_is_above_m,
 * __k_plus, __k_minus).
 *
 * To show the mean is above m, bet against H₀ "mean ≤ m": the capital
 * K = Π(1 + λᵢ(xᵢ − mᵢ)) is a nonnegative supermartingale under H₀, so by Ville's inequality
 * it reaches 1/α with probability ≤ α at any time: the test may be checked after every
 * observation, which is what lets a sample grow until it decides (`anytime`). Drawn without
 * replacement from a finite population of N, mᵢ = (N·m − Sᵢ₋₁)/(N − i + 1) is the mean the
 * rows not yet drawn must have under H₀, the finite-population gain of W-S & R's §6.
 */

export interface BettingOptions {
  /** Drawn without replacement from this many rows (the finite-population null); absent: i.i.d. draws. */
  readonly population?: number;
  /**
   * The sample may stop on what it saw (a confidence sequence): the bet shrinks as
   * √(1/(t·ln(1 + t))) instead of √(1/n) for the fixed size n.
   */
  readonly anytime?: boolean;
}

/** The most of its capital a bet may stake against H₀: 1 + λ(x − m) ≥ 1/4 for every x in [0, 1]. */
const TRUNCATION = 3 / 4;
/** How near 0 or 1 the finite population's null mean counts as there. */
const EDGE = 1e-9;

/**
 * Whether the observations (each in [0, 1], in the order they were drawn) show their mean is above
 * `m` at level `alpha`: H₀ "mean ≤ m" rejected. False when their mean is under m (as BARGAIN does:
 * the test only ever speaks for the side the sample is on).
 */
export function meanAbove(
  obs: readonly number[],
  m: number,
  alpha: number,
  opts: BettingOptions = {},
): boolean {
  const n = obs.length;
  if (n === 0) return false;
  let total = 0;
  for (const x of obs) total += x;
  if (total / n < m) return false;
  const N = opts.population;
  const stake = 2 * Math.log(2 / alpha);
  const goal = Math.log(1 / alpha);
  let logCapital = 0;
  let sum = 0;
  // The running variance estimate σ̂² = (1/4 + Σ(xⱼ − μ̂ⱼ)²)/(t + 1), μ̂ⱼ = (1/2 + Σ x)/(j + 1):
  // shrunk toward 1/4 so that the first bets are small (W-S & R eq. 26).
  let squares = 0;
  for (let i = 0; i < n; i++) {
    let nullMean = m;
    if (N !== undefined) {
      // Under H₀ the rows not yet drawn must average this.
      nullMean = (N * m - sum) / (N - i);
      // (Within rounding: N·m is not exact in floating point, 10 × (1 − 0.7) = 3.0000000000000004.)
      if (nullMean <= EDGE) return true; // the draws alone already hold N·m or more
      if (nullMean >= 1 - EDGE) return false; // H₀ holds whatever the rest are
    }
    const variance = (0.25 + squares) / (i + 1);
    const scale = opts.anytime ? (i + 1) * Math.log(i + 2) : n;
    const bet = Math.min(Math.sqrt(stake / (scale * variance)), TRUNCATION / nullMean);
    logCapital += Math.log(1 + bet * (obs[i]! - nullMean));
    if (logCapital >= goal) return true;
    sum += obs[i]!;
    squares += (obs[i]! - (0.5 + sum) / (i + 2)) ** 2;
  }
  return false;
}

/** Whether the observations show their mean is below `m` at level `alpha` (the mirror: 1 − x above 1 − m). */
export function meanBelow(
  obs: readonly number[],
  m: number,
  alpha: number,
  opts: BettingOptions = {},
): boolean {
  return meanAbove(
    obs.map((x) => 1 - x),
    1 - m,
    alpha,
    opts,
  );
}
