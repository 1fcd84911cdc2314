/**
 * The guarantee of a classification's proxy with an accuracy target
 * (src/plan/accuracy-cascade.ts), over 120 seeded trials of 2,000 distinct rows each:
 * four label counts (2..5, skewed topics) × five proxy accuracies (0.75..0.95,
 * calibrated label logprobs with confident errors, src/sim/profile.ts), each trial's
 * answers made by the simulator's own completion code and read by the client's logprob
 * reader (test/fixtures/accuracy-trials.ts). Accuracy is against the big model's own answers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  clopperPearsonUpper,
  learnAccuracyThreshold,
  uniformSample,
} from '../../src/plan/accuracy-cascade.js';
import { type AccuracyTrialResult, labelsFor, runAccuracyTrial } from '../fixtures/accuracy-trials.js';

const LABELS = [2, 3, 4, 5];
const ACCURACIES = [0.75, 0.8, 0.85, 0.9, 0.95];
const ROWS = 2000;

function trials(target: { accuracy: number; delta: number }, count: number) {
  const out: (AccuracyTrialResult & { accuracy: number })[] = [];
  for (let t = 0; t < count; t++) {
    const labels = LABELS[t % LABELS.length]!;
    const accuracy = ACCURACIES[Math.floor(t / LABELS.length) % ACCURACIES.length]!;
    out.push({ ...runAccuracyTrial({ seed: 5400 + t, rows: ROWS, labels, accuracy, target }), accuracy });
  }
  return out;
}

const share = (runs: readonly (AccuracyTrialResult & { accuracy: number })[], accuracy: number) => {
  const at = runs.filter((r) => r.accuracy === accuracy);
  return at.reduce((a, r) => a + r.bigRows / ROWS, 0) / at.length;
};

test('the simulator: a proxy label is right at its profile accuracy, and its probability is calibrated', () => {
  const { truth, guess, scores } = labelsFor({ seed: 77, rows: 4000, labels: 4, accuracy: 0.8 });
  const right = guess.filter((g, i) => g === truth[i]).length / guess.length;
  assert.ok(Math.abs(right - 0.8) < 0.02, `accuracy ${right}`);
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  // Calibrated: the mean probability of the chosen label is the accuracy.
  assert.ok(Math.abs(mean - right) < 0.02, `mean probability ${mean}, accuracy ${right}`);
  const sure = scores.map((s, i) => [s, guess[i] === truth[i]] as const).filter(([s]) => s >= 0.9);
  const sureRight = sure.filter(([, ok]) => ok).length / sure.length;
  assert.ok(sureRight >= 0.9, `right among p ≥ 0.9: ${sureRight}`);
});

test('accuracy 0.9 delta 0.05: met in ≥ 95% of 120 trials; the big model sees fewer rows the better the proxy', () => {
  const runs = trials({ accuracy: 0.9, delta: 0.05 }, 120);
  const met = runs.filter((r) => r.achieved >= 0.9).length;
  assert.ok(met >= 0.95 * 120, `target met in ${met} of 120`);
  const s75 = share(runs, 0.75);
  const s85 = share(runs, 0.85);
  const s95 = share(runs, 0.95);
  assert.ok(s95 < s85 && s85 < s75, `big-model share: ${s75.toFixed(3)} ${s85.toFixed(3)} ${s95.toFixed(3)}`);
  assert.ok(s85 <= 0.6, `big-model share at accuracy 0.85: ${s85.toFixed(3)}`);
  assert.ok(runs.every((r) => !r.fellBack));
});

test('accuracy 0.95 delta 0.1: met in ≥ 90% of 100 trials', () => {
  const runs = trials({ accuracy: 0.95, delta: 0.1 }, 100);
  const met = runs.filter((r) => r.achieved >= 0.95).length;
  assert.ok(met >= 0.9 * 100, `target met in ${met} of 100`);
});

test('Clopper-Pearson: exact values (k of n at δ)', () => {
  // k = 0: 1 − δ^(1/n).
  assert.ok(Math.abs(clopperPearsonUpper(0, 100, 0.05) - (1 - 0.05 ** (1 / 100))) < 1e-6);
  // 10 of 200 at 0.05, one-sided: 0.08334 (the Beta(11, 190) quantile 0.95: scipy.stats.beta.ppf(0.95, 11, 190)).
  assert.ok(
    Math.abs(clopperPearsonUpper(10, 200, 0.05) - 0.0833) < 5e-4,
    String(clopperPearsonUpper(10, 200, 0.05)),
  );
  assert.is(clopperPearsonUpper(5, 5, 0.05), 1);
});

test('a sample that cannot support the target: no threshold, the reason given', () => {
  const draws = uniformSample(1000, 100, 1);
  const t = learnAccuracyThreshold(
    draws.map(() => 0.99),
    draws.map(() => false),
    { accuracy: 0.999, delta: 0.05 },
  );
  assert.is(t.ok, false);
  assert.is(
    !t.ok && t.reason,
    "a sample of 100 bounds the error of even the proxy's surest answers at 2.95% (Clopper-Pearson, delta 0.05), over the 0.1% accuracy 0.999 allows",
  );
});

test.run();
