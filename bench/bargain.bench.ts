/**
 * BARGAIN (src/plan/bargain.ts) beside the engine's SUPG (src/plan/supg.ts) on the same seeded
 * trials (test/fixtures/supg-trials.ts: 2,000 distinct rows, prevalence 0.05..0.5 by trial, the
 * simulator's calibrated logprobs; seeds 5000.., as bench/guarantees.bench.ts), by prevalence:
 * the share of rows the big model answers, mean recall and precision, trials meeting both targets.
 *
 *   node --import tsx bench/bargain.bench.ts [--trials 30] [--accuracy 0.85] [--target 0.9] [--precision bargain|answer]
 *     [--positives-x 1] [--payoff 0.06]
 *
 * `--payoff r`: a second table, both methods under the pay-off rule (proxy-payoff.ts: a pilot of 5%
 * of the rows to both models, then the proxy only if it pays off, predicted by SUPG's rules) at a
 * proxy price r of the big model's a call: the statement's dollars over no proxy's, mean and worst.
 */

import { runBargainCascade, runBargainTrial } from '../test/fixtures/bargain-trials.js';
import { runTrial, runTrialWithPayoff, type TrialResult } from '../test/fixtures/supg-trials.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRIALS = arg('trials', 30);
/** `--precision answer`: τ+ by supg.ts's bound on the recall sample instead of BARGAIN_PR's (bargain.ts). */
const PRECISION = process.argv.includes('--precision')
  ? (process.argv[process.argv.indexOf('--precision') + 1] as 'bargain' | 'answer')
  : 'bargain';
/** `--positives-x k`: BARGAIN's recall sample grows to k times the positives supg.ts's does. */
const POSITIVES = arg('positives-x', 1);
const ACCURACY = arg('accuracy', 0.85);
const TARGET = arg('target', 0.9);
const ROWS = 2000;
const PREVALENCES = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5];

interface Tally {
  share: number;
  floor: number;
  recall: number;
  precision: number;
  met: number;
  runs: number;
}
const tally = (): Tally => ({ share: 0, floor: 0, recall: 0, precision: 0, met: 0, runs: 0 });
const add = (t: Tally, r: TrialResult) => {
  t.share += r.bigRows / ROWS;
  t.floor += (r.floor ?? ROWS) / ROWS;
  t.recall += r.recall;
  t.precision += r.precision;
  t.runs++;
  if (r.recall >= TARGET && r.precision >= TARGET) t.met++;
};
const engine = PREVALENCES.map(tally);
const bargain = PREVALENCES.map(tally);
const targets = { recall: TARGET, precision: TARGET, delta: 0.05 };
for (let t = 0; t < TRIALS; t++) {
  const k = t % PREVALENCES.length;
  const spec = { seed: 5000 + t, rows: ROWS, prevalence: PREVALENCES[k]!, accuracy: ACCURACY, targets };
  add(engine[k]!, runTrial(spec));
  add(bargain[k]!, runBargainTrial(spec, { precision: PRECISION, positives: POSITIVES }));
}
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const cells = (t: Tally) =>
  `${pct(t.share / t.runs)} | ${pct(t.floor / t.runs)} | ${(t.recall / t.runs).toFixed(3)} | ${(t.precision / t.runs).toFixed(3)} | ${t.met} of ${t.runs}`;
const sum = (ts: Tally[]): Tally =>
  ts.reduce(
    (a, t) => ({
      share: a.share + t.share,
      floor: a.floor + t.floor,
      recall: a.recall + t.recall,
      precision: a.precision + t.precision,
      met: a.met + t.met,
      runs: a.runs + t.runs,
    }),
    tally(),
  );
const lines = [
  `Targets recall = precision = ${TARGET}, delta 0.05, proxy accuracy ${ACCURACY}, ${TRIALS} trials (seeds 5000..${5000 + TRIALS - 1}), BARGAIN's precision side: ${PRECISION}, recall sample to ${POSITIVES}× supg.ts's positives`,
  '',
  '| prevalence | SUPG: rows to big model | floor | recall | precision | met | BARGAIN: rows to big model | floor | recall | precision | met |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
PREVALENCES.forEach((p, k) => {
  lines.push(`| ${p} | ${cells(engine[k]!)} | ${cells(bargain[k]!)} |`);
});
lines.push(`| all | ${cells(sum(engine))} | ${cells(sum(bargain))} |`);
console.log(lines.join('\n'));

const RATIO = process.argv.includes('--payoff') ? arg('payoff', 0.06) : undefined;
if (RATIO !== undefined) {
  const costs = { supg: [] as number[], bargain: [] as number[] };
  const proxied = { supg: 0, bargain: 0 };
  for (let t = 0; t < TRIALS; t++) {
    const spec = {
      seed: 5000 + t,
      rows: ROWS,
      prevalence: PREVALENCES[t % PREVALENCES.length]!,
      accuracy: ACCURACY,
      targets,
    };
    const a = await runTrialWithPayoff(spec, RATIO);
    const b = await runTrialWithPayoff(spec, RATIO, (truth, scores, seed, tg, known, round) =>
      runBargainCascade(truth, scores, seed, tg, known, round, {
        precision: PRECISION,
        positives: POSITIVES,
      }),
    );
    costs.supg.push(a.cost);
    costs.bargain.push(b.cost);
    if (a.proxied) proxied.supg++;
    if (b.proxied) proxied.bargain++;
  }
  const stat = (xs: number[]) =>
    `${(xs.reduce((x, y) => x + y, 0) / xs.length).toFixed(3)}× / ${Math.max(...xs).toFixed(3)}×`;
  console.log(
    [
      '',
      `Under the pay-off rule at price ratio ${RATIO}: dollars over no proxy, mean / worst (trials the proxy ran past its pilot)`,
      '',
      '| SUPG | BARGAIN |',
      '| --- | --- |',
      `| ${stat(costs.supg)} (${proxied.supg} of ${TRIALS}) | ${stat(costs.bargain)} (${proxied.bargain} of ${TRIALS}) |`,
    ].join('\n'),
  );
}
