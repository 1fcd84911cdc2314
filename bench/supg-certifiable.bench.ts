/**
 * An analysis, not the engine's method: the fewest rows a certified two-stratum design could send
 * to the big model on the same seeded trials as bench/guarantees.bench.ts (test/fixtures/
 * supg-trials.ts: 2,000 distinct rows, prevalence 0.05..0.5 by trial, the simulator's calibrated
 * logprobs for the proxy), beside the engine's method (src/plan/supg.ts) and its floor.
 *
 *   node --import tsx bench/supg-certifiable.bench.ts [--trials 36] [--accuracy 0.85] [--target 0.9]
 *     [--success 0.9] [--grid 40]
 *
 * The design is given what no run has: τ− and τ+ are chosen knowing every row's answer, as the
 * cheapest pair of `grid` score quantiles. What it must still do is what a guarantee asks:
 * - under τ−: a simple random sample without replacement of those L rows, and an exact
 *   hypergeometric test (jStat) that rejects "more than m + x positives under τ−" at δ/2, where
 *   m = ⌊(1 − γ)·P⌋ are the misses recall γ allows and x the positives the sample found (they are
 *   kept: the big model labelled them);
 * - at or above τ+: the same for "more than k + y negatives accepted", k = ⌊(1/γ − 1)·(P − h)⌋
 *   the negatives precision γ allows beside the answer's positives (h hidden under τ−), y the
 *   negatives the sample found (they are dropped);
 * - the band [τ−, τ+) labelled whole.
 * Each sample is the smallest whose test passes with chance ≥ `success` for the stratum's true
 * count (a test that fails would cost a fallback, which is not counted). Rows to the big model =
 * both samples + the band. δ/2 to each side as the engine splits δ = 0.05.
 *
 * What it showed (issue 68, session 36): see docs/semantic-sql.md, "What a certificate costs".
 */
import { parseArgs } from 'node:util';
import { jStat } from '../src/plan/supg.js';
import { answersFor, runCascade } from '../test/fixtures/supg-trials.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '36' },
    accuracy: { type: 'string', default: '0.85' },
    target: { type: 'string', default: '0.9' },
    success: { type: 'string', default: '0.9' },
    grid: { type: 'string', default: '40' },
  },
});
const TRIALS = Number(values.trials);
const ACCURACY = Number(values.accuracy);
const TARGET = Number(values.target);
const SUCCESS = Number(values.success);
const GRID = Number(values.grid);
const ROWS = 2000;
const DELTA = 0.05;
const SIDE_DELTA = DELTA / 2;
const PREVALENCES = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5];

/**
 * The smallest sample (without replacement) of `stratum` rows holding `bad` unwanted ones whose
 * exact test rejects "more than `allowed` + x unwanted" (x the unwanted rows it saw, which the
 * big model's labels then remove) at SIDE_DELTA with chance ≥ SUCCESS; Infinity if none does.
 */
function sampleNeeded(stratum: number, bad: number, allowed: number): number {
  if (stratum === 0) return 0;
  const hyp = jStat().hypgeom;
  const passes = (n: number): boolean => {
    let chance = 0;
    for (let x = 0; x <= Math.min(n, bad); x++) {
      const limit = allowed + x + 1;
      if (limit > stratum || hyp.cdf(x, stratum, limit, n) <= SIDE_DELTA)
        chance += hyp.cdf(x, stratum, bad, n) - (x > 0 ? hyp.cdf(x - 1, stratum, bad, n) : 0);
    }
    return chance >= SUCCESS;
  };
  if (!passes(stratum)) return Number.POSITIVE_INFINITY;
  let lo = 0;
  let hi = stratum;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (passes(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface Design {
  readonly rows: number;
  /** How the cheapest cut spends them, for the first trial of each prevalence. */
  readonly parts: string;
}

/** The design's rows to the big model for one trial (the cheapest of the grid's threshold pairs). */
function certifiedRows(truth: readonly boolean[], scores: readonly number[]): Design {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const positives = truth.filter(Boolean).length;
  const misses = Math.floor((1 - TARGET) * positives + 1e-9);
  const cuts = [
    ...new Set([
      0,
      ...Array.from({ length: GRID }, (_, i) => Math.round(((i + 1) / (GRID + 1)) * ROWS)),
      ROWS,
    ]),
  ];
  // Positives under each cut and negatives from each cut up, by prefix counts.
  const positivesUnder = [0];
  for (const i of order) positivesUnder.push(positivesUnder.at(-1)! + (truth[i] ? 1 : 0));
  const negativesFrom = (cut: number) => ROWS - cut - (positives - positivesUnder[cut]!);
  let best: Design = { rows: Number.POSITIVE_INFINITY, parts: 'no cut certifies' };
  const score = (cut: number) => (cut < ROWS ? scores[order[cut]!]!.toFixed(2) : '1');
  for (const low of cuts) {
    const hidden = positivesUnder[low]!;
    const lowSample = sampleNeeded(low, hidden, misses);
    if (!Number.isFinite(lowSample)) continue;
    const taken = Math.floor((1 / TARGET - 1) * (positives - hidden) + 1e-9);
    for (const high of cuts) {
      if (high < low) continue;
      const highSample = sampleNeeded(ROWS - high, negativesFrom(high), taken);
      const rows = lowSample + highSample + (high - low);
      if (rows < best.rows) {
        best = {
          rows,
          parts:
            `under τ− = ${score(low)}: ${lowSample} of ${low} rows sampled (${hidden} positives, ${misses} misses allowed); ` +
            `band: ${high - low} rows; from τ+ = ${score(high)}: ${highSample} of ${ROWS - high} sampled ` +
            `(${negativesFrom(high)} negatives, ${taken} allowed)`,
        };
      }
    }
  }
  return best;
}

interface Tally {
  design: number;
  engine: number;
  floor: number;
  runs: number;
}
const tallies: Tally[] = PREVALENCES.map(() => ({ design: 0, engine: 0, floor: 0, runs: 0 }));
const targets = { recall: TARGET, precision: TARGET, delta: DELTA };
for (let t = 0; t < TRIALS; t++) {
  const k = t % PREVALENCES.length;
  const seed = 5000 + t;
  const { truth, scores } = answersFor({ seed, rows: ROWS, prevalence: PREVALENCES[k]!, accuracy: ACCURACY });
  const engine = runCascade(truth, scores, seed, targets);
  const tally = tallies[k]!;
  const design = certifiedRows(truth, scores);
  if (t < PREVALENCES.length) console.log(`prevalence ${PREVALENCES[k]}, trial ${t}: ${design.parts}`);
  tally.design += design.rows / ROWS;
  tally.engine += engine.bigRows / ROWS;
  tally.floor += (engine.floor ?? Number.NaN) / ROWS;
  tally.runs++;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log(
  `\nRows to the big model: accuracy ${ACCURACY}, targets ${TARGET}, ${TRIALS} trials, tests passing with chance ≥ ${SUCCESS}\n`,
);
console.log(
  '| prevalence | certified design, thresholds known | engine (supg.ts) | floor (no certificate) |',
);
console.log('| --- | --- | --- | --- |');
const mean = { design: 0, engine: 0, floor: 0 };
PREVALENCES.forEach((p, k) => {
  const t = tallies[k]!;
  if (t.runs === 0) return;
  console.log(`| ${p} | ${pct(t.design / t.runs)} | ${pct(t.engine / t.runs)} | ${pct(t.floor / t.runs)} |`);
  mean.design += t.design / t.runs / PREVALENCES.length;
  mean.engine += t.engine / t.runs / PREVALENCES.length;
  mean.floor += t.floor / t.runs / PREVALENCES.length;
});
console.log(`| mean | ${pct(mean.design)} | ${pct(mean.engine)} | ${pct(mean.floor)} |`);
