/**
 * BARGAIN (src/plan/bargain.ts), the alternative to SUPG the bench runs beside it: its guarantee
 * over seeded trials of the simulator's answers (test/fixtures/bargain-trials.ts, the same trials
 * as supg-guarantee.test.ts's), and its recall scan on rows made by hand.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bargainThresholds, recallThreshold } from '../../src/plan/bargain.js';
import { runBargainTrial } from '../fixtures/bargain-trials.js';

const PREVALENCES = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5];
const ACCURACIES = [0.75, 0.85, 0.95];
const TRIALS = 60;

test('recall 0.9 precision 0.9 delta 0.05: both met in ≥ 95% of 60 trials, with either precision side', () => {
  for (const precision of ['bargain', 'answer'] as const) {
    let met = 0;
    for (let t = 0; t < TRIALS; t++) {
      const r = runBargainTrial(
        {
          seed: 1000 + t,
          rows: 2000,
          prevalence: PREVALENCES[t % PREVALENCES.length]!,
          accuracy: ACCURACIES[Math.floor(t / PREVALENCES.length) % ACCURACIES.length]!,
          targets: { recall: 0.9, precision: 0.9, delta: 0.05 },
        },
        { precision },
      );
      if (r.recall >= 0.9 && r.precision >= 0.9) met++;
      // The oracle answers at most every row once.
      assert.ok(r.bigRows <= 2000);
    }
    assert.ok(met >= 0.95 * TRIALS, `${precision}: both targets met in ${met} of ${TRIALS}`);
  }
});

test('recallThreshold: the scan stops at the first candidate whose bound fails', () => {
  // 100 sampled positives scored 0.01..1.00: the share at or above the k-th lowest is (101 − k)/100.
  const scores = Array.from({ length: 100 }, (_, k) => (k + 1) / 100);
  const tau = recallThreshold(scores, 0.9, 0.025);
  // At least the lowest passes (all of them at or above it), and far less than 0.1 of them are cut.
  assert.ok(tau >= 0.01 && tau < 0.05, `τ− = ${tau}`);
  // Too few positives for the bound to allow anything: nothing is rejected by score.
  assert.is(recallThreshold(scores.slice(0, 20), 0.9, 0.025), Number.NEGATIVE_INFINITY);
});

test('a sample with too few positives falls back, saying why; the oracle is asked each row once', () => {
  const scores = Array.from({ length: 500 }, (_, i) => (i % 50) / 50);
  const asked: number[] = [];
  const out = bargainThresholds(
    scores,
    (rows) => {
      asked.push(...rows);
      return rows.map((r) => r < 5);
    },
    { recall: 0.9, precision: 0.9, delta: 0.05 },
    { seed: 3 },
  );
  assert.is(out.thresholds.ok, false);
  assert.is(new Set(asked).size, asked.length);
  const positives = [...out.labels.values()].filter(Boolean).length;
  assert.is(
    !out.thresholds.ok && out.thresholds.reason,
    `the sample of ${out.sample} holds ${positives} positive answer${positives === 1 ? '' : 's'} of the statement's model, under the 30 needed to bound recall`,
  );
});

test.run();
