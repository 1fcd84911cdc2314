import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  efficiency,
  idealMs,
  latencyLabel,
  meanLatencyMs,
  medianOf,
  rowsPerSec,
  speedup,
  spread,
} from '../../bench/metrics.js';

test('ideal = ceil(calls / parallel) × latency', () => {
  assert.is(idealMs(1000, 64, 200), 16 * 200);
  assert.is(idealMs(1000, 1, 20), 20_000);
  assert.is(idealMs(100, 8, 20), 13 * 20);
  assert.is(idealMs(64, 64, 200), 200);
  assert.is(idealMs(65, 64, 200), 400);
  assert.is(idealMs(10, 64, 200), 200, 'fewer calls than parallel still take one latency');
});

test('ideal is 0 with no calls or no latency', () => {
  assert.is(idealMs(0, 8, 200), 0);
  assert.is(idealMs(1000, 8, 0), 0);
});

test('log-normal latency counts its mean, median·e^(σ²/2)', () => {
  assert.is(meanLatencyMs({ kind: 'fixed', ms: 20 }), 20);
  const mean = meanLatencyMs({ kind: 'lognormal', medianMs: 200, sigma: 0.3 });
  assert.ok(Math.abs(mean - 200 * Math.exp(0.045)) < 1e-9);
  assert.is(latencyLabel({ kind: 'lognormal', medianMs: 200, sigma: 0.3 }), '200 ms ln(σ=0.3)');
});

test('efficiency = ideal / actual; null without a positive ideal', () => {
  assert.is(efficiency(3200, 3200), 1);
  assert.is(efficiency(3200, 4000), 0.8);
  assert.is(efficiency(0, 100), null);
  assert.is(efficiency(100, 0), null);
});

test('speedup = reference / actual; rows/s', () => {
  assert.is(speedup(20_000, 400), 50);
  assert.is(speedup(undefined, 400), null);
  assert.is(speedup(1000, 0), null);
  assert.is(rowsPerSec(1000, 500), 2000);
  assert.is(rowsPerSec(1000, 0), 0);
});

test('median and spread: odd, even, one value, none', () => {
  assert.equal(spread([3, 1, 2]), { median: 2, min: 1, max: 3, relSpread: 1, n: 3 });
  assert.equal(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, relSpread: 3 / 2.5, n: 4 });
  assert.equal(spread([7]), { median: 7, min: 7, max: 7, relSpread: 0, n: 1 });
  assert.is(spread([]).n, 0);
  assert.is(medianOf([null, 5, undefined, 1, 3]), 3);
  assert.is(medianOf([null]), null);
});

test.run();
