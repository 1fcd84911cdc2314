/**
 * A classification's proxy with an accuracy target (`-- @ proxy: m accuracy t`,
 * src/plan/accuracy-cascade.ts): target × proxy accuracy → share of rows the big
 * model answers, dollars against the big model alone, and the achieved accuracy
 * against the big model's own labels (mean and worst over the trials).
 *
 *   node --import tsx bench/accuracy.bench.ts [--trials 100] [--rows 2000]
 *
 * Each trial is test/fixtures/accuracy-trials.ts: 2,000 distinct rows, 2..5 labels
 * (by trial), the simulator's own completion code in-process (calibrated label
 * logprobs, profile.ts) and the client's logprob reader; delta 0.05. Dollars as in
 * bench/guarantees.bench.ts: the proxy at sim-small's prices, the big model at sim-large's.
 */
import { SIM_PRICES } from '../src/sim/prices.js';
import { runAccuracyTrial } from '../test/fixtures/accuracy-trials.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRIALS = arg('trials', 100);
const ROWS = arg('rows', 2000);
const LABELS = [2, 3, 4, 5];
const price = (m: string) => SIM_PRICES[m]!.in + SIM_PRICES[m]!.out;

const lines = [
  '| target accuracy | proxy accuracy | rows to big model | dollars vs big only | accuracy mean / worst | target met |',
  '| --- | --- | --- | --- | --- | --- |',
];
for (const target of [0.8, 0.9, 0.95]) {
  for (const accuracy of [0.75, 0.85, 0.95]) {
    let share = 0;
    let mean = 0;
    let worst = 1;
    let met = 0;
    for (let t = 0; t < TRIALS; t++) {
      const r = runAccuracyTrial({
        seed: 9000 + t,
        rows: ROWS,
        labels: LABELS[t % LABELS.length]!,
        accuracy,
        target: { accuracy: target, delta: 0.05 },
      });
      share += r.bigRows / ROWS;
      mean += r.achieved;
      worst = Math.min(worst, r.achieved);
      if (r.achieved >= target) met++;
    }
    share /= TRIALS;
    const dollars = (price('sim-small') + share * price('sim-large')) / price('sim-large');
    lines.push(
      `| ${target} | ${accuracy} | ${(share * 100).toFixed(1)}% | ${(dollars * 100).toFixed(1)}% | ${(mean / TRIALS).toFixed(3)} / ${worst.toFixed(3)} | ${met} of ${TRIALS} |`,
    );
  }
}
console.log(lines.join('\n'));
