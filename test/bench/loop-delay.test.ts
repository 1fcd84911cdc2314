import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loopDelayP99 } from '../../bench/measure.js';

const hist = (count: number, maxMs: number, p99Ms: number) => ({
  count,
  max: maxMs * 1e6,
  percentile: () => p99Ms * 1e6,
});

test('a thread blocked for the whole run: no sample, the delay is the gap since the last heartbeat', () => {
  assert.is(loopDelayP99(hist(0, 0, 0), 2100, 2150), 2100);
  assert.is(loopDelayP99(hist(0, 0, 0), 3, 6), 0, 'too short a run to say');
});

test('a block that ends with the run counts as one more sample', () => {
  assert.is(loopDelayP99(hist(5, 6, 6), 60, 90), 60);
  assert.is(loopDelayP99(hist(5, 80, 80), 4, 400), 80);
});

test('with 100 samples or more the histogram p99 stands', () => {
  assert.is(loopDelayP99(hist(1000, 300, 7), 300, 9000), 7);
});

test.run();
