/**
 * An experiment, not the engine's method: BARGAIN's adaptive sampling (sample a candidate's region
 * without replacement until an anytime betting test decides; Zeighami et al., SIGMOD 2026,
 * BARGAIN_P.__sample_till_confident) applied to the recall side of session 22's two-phase design
 * (bench/supg-two-phase.bench.ts), beside the engine's SUPG on the same seeded trials.
 *
 *   node --import tsx bench/bargain-adaptive.bench.ts [--trials 30] [--accuracy 0.85] [--target 0.9]
 *     [--split 0.3] [--candidates 10]
 *
 * One run (targets recall = precision = γ, δ/2 each as the engine splits it):
 * 1. Phase 1: the engine's importance sample (rounds until positivesFor positives).
 * 2. τ+ by the engine's precision bound, counting the positives at or above `split` as kept
 *    (conservative: τ− is only ever chosen at or under `split`); the rows in [split, τ+) are in
 *    the band whatever τ− is, so they are labelled now.
 * 3. A lower bound on all positives: the labelled positives under τ+ (exact) plus a lower bound on
 *    the share of positives among the rows at or above τ+ (the phase-1 draws there thinned to
 *    uniform ones, each kept with chance q_min/q; the betting bound), times their count; 1/5 of
 *    recall's δ.
 * 4. Phase 2: candidates τ₁ < … < τ_M = split, the unlabelled rows under split cut into M equal
 *    parts; in that order, the rows under τ_k are sampled without replacement (one permutation, so
 *    each candidate reuses the labels of those before) 10 at a time until the anytime betting test
 *    on their positives' share says the unlabelled positives under τ_k (the misses) are at most
 *    (1 − γ)·P_lower, or more; the first "more" stops the scan. Each candidate's test gets 4/5 of
 *    recall's δ over M (Bonferroni: the labels credited to the answer change the hypothesis with the
 *    sample, so fixed-sequence testing's nesting is not claimed).
 * Rows to the big model: both phases, [τ−, τ+).
 */

import { shuffled } from '../src/plan/bargain.js';
import { meanAbove, meanBelow } from '../src/plan/betting-bound.js';
import {
  decide,
  defaultSampleSize,
  IS_MIX,
  needsMoreSample,
  precisionThreshold,
  sampleRound,
} from '../src/plan/supg.js';
import { hashSeed, mulberry32 } from '../src/sim/rng.js';
import { answersFor, quality, runCascade, type TrialResult } from '../test/fixtures/supg-trials.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRIALS = arg('trials', 30);
const ACCURACY = arg('accuracy', 0.85);
const TARGET = arg('target', 0.9);
const SPLIT = arg('split', 0.3);
const M = arg('candidates', 10);
const ROWS = 2000;
const DELTA = 0.05;
const PREVALENCES = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5];
const STEP = 10;

/** The highest m the betting test shows the mean to be above (bisection; 0 when none). */
function lowerMean(obs: readonly number[], alpha: number): number {
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 30; k++) {
    const mid = (lo + hi) / 2;
    if (meanAbove(obs, mid, alpha)) lo = mid;
    else hi = mid;
  }
  return lo;
}

function adaptive(truth: readonly boolean[], scores: readonly number[], seed: number): TrialResult {
  const N = scores.length;
  const delta = DELTA / 2;
  const targets = { recall: TARGET, precision: TARGET, delta: DELTA };
  const labelled = new Set<number>();
  const label = (r: number) => {
    labelled.add(r);
    return truth[r]!;
  };
  // 1. Phase 1.
  const draws = [];
  for (let round = 0; ; round++) {
    draws.push(...sampleRound(scores, defaultSampleSize(N), seed, round));
    const positives = draws.filter((d) => truth[d.row]).length;
    if (!needsMoreSample(draws.length, positives, N, targets)) break;
  }
  const labels = draws.map((d) => label(d.row));
  // 2. τ+, and the rows in [split, τ+).
  const accept = Math.max(SPLIT, precisionThreshold(draws, labels, TARGET, delta, SPLIT));
  for (let i = 0; i < N; i++) if (scores[i]! >= SPLIT && scores[i]! < accept) label(i);
  // 3. P_lower.
  const roots = scores.reduce((a, s) => a + Math.sqrt(Math.max(0, s)), 0);
  const share = (s: number) => (IS_MIX * Math.sqrt(Math.max(0, s))) / roots + (1 - IS_MIX) / N;
  const above = scores.map((_, i) => i).filter((i) => scores[i]! >= accept);
  const lowest = Math.min(...above.map((i) => scores[i]!));
  const thin = mulberry32(hashSeed(`thin\u0000${seed}`));
  const uniform: number[] = [];
  for (const d of draws) {
    if (d.score >= accept && thin() < share(lowest) / share(d.score)) uniform.push(truth[d.row] ? 1 : 0);
  }
  const aboveLower =
    above.length === 0 || uniform.length === 0 ? 0 : lowerMean(uniform, delta / 5) * above.length;
  const knownUnder = () => [...labelled].filter((i) => scores[i]! < accept && truth[i]).length;
  // 4. Phase 2.
  const frame = scores
    .map((_, i) => i)
    .filter((i) => scores[i]! < SPLIT && !labelled.has(i))
    .sort((a, b) => scores[a]! - scores[b]! || a - b);
  const permutation = shuffled(frame, hashSeed(`adaptive\u0000${seed}`));
  const rank = new Map(frame.map((r, k) => [r, k]));
  const perCandidate = (delta * 4) / 5 / M;
  let reject = Number.NEGATIVE_INFINITY;
  for (let k = 1; k <= M && frame.length > 0; k++) {
    const size = Math.round((k * frame.length) / M);
    const tau = k === M ? SPLIT : scores[frame[size]!]!;
    const inside = permutation.filter((r) => rank.get(r)! < size);
    let passed = false;
    for (let t = 0; ; t += STEP) {
      const seen = inside.slice(0, Math.min(inside.length, t + STEP)).map((r) => (label(r) ? 1 : 0));
      const found = seen.reduce((a: number, b) => a + b, 0);
      const allowed = (1 - TARGET) * (knownUnder() + aboveLower);
      // The misses are the positives under τ not labelled: X − found ≤ allowed ⇔ X/n ≤ (allowed + found)/n.
      const bar = (allowed + found) / inside.length;
      if (seen.length >= inside.length) {
        passed = true; // every row under τ labelled: no misses
        break;
      }
      const opts = { population: inside.length, anytime: true };
      if (bar >= 1) {
        passed = true;
        break;
      }
      if (meanBelow(seen, bar, perCandidate, opts)) {
        passed = true;
        break;
      }
      if (meanAbove(seen, bar, perCandidate, opts)) break;
    }
    if (!passed) break;
    reject = tau;
  }
  let bigRows = 0;
  const answer = truth.map((y, i) => {
    const d = labelled.has(i) ? 'oracle' : decide(scores[i]!, { reject, accept });
    if (d === 'oracle') bigRows++;
    return d === 'oracle' ? y : d;
  });
  return {
    ...quality(truth, answer),
    bigRows,
    fellBack: false,
    sample: draws.length,
    sampled: labelled.size,
  };
}

interface Tally {
  share: number;
  recall: number;
  precision: number;
  met: number;
  runs: number;
}
const tally = (): Tally => ({ share: 0, recall: 0, precision: 0, met: 0, runs: 0 });
const add = (t: Tally, r: TrialResult) => {
  t.share += r.bigRows / ROWS;
  t.recall += r.recall;
  t.precision += r.precision;
  t.runs++;
  if (r.recall >= TARGET && r.precision >= TARGET) t.met++;
};
const engine = PREVALENCES.map(tally);
const tried = PREVALENCES.map(tally);
const targets = { recall: TARGET, precision: TARGET, delta: DELTA };
for (let t = 0; t < TRIALS; t++) {
  const k = t % PREVALENCES.length;
  const seed = 5000 + t;
  const { truth, scores } = answersFor({ seed, rows: ROWS, prevalence: PREVALENCES[k]!, accuracy: ACCURACY });
  add(engine[k]!, runCascade(truth, scores, seed, targets));
  add(tried[k]!, adaptive(truth, scores, seed));
}
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const cells = (t: Tally) =>
  `${pct(t.share / t.runs)} | ${(t.recall / t.runs).toFixed(3)} | ${(t.precision / t.runs).toFixed(3)} | ${t.met} of ${t.runs}`;
const lines = [
  `Targets ${TARGET}, proxy accuracy ${ACCURACY}, ${TRIALS} trials (seeds 5000..${5000 + TRIALS - 1}), split ${SPLIT}, ${M} candidates`,
  '',
  '| prevalence | engine: rows to big model | recall | precision | met | adaptive: rows to big model | recall | precision | met |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
PREVALENCES.forEach((p, k) => {
  lines.push(`| ${p} | ${cells(engine[k]!)} | ${cells(tried[k]!)} |`);
});
const sum = (ts: Tally[]): Tally =>
  ts.reduce(
    (a, t) => ({
      share: a.share + t.share,
      recall: a.recall + t.recall,
      precision: a.precision + t.precision,
      met: a.met + t.met,
      runs: a.runs + t.runs,
    }),
    tally(),
  );
lines.push(`| all | ${cells(sum(engine))} | ${cells(sum(tried))} |`);
console.log(lines.join('\n'));
