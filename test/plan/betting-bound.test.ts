/**
 * The betting tests (src/plan/betting-bound.ts): their error rate at the null's edge over many
 * seeded samples, their power where the mean is clearly away, and the finite-population edges.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hashSeed, mulberry32 } from '../../base/rng.js';
import { meanAbove, meanBelow } from '../../src/plan/betting-bound.js';

/** `n` seeded 0/1 draws with P(1) = p. */
const bernoulli = (p: number, n: number, seed: number): number[] => {
  const rng = mulberry32(hashSeed(`betting\u0000${seed}`));
  return Array.from({ length: n }, () => (rng() < p ? 1 : 0));
};

test('at the null edge (mean exactly m) "above m" is said in at most alpha of 2,000 seeded samples, fixed size and anytime', () => {
  for (const anytime of [false, true]) {
    let wrong = 0;
    for (let s = 0; s < 2000; s++) if (meanAbove(bernoulli(0.9, 100, s), 0.9, 0.05, { anytime })) wrong++;
    // Binomial(2000, 0.05) exceeds 120 with probability < 0.3%: a test that cannot keep α fails here.
    assert.ok(wrong <= 120, `${anytime ? 'anytime' : 'fixed size'}: wrong in ${wrong} of 2000`);
  }
});

test('"below m" mirrors "above m": at most alpha wrong at the edge, and it finds a mean clearly under m', () => {
  let wrong = 0;
  let found = 0;
  for (let s = 0; s < 1000; s++) {
    if (meanBelow(bernoulli(0.8, 200, s), 0.8, 0.05)) wrong++;
    if (meanBelow(bernoulli(0.6, 200, s), 0.8, 0.05)) found++;
  }
  assert.ok(wrong <= 65, `wrong in ${wrong} of 1000`);
  assert.ok(found >= 990, `found in ${found} of 1000`);
});

test('all ones: "above 0.9" at alpha 0.025 needs about 46 draws (the capital grows by 1 + 0.75·0.1/0.9 a draw)', () => {
  const ones = (n: number) => Array.from({ length: n }, () => 1);
  assert.is(meanAbove(ones(40), 0.9, 0.025), false);
  assert.is(meanAbove(ones(50), 0.9, 0.025), true);
  // A sample whose mean is under m never says "above".
  assert.is(meanAbove([...ones(80), ...Array.from({ length: 20 }, () => 0)], 0.9, 0.5), false);
});

test('without replacement: the finite population tightens the test, and the draws alone settle it when every row is drawn', () => {
  // 10 rows, m = 0.5: five ones drawn leave the other five to average 0 under H₀, so the bets grow
  // faster than with replacement (capital ≈ 22 against 16 at 1/α = 20).
  assert.is(meanAbove([1, 1, 1, 1, 1], 0.5, 0.05, { population: 10 }), true);
  assert.is(meanAbove([1, 1, 1, 1, 1], 0.5, 0.05), false);
  // Every row drawn, mean 0.6 over 10: "below 0.7" holds exactly.
  assert.is(meanBelow([1, 1, 1, 1, 1, 1, 0, 0, 0, 0], 0.7, 0.05, { population: 10 }), true);
});

test.run();
