/**
 * An alternative to SUPG (supg.ts) for proxy cascades with recall and precision targets:
 * BARGAIN, Zeighami, Shankar & Parameswaran, "Cut Costs, Not Accuracy: LLM-Powered Data
 * Processing with Guarantees" (SIGMOD 2026, arXiv 2509.02896; github.com/szeighami/BARGAIN).
 * Followed: BARGAIN_PR.process (both targets, δ/2 each: _find_recall_threshold,
 * _sliding_window_precision, _validate_precision, _bargain_precision_search), whose recall test
 * is BARGAIN_R's (__process_uniform / __find_max_positive) and whose fallback precision search is
 * BARGAIN_P's (__sample_till_confident); the bounds are betting-bound.ts.
 *
 * The rows are sorted by the proxy's score (P(true)); the oracle labels:
 * - Recall (τ−): a uniform sample without replacement, grown by rounds as the engine's is
 *   (defaultSampleSize rows a round, until positivesFor positives or MAX_SAMPLE_SHARE of the
 *   rows); its positives are a uniform sample of all positives, so the share of them at or above a
 *   threshold is a plain mean of 0/1 observations. Candidates are the sampled positives' scores
 *   from the lowest up, each tested at the full δ_R ("share > γ", meanAbove, fixed size);
 *   the first failure stops the scan (fixed-sequence testing, as supg.ts's).
 * - Precision (τ+): a window of W rows labelled upward from τ− (those rows are the oracle's band
 *   anyway) slides until its share of positives reaches γ: a candidate τ+. The accepted region
 *   above it is then validated by sampling it without replacement, 10 rows at a time, until the
 *   anytime betting test decides (δ_P/2). If no window reaches γ, or the validation fails, BARGAIN_P's
 *   search: M candidate regions from the top (every 1/M of the rows above τ−), each sampled without
 *   replacement (one permutation, labels reused) until the test decides, stopping at the first
 *   "below" (δ_P/2 after a failed validation, δ_P without one).
 * What it guarantees differs from supg.ts on the precision side: the accepted rows' own precision
 * ≥ γ (BARGAIN's), where supg.ts bounds the answer's (the oracle's positives counted). Rows the
 * oracle labelled keep its answer. BARGAIN sorts by the proxy's confidence in its own answer; here
 * by P(true), the order that recall and precision thresholds are on.
 *
 * The oracle is a synchronous function here (the bench's trials, test/fixtures/bargain-trials.ts);
 * the engine's proxy runner labels in asynchronous batches (supg.ts's functions), which this does
 * not yet fit.
 */
import { hashSeed, mulberry32 } from '../../base/rng.js';
import { meanAbove, meanBelow } from './betting-bound.js';
import {
  defaultSampleSize,
  MAX_SAMPLE_SHARE,
  MIN_SAMPLE_POSITIVES,
  positivesFor,
  precisionThreshold,
  type Targets,
  type Thresholds,
  targetDelta,
} from './supg.js';

/** The oracle's answers for rows (indices into the scores), in the same order. */
export type Oracle = (rows: readonly number[]) => readonly boolean[];

/** BARGAIN_PR's sliding window (W, its default 50 rows). */
export const BARGAIN_WINDOW = 50;
/** BARGAIN_P's candidate regions (M, its default 20). */
export const BARGAIN_CANDIDATES = 20;
/** Rows a validation or search step labels before testing again (BARGAIN's sample_step). */
const STEP = 10;

export interface BargainOptions {
  readonly seed: number;
  /** Rows a round of the recall sample draws (default defaultSampleSize). */
  readonly round?: number;
  /** Labels known before (a pilot's): reused, not asked again. */
  readonly known?: ReadonlyMap<number, boolean>;
  /**
   * τ+ by BARGAIN_PR's window, validation and search ('bargain', the default), or by supg.ts's
   * precisionThreshold on the recall sample ('answer': the answer's precision, the oracle's positives
   * counted, Wilson's bound on the uniform draws) — the bench's way to tell the two sides' costs apart.
   */
  readonly precision?: 'bargain' | 'answer';
  /** The recall sample grows until it holds this many times positivesFor's positives (default 1, as supg.ts's). */
  readonly positives?: number;
}

/** The thresholds, and every row the oracle answered while learning them (its answers stand). */
export interface BargainOutcome {
  readonly thresholds: Thresholds;
  readonly labels: ReadonlyMap<number, boolean>;
  /** Rows the recall sample drew. */
  readonly sample: number;
  /** The recall sample's rows. */
  readonly sampleRows: readonly number[];
}

/** The oracle's answers, asked once per row. */
class Labels {
  readonly answers: Map<number, boolean>;
  constructor(
    private readonly oracle: Oracle,
    known: ReadonlyMap<number, boolean> | undefined,
  ) {
    this.answers = new Map(known);
  }
  of(rows: readonly number[]): boolean[] {
    const ask = [...new Set(rows.filter((r) => !this.answers.has(r)))];
    if (ask.length > 0) {
      const got = this.oracle(ask);
      ask.forEach((r, k) => {
        this.answers.set(r, got[k]!);
      });
    }
    return rows.map((r) => this.answers.get(r)!);
  }
}

/** A seeded permutation of `items` (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rng = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** BARGAIN's thresholds for `targets` over rows scored `scores`, labelling through `oracle`. */
export function bargainThresholds(
  scores: readonly number[],
  oracle: Oracle,
  targets: Targets,
  opts: BargainOptions,
): BargainOutcome {
  const N = scores.length;
  const labels = new Labels(oracle, opts.known);
  const delta = targetDelta(targets);
  // Ascending by score (ties by row, so that the order is fixed before any label is seen).
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]! || a - b);

  // Recall: the uniform sample, by rounds.
  const permutation = shuffled(order, hashSeed(`bargain\u0000${opts.seed}`));
  const round = opts.round ?? defaultSampleSize(N);
  let drawn = 0;
  let positives: number[] = [];
  if (targets.recall !== undefined) {
    const need = Math.ceil(positivesFor(targets.recall, delta) * (opts.positives ?? 1));
    do {
      const next = permutation.slice(drawn, drawn + round);
      drawn += next.length;
      const got = labels.of(next);
      positives = positives.concat(next.filter((_, k) => got[k]));
    } while (positives.length < need && drawn < MAX_SAMPLE_SHARE * N && drawn < N);
    if (positives.length < MIN_SAMPLE_POSITIVES) {
      return {
        thresholds: {
          ok: false,
          reason: `the sample of ${drawn} holds ${positives.length} positive answer${positives.length === 1 ? '' : 's'} of the statement's model, under the ${MIN_SAMPLE_POSITIVES} needed to bound recall`,
        },
        labels: labels.answers,
        sample: drawn,
        sampleRows: permutation.slice(0, drawn),
      };
    }
  }
  const reject =
    targets.recall === undefined
      ? Number.NEGATIVE_INFINITY
      : recallThreshold(
          positives.map((r) => scores[r]!),
          targets.recall,
          delta,
        );

  // Precision: from the first row at or above τ−.
  let from = 0;
  while (from < N && scores[order[from]!]! < reject) from++;
  let acceptAt = N;
  let accept: number;
  if (targets.precision !== undefined && opts.precision === 'answer') {
    const sample = permutation.slice(0, drawn);
    const sampleLabels = labels.of(sample);
    accept = precisionThreshold(
      sample.map((row) => ({ row, score: scores[row]!, weight: 1 })),
      sampleLabels,
      targets.precision,
      delta,
      reject,
    );
  } else {
    if (targets.precision !== undefined) {
      acceptAt = precisionStart(order, from, labels, targets.precision, delta, opts.seed);
    } else acceptAt = from;
    accept = acceptAt >= N ? Number.POSITIVE_INFINITY : scores[order[acceptAt]!]!;
  }
  const outcome: Thresholds = {
    ok: true,
    reject: targets.recall === undefined ? Math.min(accept, 0.5) : reject,
    accept: Math.max(accept, reject),
  };
  return {
    thresholds: outcome,
    labels: labels.answers,
    sample: drawn,
    sampleRows: permutation.slice(0, drawn),
  };
}

/**
 * τ−: the highest sampled positive's score such that every candidate from the lowest up to it
 * passes "the share of positives at or above it > γ" (BARGAIN_R.__find_max_positive); −∞ when
 * the lowest fails (nothing is rejected by score).
 */
export function recallThreshold(positiveScores: readonly number[], target: number, delta: number): number {
  let reject = Number.NEGATIVE_INFINITY;
  for (const tau of [...new Set(positiveScores)].sort((a, b) => a - b)) {
    const obs = positiveScores.map((s) => (s >= tau ? 1 : 0));
    if (!meanAbove(obs, target, delta)) break;
    reject = tau;
  }
  return reject;
}

/**
 * The sorted position from which rows are accepted (N: none): BARGAIN_PR's sliding window, its
 * validation, and BARGAIN_P's search when either finds nothing.
 */
function precisionStart(
  order: readonly number[],
  from: number,
  labels: Labels,
  target: number,
  delta: number,
  seed: number,
): number {
  const N = order.length;
  let candidate = N;
  if (from + BARGAIN_WINDOW <= N) {
    const window = labels.of(order.slice(from, from + BARGAIN_WINDOW));
    let hits = window.filter(Boolean).length;
    for (let start = from; ; start++) {
      if (hits >= target * BARGAIN_WINDOW) {
        candidate = start;
        break;
      }
      if (start + BARGAIN_WINDOW >= N) break;
      // Slide: the row leaving, the row entering.
      if (labels.of([order[start]!])[0]) hits--;
      if (labels.of([order[start + BARGAIN_WINDOW]!])[0]) hits++;
    }
  }
  if (candidate < N) {
    const valid = regionPrecisionAbove(order.slice(candidate), labels, target, delta / 2, seed);
    if (valid) return candidate;
    return precisionSearch(order, from, labels, target, delta / 2, seed);
  }
  return precisionSearch(order, from, labels, target, delta, seed);
}

/** Whether the rows' precision is at least `target`, sampled without replacement until the anytime test decides. */
function regionPrecisionAbove(
  rows: readonly number[],
  labels: Labels,
  target: number,
  delta: number,
  seed: number,
): boolean {
  const permutation = shuffled(rows, hashSeed(`bargain validate\u0000${seed}`));
  const obs: number[] = [];
  const opts = { population: rows.length, anytime: true };
  for (let k = 0; k < permutation.length; k += STEP) {
    for (const y of labels.of(permutation.slice(k, k + STEP))) obs.push(y ? 1 : 0);
    const mean = obs.reduce((a, b) => a + b, 0) / obs.length;
    if (obs.length >= rows.length) return mean >= target;
    if (mean < target ? meanBelow(obs, target, delta, opts) : false) return false;
    if (mean >= target && meanAbove(obs, target, delta, opts)) return true;
  }
  return false;
}

/**
 * BARGAIN_P's search over the rows from `from` up: candidate regions the top k·R/M rows
 * (k = 1..M), tested in that order, each sampled from one permutation of the rows (so a region's
 * sample reuses the labels drawn for the regions inside it) until the anytime test decides;
 * the first "below" stops it. The position from which rows are accepted (N: none).
 */
function precisionSearch(
  order: readonly number[],
  from: number,
  labels: Labels,
  target: number,
  delta: number,
  seed: number,
): number {
  const N = order.length;
  const region = N - from;
  if (region <= 0) return N;
  // Ranks from the top: rank 0 is the highest score.
  const permutation = shuffled(
    Array.from({ length: region }, (_, k) => k),
    hashSeed(`bargain search\u0000${seed}`),
  );
  const step = Math.max(1, Math.floor(region / BARGAIN_CANDIDATES));
  let best = -1;
  for (let top = step - 1; top < region; top += step) {
    const inside = permutation.filter((k) => k <= top);
    const obs: number[] = [];
    let above = false;
    for (let k = 0; k < inside.length; k += STEP) {
      const got = labels.of(inside.slice(k, k + STEP).map((rank) => order[N - 1 - rank]!));
      for (const y of got) obs.push(y ? 1 : 0);
      const mean = obs.reduce((a, b) => a + b, 0) / obs.length;
      if (obs.length >= inside.length) {
        above = mean >= target;
        break;
      }
      const opts = { population: top + 1, anytime: true };
      if (mean < target && meanBelow(obs, target, delta, opts)) break;
      if (mean >= target && meanAbove(obs, target, delta, opts)) {
        above = true;
        break;
      }
    }
    if (!above) break;
    best = top;
  }
  return best < 0 ? N : N - 1 - best;
}
