/**
 * Proxy cascades with targets (`-- @ proxy: m recall t precision t`, SUPG,
 * src/plan/supg.ts): target × proxy accuracy → share of rows the big model
 * answers, dollars against the big model alone, and the achieved recall and
 * precision against the big model's own answers (mean and worst over the trials).
 *
 *   node --import tsx bench/guarantees.bench.ts [--trials 100] [--rows 2000]
 *
 * Each trial is test/fixtures/supg-trials.ts: 2,000 distinct rows, a prevalence
 * among 0.05..0.5 (by trial), the simulator's own completion code in-process
 * (calibrated logprobs, profile.ts) and the client's logprob reader; delta 0.05.
 * Dollars: the proxy is sim-small (gpt-4o-mini's prices), the big model
 * sim-large (gpt-4o's), the same tokens per call (a proxy prompt's confidence
 * line is ignored), so dollars / big-only = (N·small + big calls·large) / (N·large).
 */
import { SIM_PRICES } from '../src/sim/prices.js';
import { runTrial } from '../test/fixtures/supg-trials.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRIALS = arg('trials', 100);
const ROWS = arg('rows', 2000);
const PREVALENCES = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5];
const price = (m: string) => SIM_PRICES[m]!.in + SIM_PRICES[m]!.out;

const lines = [
  '| target (recall = precision) | proxy accuracy | rows to big model | dollars vs big only | recall mean / worst | precision mean / worst | targets met |',
  '| --- | --- | --- | --- | --- | --- | --- |',
];
for (const target of [0.8, 0.9, 0.95]) {
  for (const accuracy of [0.75, 0.85, 0.95]) {
    let share = 0;
    let recall = 0;
    let precision = 0;
    let worstR = 1;
    let worstP = 1;
    let met = 0;
    for (let t = 0; t < TRIALS; t++) {
      const r = runTrial({
        seed: 5000 + t,
        rows: ROWS,
        prevalence: PREVALENCES[t % PREVALENCES.length]!,
        accuracy,
        targets: { recall: target, precision: target, delta: 0.05 },
      });
      share += r.bigRows / ROWS;
      recall += r.recall;
      precision += r.precision;
      worstR = Math.min(worstR, r.recall);
      worstP = Math.min(worstP, r.precision);
      if (r.recall >= target && r.precision >= target) met++;
    }
    share /= TRIALS;
    const dollars = (price('sim-small') + share * price('sim-large')) / price('sim-large');
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    lines.push(
      `| ${target} | ${accuracy} | ${pct(share)} | ${pct(dollars)} | ${(recall / TRIALS).toFixed(3)} / ${worstR.toFixed(3)} | ${(precision / TRIALS).toFixed(3)} / ${worstP.toFixed(3)} | ${met} of ${TRIALS} |`,
    );
    console.error(lines.at(-1));
  }
}
console.log(lines.join('\n'));
