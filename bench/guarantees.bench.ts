/**
 * Proxy cascades with targets (`-- @ proxy: m recall t precision t`, SUPG,
 * src/plan/supg.ts): target × proxy accuracy → share of rows the big model
 * answers, dollars against the big model alone, and the achieved recall and
 * precision against the big model's own answers (mean and worst over the trials).
 *
 *   node --import tsx bench/guarantees.bench.ts [--trials 100] [--rows 2000] [--proxy model|embedding] [--sample n]
 *     [--method supg|bargain|bargain-answer]
 *
 * `--method`: the model proxy's cascade: the engine's SUPG (src/plan/supg.ts, the default), or
 * BARGAIN (src/plan/bargain.ts; `bargain-answer`: its recall side with supg.ts's precision bound),
 * test/fixtures/bargain-trials.ts; the pay-off table's pilot still predicts with SUPG's rules. The
 * embedding rows are SUPG's whatever the method.
 *
 * `--sample n`: draws a round of the importance sample (`-- @ proxy: … sample n`; default
 * defaultSampleSize: 10% of the rows).
 *
 * Each trial is test/fixtures/supg-trials.ts: 2,000 distinct rows, a prevalence
 * among 0.05..0.5 (by trial), the simulator's own completion code in-process
 * (calibrated logprobs, profile.ts) and the client's logprob reader; delta 0.05.
 * Dollars: the proxy is sim-small (gpt-4o-mini's prices), the big model
 * sim-large (gpt-4o's), the same tokens per call (a proxy prompt's confidence
 * line is ignored), so dollars / big-only = (N·small + big calls·large) / (N·large).
 *
 * The embedding proxy (`-- @ proxy: embedding …`) in rows of its own: the trials of
 * test/fixtures/supg-embedding-trials.ts, whose embedding model's quality is the
 * simulator's embeddingNoise σ (0: word vectors alone … 1.5: much noise), the AUC of
 * its similarity against the big model's answers printed beside it. Its dollars count
 * each row's text once at text-embedding-3-small's price per token, for as many tokens
 * as a chat call's (an over-count: the text is only part of the prompt).
 */
import { SIM_PRICES } from '../src/sim/prices.js';
import { runBargainCascade, runBargainTrial } from '../test/fixtures/bargain-trials.js';
import { embeddingAnswersFor } from '../test/fixtures/supg-embedding-trials.js';
import { runCascade, runTrial, runTrialWithPayoff, type TrialResult } from '../test/fixtures/supg-trials.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRIALS = arg('trials', 100);
/** `--proxy model` or `--proxy embedding` runs that proxy's rows alone (default: both). */
const only = process.argv.includes('--proxy') ? process.argv[process.argv.indexOf('--proxy') + 1] : undefined;
const ROWS = arg('rows', 2000);
/** Draws a round of the sample; undefined: the engine's default. */
const SAMPLE = process.argv.includes('--sample') ? arg('sample', 0) : undefined;
const sized = SAMPLE === undefined ? {} : { sample: SAMPLE };
const PREVALENCES = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5];
const price = (m: string) => SIM_PRICES[m]!.in + SIM_PRICES[m]!.out;
const METHOD = process.argv.includes('--method')
  ? process.argv[process.argv.indexOf('--method') + 1]
  : 'supg';
if (!['supg', 'bargain', 'bargain-answer'].includes(METHOD!)) {
  throw new Error(`--method: ${METHOD} is none of supg, bargain, bargain-answer`);
}
const bargainSide = { precision: METHOD === 'bargain-answer' ? 'answer' : 'bargain' } as const;
/** The model proxy's trial under the chosen method. */
const modelTrial =
  METHOD === 'supg' ? runTrial : (spec: Parameters<typeof runTrial>[0]) => runBargainTrial(spec, bargainSide);
const modelCascade: typeof runCascade =
  METHOD === 'supg'
    ? runCascade
    : (truth, scores, seed, targets, known, round) =>
        runBargainCascade(truth, scores, seed, targets, known, round, bargainSide);

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** One table row: the mean share, dollars, mean and worst recall and precision, and the trials meeting both. */
function row(first: string, target: number, proxyPrice: number, run: (t: number) => TrialResult): string {
  let share = 0;
  let recall = 0;
  let precision = 0;
  let worstR = 1;
  let worstP = 1;
  let met = 0;
  for (let t = 0; t < TRIALS; t++) {
    const r = run(t);
    share += r.bigRows / ROWS;
    recall += r.recall;
    precision += r.precision;
    worstR = Math.min(worstR, r.recall);
    worstP = Math.min(worstP, r.precision);
    if (r.recall >= target && r.precision >= target) met++;
  }
  share /= TRIALS;
  const dollars = (proxyPrice + share * price('sim-large')) / price('sim-large');
  return `| ${target} | ${first} | ${pct(share)} | ${pct(dollars)} | ${(recall / TRIALS).toFixed(3)} / ${worstR.toFixed(3)} | ${(precision / TRIALS).toFixed(3)} / ${worstP.toFixed(3)} | ${met} of ${TRIALS} |`;
}

const lines = [
  '| target (recall = precision) | proxy | rows to big model | dollars vs big only | recall mean / worst | precision mean / worst | targets met |',
  '| --- | --- | --- | --- | --- | --- | --- |',
];
const targetsOf = (target: number) => ({ recall: target, precision: target, delta: 0.05 });
const prevalence = (t: number) => PREVALENCES[t % PREVALENCES.length]!;
for (const target of only === 'embedding' ? [] : [0.8, 0.9, 0.95]) {
  for (const accuracy of [0.75, 0.85, 0.95]) {
    lines.push(
      row(`model, accuracy ${accuracy}`, target, price('sim-small'), (t) =>
        modelTrial({
          seed: 5000 + t,
          rows: ROWS,
          prevalence: prevalence(t),
          accuracy,
          targets: targetsOf(target),
          ...sized,
        }),
      ),
    );
    console.error(lines.at(-1));
  }
}

/** The AUC of an embedding model's similarity against the big model's answers (one seeded table). */
function auc(noise: number): number {
  const { truth, scores } = embeddingAnswersFor({ seed: 1, rows: ROWS, prevalence: 0.3, noise });
  const pos = scores.filter((_, i) => truth[i]);
  const neg = scores.filter((_, i) => !truth[i]);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}
const embeddingPrice = SIM_PRICES['text-embedding-3-small']!.in;
const embeddingLines: string[][] = [[], [], []];
for (const noise of only === 'model' ? [] : [0, 0.5, 1, 1.5]) {
  // A trial's answers and scores are the same for every target: made once, cut three ways.
  const answers = Array.from({ length: TRIALS }, (_, t) =>
    embeddingAnswersFor({ seed: 5000 + t, rows: ROWS, prevalence: prevalence(t), noise }),
  );
  [0.8, 0.9, 0.95].forEach((target, i) => {
    embeddingLines[i]!.push(
      row(`embedding, σ ${noise} (AUC ${auc(noise).toFixed(2)})`, target, embeddingPrice, (t) =>
        runCascade(answers[t]!.truth, answers[t]!.scores, 5000 + t, targetsOf(target), new Set(), SAMPLE),
      ),
    );
    console.error(embeddingLines[i]!.at(-1));
  });
}
lines.push(...embeddingLines.flat());

// The pay-off rule (proxy-payoff.ts): a pilot of 5% of the rows to both models, then the proxy only if
// ratio + predicted share < 1. Target 0.9 each; the price ratio is the proxy's a call over the big model's
// (0.06: the bench's gpt-4o-mini over gpt-4o; 0.5 and 0.9: dearer proxies).
lines.push(
  '',
  '| proxy | price ratio | trials the proxy ran | rows to big model | dollars vs big only: mean / worst | recall mean / worst | targets met |',
  '| --- | --- | --- | --- | --- | --- | --- |',
);
for (const accuracy of only === 'embedding' ? [] : [0.6, 0.85, 0.95]) {
  for (const ratio of [0.06, 0.5, 0.9]) {
    let ran = 0;
    let share = 0;
    let cost = 0;
    let worst = 0;
    let recall = 0;
    let worstR = 1;
    let met = 0;
    for (let t = 0; t < TRIALS; t++) {
      const spec = {
        seed: 5000 + t,
        rows: ROWS,
        prevalence: prevalence(t),
        accuracy,
        targets: targetsOf(0.9),
        ...sized,
      };
      const r = await runTrialWithPayoff(spec, ratio, modelCascade);
      if (r.proxied) ran++;
      share += r.bigRows / ROWS;
      cost += r.cost;
      worst = Math.max(worst, r.cost);
      recall += r.recall;
      worstR = Math.min(worstR, r.recall);
      if (r.recall >= 0.9 && r.precision >= 0.9) met++;
    }
    lines.push(
      `| model, accuracy ${accuracy} | ${ratio} | ${ran} of ${TRIALS} | ${pct(share / TRIALS)} | ${(cost / TRIALS).toFixed(3)}× / ${worst.toFixed(3)}× | ${(recall / TRIALS).toFixed(3)} / ${worstR.toFixed(3)} | ${met} of ${TRIALS} |`,
    );
    console.error(lines.at(-1));
  }
}
// Where the rows go, by prevalence (targets 0.9): the run's share and recall beside the floor,
// the share at the thresholds an oracle would set after the same sample (supg-trials.ts floorRows).
lines.push(
  '',
  '| proxy | prevalence | rows to big model | floor (oracle thresholds, same sample) | sample | recall mean / worst | targets met |',
  '| --- | --- | --- | --- | --- | --- | --- |',
);
for (const accuracy of only === 'embedding' ? [] : [0.75, 0.85, 0.95]) {
  PREVALENCES.forEach((p, k) => {
    const runs: TrialResult[] = [];
    for (let t = k; t < TRIALS; t += PREVALENCES.length) {
      runs.push(
        modelTrial({
          seed: 5000 + t,
          rows: ROWS,
          prevalence: p,
          accuracy,
          targets: targetsOf(0.9),
          ...sized,
        }),
      );
    }
    const mean = (f: (r: TrialResult) => number) => runs.reduce((a, r) => a + f(r), 0) / runs.length;
    const met = runs.filter((r) => r.recall >= 0.9 && r.precision >= 0.9).length;
    lines.push(
      `| model, accuracy ${accuracy} | ${p} | ${pct(mean((r) => r.bigRows / ROWS))} | ${pct(mean((r) => (r.floor ?? ROWS) / ROWS))} | ${pct(mean((r) => r.sampled / ROWS))} | ${mean((r) => r.recall).toFixed(3)} / ${Math.min(...runs.map((r) => r.recall)).toFixed(3)} | ${met} of ${runs.length} |`,
    );
    console.error(lines.at(-1));
  });
}
console.log(lines.join('\n'));
