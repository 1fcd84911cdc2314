/**
 * The pay-off rule's prediction (src/statements/semantic/proxies/proxy-payoff.ts)
 * as functions: a large statement's population is bounded (PREDICTION_ROWS) and
 * predicts the share the whole population does; the bagged prediction is the
 * mean over seeded resamples of the pilot and lets other work run between them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hashSeed, mulberry32 } from '../../base/rng.js';
import { defaultSampleSize } from '../../src/plan/supg.js';
import {
  baggedShare,
  PILOT_RESAMPLES,
  PREDICTION_ROWS,
  pilotRows,
  predictTargetsShare,
} from '../../src/statements/semantic/proxies/proxy-payoff.js';

const TARGETS = { recall: 0.9, precision: 0.9, delta: 0.05 };

/** A pilot of `m` (score, truth) pairs: 20% positive, scores that mostly agree, some confident errors. */
function pilotOf(m: number, seed: number) {
  const rng = mulberry32(hashSeed(`prediction pilot\u0000${seed}`));
  return Array.from({ length: m }, () => {
    const truth = rng() < 0.2;
    const agrees = rng() < 0.85;
    const score = agrees === truth ? 0.5 + 0.5 * rng() : 0.5 * rng();
    return { score, truth };
  });
}

test('past PREDICTION_ROWS, the bounded population predicts what the whole one does, on average over seeds', () => {
  // One prediction swings with its seed by ~0.13 (the SUPG sample it draws decides the thresholds), so the
  // two are compared as means over 24 seeds, whose difference has a standard error of ~0.04.
  const n = 3 * PREDICTION_ROWS;
  const pilot = pilotOf(pilotRows(n, 1).length, 1);
  let bounded = 0;
  let whole = 0;
  for (let seed = 1; seed <= 24; seed++) {
    const b = predictTargetsShare(pilot, n, TARGETS, defaultSampleSize(n), seed);
    assert.ok(b > 0 && b < 1, `a share strictly inside (0, 1): ${b}`);
    bounded += b / 24;
    whole += predictTargetsShare(pilot, n, TARGETS, defaultSampleSize(n), seed, n) / 24;
  }
  assert.ok(Math.abs(bounded - whole) <= 0.08, `bounded ${bounded} against the whole ${whole}`);
});

test('up to PREDICTION_ROWS the population is the whole statement: the bound changes nothing', () => {
  const n = PREDICTION_ROWS;
  const pilot = pilotOf(pilotRows(n, 4).length, 4);
  assert.is(
    predictTargetsShare(pilot, n, TARGETS, defaultSampleSize(n), 4),
    predictTargetsShare(pilot, n, TARGETS, defaultSampleSize(n), 4, 10 * n),
  );
});

test('the bagged share is the mean over PILOT_RESAMPLES seeded resamples, with other work run between them', async () => {
  const pilot = Array.from({ length: 50 }, (_, i) => i);
  const seen: { pairs: readonly number[]; seed: number }[] = [];
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  let turns = 0;
  let counting = true;
  const count = () => {
    if (!counting) return;
    turns++;
    setImmediate(count);
  };
  setImmediate(count);
  const share = await baggedShare(pilot, 7, (pairs, seed) => {
    seen.push({ pairs, seed });
    return mean(pairs) / 49;
  });
  counting = false;
  assert.is(seen.length, PILOT_RESAMPLES);
  // Each resample is drawn with replacement from the pilot, and each has a seed of its own.
  for (const s of seen) {
    assert.is(s.pairs.length, pilot.length);
    assert.ok(s.pairs.every((p) => pilot.includes(p)));
  }
  assert.is(new Set(seen.map((s) => s.seed)).size, PILOT_RESAMPLES);
  assert.ok(
    seen.some((s) => new Set(s.pairs).size < pilot.length),
    'a resample repeats some pairs',
  );
  assert.is(share, mean(seen.map((s) => mean(s.pairs) / 49)));
  // The event loop turned between resamples: a statement's prediction never holds it for all of them.
  assert.ok(turns >= PILOT_RESAMPLES - 1, `${turns} turns of the event loop`);
  // Seeded: the same seed resamples alike, another seed otherwise.
  assert.is(await baggedShare(pilot, 7, (p) => mean(p) / 49), share);
  assert.is.not(await baggedShare(pilot, 8, (p) => mean(p) / 49), share);
});

test.run();
