/**
 * An experiment, not the engine's method: issue 68's two-phase sample with exact recall
 * bounds, run beside the engine's SUPG (src/plan/supg.ts) on the same seeded trials
 * (test/fixtures/supg-trials.ts: 2,000 distinct rows, prevalence 0.05..0.5 by trial, the
 * simulator's calibrated logprobs). Kept so that the figures in supg.ts's header and
 * docs/semantic-sql.md can be re-measured; the engine does not use it, because it did not
 * lower the rows share across the bench's cells (the figures there).
 *
 *   node --import tsx bench/supg-two-phase.bench.ts [--trials 30] [--accuracy 0.85] [--target 0.9]
 *     [--split 0.3] [--c 3] [--min-misses 40]
 *
 * The method, one run (targets recall = precision = γ, δ/2 to each as the engine splits it):
 * 1. Phase 1: the engine's importance sample, one round (defaultSampleSize draws).
 * 2. τ+ from it by the engine's precision bound, counting the positives at or above `split`
 *    as kept (conservative: τ− is only ever chosen at or under `split`). The rows in
 *    [split, τ+) are in the band whatever τ− is, so they are labelled before τ− is chosen
 *    and their positives are known exactly.
 * 3. The positives at or above τ+: a lower bound from the phase-1 draws there thinned to
 *    uniform draws (each kept with chance q_min/q, q its proposal share: what is left is an
 *    i.i.d. uniform sample of those rows), Clopper–Pearson on their positive share.
 * 4. Phase 2: a simple random sample without replacement of the rows under `split` that
 *    phase 1 did not label, of size min(1, c·ln(1/δ_fn)/m̂) of them, where m̂ = (1 − γ)·P̂ is
 *    the misses recall allows (P̂ the phase-1 estimate of all positives): with no positive
 *    seen, the exact bound on a region's positives is about ln(1/δ)/f for a sampled share f,
 *    so f must be a few times ln(1/δ)/m̂ for τ− to rise at all.
 * 5. τ− by fixed-sequence testing up the scores under `split`: at τ, the rows under it that
 *    no phase labelled are the misses; their number is bounded by the exact hypergeometric
 *    upper bound on the positives under τ (phase 2 is a simple random sample of them, so the
 *    count it sees is hypergeometric) minus those phase 2 saw; τ passes while that bound is
 *    at most (1 − γ)·P_lower, P_lower the sum of the known positives, step 3's bound and the
 *    hypergeometric lower bound on the positives under `split`. 80% of recall's δ goes to
 *    the misses' bound, 10% to each lower bound.
 * 6. `--min-misses k`: when m̂ < k (few positives), the run is the engine's method instead;
 *    there, certifying that few misses needs most of the low rows labelled (step 4).
 * Rows to the big model: both phases, [split, τ+) and [τ−, split).
 */
import {
  decide,
  defaultSampleSize,
  IS_MIX,
  jStat,
  precisionThreshold,
  sampleRound,
} from '../src/plan/supg.js';
import { hashSeed, mulberry32 } from '../src/sim/rng.js';
import { answersFor, runCascade, type TrialResult } from '../test/fixtures/supg-trials.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRIALS = arg('trials', 30);
const ACCURACY = arg('accuracy', 0.85);
const TARGET = arg('target', 0.9);
const SPLIT = arg('split', 0.3);
const C = arg('c', 3);
const MIN_MISSES = arg('min-misses', 40);
const ROWS = 2000;
const DELTA = 0.05;
const PREVALENCES = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5];
/** The share of recall's δ the misses' bound gets; the two lower bounds on the positives split the rest. */
const MISSES_SHARE = 0.8;

/** The largest count K of positives among N rows with P(X ≤ k) > delta, X hypergeometric (N, K, n): an exact upper bound. */
function hypergeometricUpper(N: number, n: number, k: number, delta: number): number {
  if (n >= N) return k;
  let lo = k;
  let hi = N - (n - k);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (jStat().hypgeom.cdf(k, N, mid, n) > delta) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The smallest K with P(X ≥ k) > delta: an exact lower bound on the positives among N rows. */
function hypergeometricLower(N: number, n: number, k: number, delta: number): number {
  if (n >= N || k === 0) return k;
  let lo = k;
  let hi = N - (n - k);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (1 - jStat().hypgeom.cdf(k - 1, N, mid, n) > delta) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Clopper–Pearson's lower bound on a binomial share. */
const clopperPearsonLower = (n: number, k: number, delta: number): number =>
  k === 0 ? 0 : jStat().beta.inv(delta, k, n - k + 1);

interface Outcome extends Pick<TrialResult, 'recall' | 'precision' | 'bigRows'> {
  readonly phase2: number;
  readonly reject: number;
  readonly accept: number;
}

/** One run of the two-phase method; undefined when it hands the run to the engine's (step 6). */
function twoPhase(truth: readonly boolean[], scores: readonly number[], seed: number): Outcome | undefined {
  const N = scores.length;
  const delta = DELTA / 2;
  const draws = sampleRound(scores, defaultSampleSize(N), seed, 0);
  const labels = draws.map((d) => truth[d.row]!);
  const phase1 = new Set(draws.map((d) => d.row));
  // P̂ = (1/n)·Σ y/q, with q = 1/(N·weight).
  const estimatedPositives =
    (N * draws.reduce((a, d, k) => a + (labels[k] ? d.weight : 0), 0)) / draws.length;
  const allowedMisses = (1 - TARGET) * estimatedPositives;
  if (allowedMisses < MIN_MISSES) return undefined;
  const rows = scores.map((_, i) => i);
  const accept = Math.max(SPLIT, precisionThreshold(draws, labels, TARGET, delta, SPLIT));
  const upperBand = rows.filter((i) => scores[i]! >= SPLIT && scores[i]! < accept);
  // Step 3: the draws at or above τ+ thinned to uniform ones.
  const roots = scores.reduce((a, s) => a + Math.sqrt(Math.max(0, s)), 0);
  const share = (s: number) => (IS_MIX * Math.sqrt(Math.max(0, s))) / roots + (1 - IS_MIX) / N;
  const accepted = rows.filter((i) => scores[i]! >= accept);
  const lowest = Math.min(...accepted.map((i) => scores[i]!));
  const thin = mulberry32(hashSeed(`thin\u0000${seed}`));
  let uniform = 0;
  let uniformHits = 0;
  draws.forEach((d, k) => {
    if (d.score >= accept && thin() < share(lowest) / share(d.score)) {
      uniform++;
      if (labels[k]) uniformHits++;
    }
  });
  const lowerDelta = (delta * (1 - MISSES_SHARE)) / 2;
  const acceptedPositives =
    accepted.length === 0
      ? 0
      : Math.floor(accepted.length * clopperPearsonLower(uniform, uniformHits, lowerDelta) + 1e-9);
  // Step 4: phase 2, a seeded simple random sample of the unlabelled rows under `split`.
  const frame = rows.filter((i) => scores[i]! < SPLIT && !phase1.has(i));
  const missesDelta = delta * MISSES_SHARE;
  const m = Math.min(
    frame.length,
    Math.ceil(frame.length * Math.min(1, (C * Math.log(1 / missesDelta)) / allowedMisses)),
  );
  const shuffle = mulberry32(hashSeed(`phase 2\u0000${seed}`));
  const pool = [...frame];
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(shuffle() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const phase2 = new Set(pool.slice(0, m));
  const seenUnder = [...phase2].filter((i) => truth[i]).length;
  const positivesLower =
    acceptedPositives +
    upperBand.filter((i) => truth[i]).length +
    [...phase1].filter((i) => scores[i]! < SPLIT && truth[i]).length +
    hypergeometricLower(frame.length, m, seenUnder, lowerDelta);
  // Step 5: τ− up the frame's scores, stopping at the first that fails.
  const ascending = [...frame].sort((a, b) => scores[a]! - scores[b]!);
  let reject = Number.NEGATIVE_INFINITY;
  let under = 0;
  let sampledUnder = 0;
  let positivesSeen = 0;
  for (let j = 0; j < ascending.length; ) {
    const tau = scores[ascending[j]!]!;
    const misses = hypergeometricUpper(under, sampledUnder, positivesSeen, missesDelta) - positivesSeen;
    if (misses > (1 - TARGET) * positivesLower) break;
    reject = tau;
    for (; j < ascending.length && scores[ascending[j]!] === tau; j++) {
      const r = ascending[j]!;
      under++;
      if (phase2.has(r)) {
        sampledUnder++;
        if (truth[r]) positivesSeen++;
      }
    }
  }
  let bigRows = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < N; i++) {
    const d = phase1.has(i) || phase2.has(i) ? 'oracle' : decide(scores[i]!, { reject, accept });
    if (d === 'oracle') bigRows++;
    const answer = d === 'oracle' ? truth[i]! : d;
    if (answer && truth[i]) tp++;
    else if (answer) fp++;
    else if (truth[i]) fn++;
  }
  return {
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    bigRows,
    phase2: m,
    reject,
    accept,
  };
}

interface Tally {
  share: number;
  recall: number;
  met: number;
  runs: number;
  twoPhase: number;
  phase2: number;
}
const tally = (): Tally => ({ share: 0, recall: 0, met: 0, runs: 0, twoPhase: 0, phase2: 0 });
const engine = PREVALENCES.map(tally);
const tried = PREVALENCES.map(tally);
const add = (t: Tally, r: Pick<TrialResult, 'recall' | 'precision' | 'bigRows'>) => {
  t.share += r.bigRows / ROWS;
  t.recall += r.recall;
  t.runs++;
  if (r.recall >= TARGET && r.precision >= TARGET) t.met++;
};
const targets = { recall: TARGET, precision: TARGET, delta: DELTA };
for (let t = 0; t < TRIALS; t++) {
  const k = t % PREVALENCES.length;
  const seed = 5000 + t;
  const { truth, scores } = answersFor({ seed, rows: ROWS, prevalence: PREVALENCES[k]!, accuracy: ACCURACY });
  const mine = runCascade(truth, scores, seed, targets);
  add(engine[k]!, mine);
  const other = twoPhase(truth, scores, seed);
  add(tried[k]!, other ?? mine);
  if (other) {
    tried[k]!.twoPhase++;
    tried[k]!.phase2 += other.phase2 / ROWS;
  }
}
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const lines = [
  `Targets ${TARGET}, proxy accuracy ${ACCURACY}, ${TRIALS} trials (seeds 5000..${5000 + TRIALS - 1}), split ${SPLIT}, c ${C}, min misses ${MIN_MISSES}`,
  '',
  '| prevalence | engine: rows to big model | recall | met | two-phase: rows to big model | recall | met | runs two-phase | phase 2 (share of rows, mean over those) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
const rowOf = (label: string, e: Tally, w: Tally) =>
  `| ${label} | ${pct(e.share / e.runs)} | ${(e.recall / e.runs).toFixed(3)} | ${e.met} of ${e.runs} | ${pct(w.share / w.runs)} | ${(w.recall / w.runs).toFixed(3)} | ${w.met} of ${w.runs} | ${w.twoPhase} | ${w.twoPhase ? pct(w.phase2 / w.twoPhase) : '—'} |`;
PREVALENCES.forEach((p, k) => {
  lines.push(rowOf(String(p), engine[k]!, tried[k]!));
});
const sum = (ts: Tally[]): Tally =>
  ts.reduce(
    (a, t) => ({
      share: a.share + t.share,
      recall: a.recall + t.recall,
      met: a.met + t.met,
      runs: a.runs + t.runs,
      twoPhase: a.twoPhase + t.twoPhase,
      phase2: a.phase2 + t.phase2,
    }),
    tally(),
  );
lines.push(rowOf('all', sum(engine), sum(tried)));
console.log(lines.join('\n'));
