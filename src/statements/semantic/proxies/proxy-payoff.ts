/**
 * The proxy's pay-off rule (issue 68): a proxy runs only where it is expected to
 * cost less than the statement's model alone. A proxy answers every tuple, so a
 * run with it costs N proxy calls plus the tuples the statement's model still
 * answers (the sample, the band, the unsure); without it, N calls of the
 * statement's model. In units of one statement-model call, the proxy run costs
 * N·(r + b), where r is the proxy's price per call over the statement model's
 * (proxyPriceRatio) and b the share of tuples the statement's model answers
 * anyway. The proxy pays off when r + b < 1.
 *
 * - r ≥ 1 (the proxy costs as much a call: the statement's own model named as
 *   its proxy, or a dearer one): it never pays off, and no proxy call is made.
 * - r unknown (either model has no price): the user's word that it is the cheap
 *   one stands; only the statement model's calls are counted, and a proxy run
 *   never asks that model more than every tuple. The run is as before.
 * - 0 < r < 1: b is predicted from a **pilot**: a seeded uniform PILOT_SHARE of
 *   the tuples answered by both models. The pilot's answers are never thrown
 *   away: its tuples keep the statement model's answers either way, and its
 *   proxy scores are part of the proxy run if it goes on. When it does not, the
 *   pilot's proxy calls are all the proxy cost: the statement costs at most
 *   1 + PILOT_SHARE·r of the statement model alone (the stated bound).
 *
 * b is predicted by running the same rules the run uses (supg.ts's rounds and
 * thresholds, or the confidence threshold) over a population of N tuples made
 * of the pilot's (score, answer) pairs repeated: one source of the rules, so a
 * change to how the sample grows or the thresholds are learnt changes the
 * prediction too. The prediction is the mean over resamples of the pilot
 * (bagged: PILOT_RESAMPLES), over at most PREDICTION_ROWS of those N.
 */
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { hashSeed, mulberry32 } from '../../../../base/rng.js';
import type { PriceTable } from '../../../llm/pricing.js';
import {
  type AccuracyTarget,
  learnAccuracyThreshold,
  uniformSample,
} from '../../../plan/accuracy-cascade.js';
import { estimateDollars } from '../../../plan/estimate.js';
import { decide, learnThresholds, needsMoreSample, sampleRound, type Targets } from '../../../plan/supg.js';

/** Share of the tuples the pilot asks both models about. */
export const PILOT_SHARE = 0.05;
/** The pilot's least size: fewer tuples say too little of the band (a statement with fewer runs them all). */
export const PILOT_MIN = 40;

/**
 * The shape of a call the price ratio is taken at: ten input tokens an output
 * token, a filter's or a label's (a prompt of ~100 tokens, a verdict of ~10).
 * Both models see the same prompt, so only the mix of the two prices matters.
 */
const CALL_SHAPE = { tokensIn: 10, tokensOut: 1 };

/**
 * Resamples of the pilot (drawn with replacement, seeded) whose predictions are
 * averaged: bagging (Breiman, "Bagging predictors", Machine Learning 24, 1996).
 * One prediction from the pilot as drawn swings with the few confident errors it
 * happened to hold, and the rule runs the proxy exactly where that swing came out
 * low, so the runs it let through cost more than predicted. Averaged over 8
 * resamples, the mean cost over 100 seeded trials fell in four of the five cells
 * where a proxy ran (by 0.006–0.025 of the statement model alone) and rose by
 * 0.005 in one (bench/guarantees.bench.ts, the pay-off table; docs/semantic-sql.md).
 */
export const PILOT_RESAMPLES = 8;

/**
 * The most rows a predicted population holds. Past it the population stands for
 * the statement's N rows at their proportions (the band's share is a share of
 * rows), and the sample's distinct rows are counted as its draws, which is at
 * most one more row per repeated draw: the prediction's work, which holds the
 * main thread, stays bounded at any N (a single prediction over a million rows
 * took 0.9 s).
 */
export const PREDICTION_ROWS = 20_000;

/** What the engine knows of the models' prices (the provider's table and aliases). */
export interface ProxyPricing {
  readonly prices?: PriceTable;
  readonly aliases?: Readonly<Record<string, string>>;
}

/**
 * The proxy's price per call over the statement model's (r above), or
 * undefined when either has no price.
 */
export function proxyPriceRatio(
  pricing: ProxyPricing,
  proxyModel: string,
  model: string,
): number | undefined {
  const view = { ...pricing, defaultModel: model };
  const proxy = estimateDollars(view, [proxyModel], CALL_SHAPE.tokensIn, CALL_SHAPE.tokensOut);
  const big = estimateDollars(view, [model], CALL_SHAPE.tokensIn, CALL_SHAPE.tokensOut);
  if (proxy === null || big === null) return undefined;
  if (big === 0) return proxy === 0 ? 1 : Number.POSITIVE_INFINITY;
  return proxy / big;
}

/** What the rule decided for one function's tuples (rvbbit.queries' strategy and EXPLAIN ANALYZE say it). */
export interface PayoffReport {
  /** The proxy's price per call over the statement model's. */
  readonly ratio: number;
  /** Tuples the pilot asked of both models (0: the ratio alone decided). */
  readonly pilot: number;
  /** The predicted share of tuples the statement's model answers with the proxy (undefined without a pilot). */
  readonly predictedShare?: number;
  /** Whether the proxy ran past the pilot. */
  readonly ran: boolean;
}

/** The pilot's size over `n` tuples: PILOT_SHARE of them, at least PILOT_MIN. */
function pilotSize(n: number): number {
  return Math.min(n, Math.max(PILOT_MIN, Math.ceil(PILOT_SHARE * n)));
}

/** The pilot's tuples: a seeded uniform pilotSize(n) of them, ascending. */
export function pilotRows(n: number, seed: number): number[] {
  const m = pilotSize(n);
  // A partial Fisher–Yates shuffle: m distinct rows, each equally likely.
  const rng = mulberry32(hashSeed(`proxy pilot\u0000${seed}`));
  const order = new Map<number, number>();
  const at = (i: number) => order.get(i) ?? i;
  const picked: number[] = [];
  for (let k = 0; k < m; k++) {
    const j = k + Math.floor(rng() * (n - k));
    const chosen = at(j);
    order.set(j, at(k));
    picked.push(chosen);
  }
  return picked.sort((x, y) => x - y);
}

/** Whether the proxy pays off: the predicted cost r + b under the statement model's alone. */
export function paysOff(ratio: number, predictedShare: number): boolean {
  return ratio + predictedShare < 1;
}

/**
 * The mean of `predict` over PILOT_RESAMPLES resamples of the pilot's pairs (with
 * replacement, seeded by `seed`): the predicted share the pay-off rule reads.
 * Other work runs between resamples: each is up to ~70 ms of the main thread at
 * PREDICTION_ROWS.
 */
export async function baggedShare<Pair>(
  pilot: readonly Pair[],
  seed: number,
  predict: (pairs: readonly Pair[], seed: number) => number,
): Promise<number> {
  if (pilot.length === 0) return predict(pilot, seed);
  const rng = mulberry32(hashSeed(`proxy pilot resample\u0000${seed}`));
  let sum = 0;
  for (let k = 0; k < PILOT_RESAMPLES; k++) {
    if (k > 0) await yieldToOthers();
    const resampled = pilot.map(() => pilot[Math.floor(rng() * pilot.length)]!);
    sum += predict(resampled, hashSeed(`${seed}\u0000resample ${k}`));
  }
  return sum / PILOT_RESAMPLES;
}

/**
 * The share of `n` tuples the statement's model would answer under SUPG with
 * `targets` (withTargets in proxy.ts), predicted from the pilot: the sample's
 * distinct tuples and the band between the thresholds, over the pilot's pairs
 * repeated to `n` (every tuple when the thresholds cannot be learnt), the pilot's
 * own tuples counted once.
 */
export function predictTargetsShare(
  pilot: readonly { readonly score: number | undefined; readonly truth: boolean }[],
  n: number,
  targets: Targets,
  perRound: number,
  seed: number,
  /** The population's most rows (tests compare a bounded population with the whole). */
  mostRows = PREDICTION_ROWS,
): number {
  if (pilot.length === 0 || n === 0) return 1;
  const rows = Math.min(n, mostRows);
  // A pilot of more pairs than the population has rows (n past 20 × PREDICTION_ROWS) is stood for by an
  // even stride of them.
  const used =
    pilot.length > rows
      ? Array.from({ length: rows }, (_, i) => pilot[Math.floor((i * pilot.length) / rows)]!)
      : pilot;
  const m = used.length;
  const of = (i: number) => used[i % m]!;
  const scores = smoothedScores(
    used.map((p) => p.score),
    rows,
    seed,
  );
  const draws = [];
  for (let round = 0; ; round++) {
    draws.push(...sampleRound(scores, perRound, seed, round));
    const positives = draws.filter((d) => of(d.row).truth).length;
    if (!needsMoreSample(draws.length, positives, n, targets)) break;
  }
  const learnt = learnThresholds(
    draws,
    draws.map((d) => of(d.row).truth),
    targets,
  );
  if (!learnt.ok) return 1;
  const sampled = new Set(draws.map((d) => d.row));
  const inBand = (i: number) => of(i).score === undefined || decide(scores[i]!, learnt) === 'oracle';
  if (rows === n) {
    let big = sampled.size;
    for (let i = 0; i < n; i++) if (!sampled.has(i) && inBand(i)) big++;
    return withPilot(big / n, pilot.length, n);
  }
  // Over a bounded population the sample is a larger share of the rows than over the statement's, and
  // drawn towards high scores, so the band is counted over all its rows.
  let band = 0;
  for (let i = 0; i < rows; i++) if (inBand(i)) band++;
  const sampleShare = Math.min(1, draws.length / n);
  return withPilot(sampleShare + (1 - sampleShare) * (band / rows), pilot.length, n);
}

/**
 * `n` scores drawn from the pilot's by a smoothed bootstrap (Silverman, Density
 * Estimation, 1986, §6.4): row i is pilot row i mod m, its score moved by a
 * seeded normal step of Silverman's bandwidth and kept within [0, 1]. Repeated
 * as they are, the pilot's few distinct scores tie in blocks of n/m rows, and the
 * thresholds learnt over them cut cleanly between blocks: the band came out at
 * about half the run's (bench/guarantees.bench.ts, the pay-off table).
 * An unscored tuple is an even guess, as the run draws it.
 */
function smoothedScores(pilot: readonly (number | undefined)[], n: number, seed: number): number[] {
  const m = pilot.length;
  const values = pilot.map((s) => s ?? 0.5);
  const sorted = [...values].sort((x, y) => x - y);
  const mean = values.reduce((a, b) => a + b, 0) / m;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, m - 1));
  const iqr = (sorted[Math.floor(0.75 * (m - 1))]! - sorted[Math.floor(0.25 * (m - 1))]!) / 1.34;
  const spread = iqr > 0 ? Math.min(sd, iqr) : sd;
  const h = 0.9 * spread * m ** -0.2;
  const rng = mulberry32(hashSeed(`proxy pilot smoothing\u0000${seed}`));
  return Array.from({ length: n }, (_, i) => {
    const base = values[i % m]!;
    if (i < m || h === 0) return base;
    // Box–Muller: one standard normal from two uniforms.
    const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    return Math.min(1, Math.max(0, base + h * z));
  });
}

/**
 * The share of `n` tuples the statement's model would answer under an accuracy
 * target (withAccuracy in proxy.ts), predicted from the pilot: the uniform
 * sample's distinct tuples and those under the learnt threshold, over the
 * pilot's (score, wrong) pairs repeated to `n`.
 */
export function predictAccuracyShare(
  pilot: readonly { readonly score: number | undefined; readonly wrong: boolean }[],
  n: number,
  target: AccuracyTarget,
  sampleSize: number,
  seed: number,
): number {
  const m = pilot.length;
  if (m === 0 || n === 0) return 1;
  const of = (i: number) => pilot[i % m]!;
  const draws = uniformSample(n, sampleSize, seed);
  const learnt = learnAccuracyThreshold(
    draws.map((r) => of(r).score),
    draws.map((r) => of(r).wrong),
    target,
  );
  if (!learnt.ok) return 1;
  const sampled = new Set(draws);
  let big = sampled.size;
  for (let i = 0; i < n; i++) {
    if (sampled.has(i)) continue;
    const score = of(i).score;
    if (score === undefined || score < learnt.accept) big++;
  }
  return withPilot(big / n, m, n);
}

/** The share the statement's model answers under a confidence threshold: the pilot's unsure share. */
export function predictThresholdShare(pilotSure: readonly boolean[], n: number): number {
  const m = pilotSure.length;
  if (m === 0 || n === 0) return 1;
  return withPilot(pilotSure.filter((sure) => !sure).length / m, m, n);
}

/** A predicted share with the pilot's tuples (answered by the statement's model anyway) counted once. */
function withPilot(share: number, pilot: number, n: number): number {
  const p = pilot / n;
  return Math.min(1, p + share * (1 - p));
}

/** EXPLAIN's words for the pilot `tuples` uncached tuples will run, or null when too few to pilot. */
export function explainPilot(
  proxyModel: string,
  model: string,
  ratio: number,
  tuples: number,
): string | null {
  if (tuples <= PILOT_MIN) return null;
  const r = Math.round(ratio * 1000) / 1000;
  return `pay-off rule: a pilot of ${pilotSize(tuples)} tuples to both models first; past it ${proxyModel} runs only if its price a call (${r}× ${model}'s by the price table; the pilot measures it) plus the share of tuples predicted to ${model} stays under 1 (known once run)`;
}

/** The strategy's words for a proxy the rule left out, or for one it let run after a pilot. */
export function describePayoff(proxyModel: string, model: string, p: PayoffReport): string {
  const r = Math.round(p.ratio * 1000) / 1000;
  if (p.pilot === 0) {
    return `proxy ${proxyModel} not used: a call of it costs ${r}× one of ${model}, so it cannot save (all tuples to ${model})`;
  }
  const share = `${Math.round((p.predictedShare ?? 1) * 1000) / 10}%`;
  const cost = Math.round((p.ratio + (p.predictedShare ?? 1)) * 1000) / 1000;
  return p.ran
    ? `proxy ${proxyModel} pays off by its pilot of ${p.pilot} tuples (${share} of tuples predicted to ${model}; ${cost}× of ${model} alone at ${r}× its price a call)`
    : `proxy ${proxyModel} not used past its pilot of ${p.pilot} tuples: ${share} of tuples predicted to ${model} at ${r}× its price a call would cost ${cost}× of ${model} alone (the rest to ${model})`;
}

/**
 * A statement's proxy price ratios, by proxy model: against the statement's
 * model (its `model` option), else the provider's default, the model its calls
 * are billed as.
 */
export function proxyPriceRatios(
  llm: ProxyPricing & { readonly defaultModel: string },
  statementModel: string | undefined,
): (proxyModel: string) => number | undefined {
  const model = statementModel ?? llm.defaultModel;
  return (proxyModel) => proxyPriceRatio(llm, proxyModel, model);
}
