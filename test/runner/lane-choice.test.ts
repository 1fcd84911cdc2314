/** The lanes' choice of the next test file (scripts/lane-choice.mjs). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
// @ts-expect-error: a plain ES module script, no declarations
import { nextFileFor } from '../../scripts/lane-choice.mjs';

interface F {
  readonly name: string;
  readonly waits: boolean;
  readonly free: boolean;
}
const f = (name: string, waits: boolean, free = true): F => ({ name, waits, free });
// Longest first, as the runner queues them.
const QUEUE = [f('map-faults', true), f('package', false, false), f('guarantee', false), f('outages', true)];
const pick = (waitingOnly: boolean, queue: readonly F[], waitingLane = true) => {
  const i = nextFileFor(
    waitingOnly,
    queue,
    (x: F) => x.free,
    (x: F) => x.waits,
    waitingLane,
  );
  return i < 0 ? null : queue[i]!.name;
};

test('with a waiting lane: a core lane takes the longest busy file that can start, the waiting lane the longest waiting one', () => {
  assert.is(pick(false, QUEUE), 'guarantee');
  assert.is(pick(true, QUEUE), 'map-faults');
});

test('a core lane takes a waiting file when no busy one can start; the waiting lane never takes a busy one', () => {
  const rest = [f('map-faults', true), f('package', false, false), f('outages', true)];
  assert.is(pick(false, rest), 'map-faults');
  assert.is(pick(true, [f('package', false)]), null);
  assert.is(pick(false, []), null);
});

test('without a waiting lane (RVBBIT_TEST_JOBS): the longest file that can start, whatever its kind', () => {
  assert.is(pick(false, QUEUE, false), 'map-faults');
});

test.run();
