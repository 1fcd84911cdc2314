/**
 * The cost model's figures do not depend on the machine's load: requestCost
 * renders a call's prompt to count it, and a render on the main thread is
 * bounded by 250 ms of wall time (cascade/render-bounds.ts). Under a load of
 * ~18 on 2 cores a packed prompt's render passed it now and then, and the
 * estimate fell back to one row's tokens: EXPLAIN priced a 64-call small side
 * over pictures at ~43,603 or ~31,666 input tokens instead of ~55,540
 * (test/semantic/explain-accuracy.test.ts failed so). Here the clock jumps a
 * second at every read, as a descheduled thread's does.
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compiledOf } from '../../src/cascade/compile-cascade.js';
import { loadCascade } from '../../src/cascade/load-cascade.js';
import { RENDER_MS_ON } from '../../src/cascade/render-bounds.js';
import { renderTemplate } from '../../src/cascade/templates.js';
import { requestBound, requestCost } from '../../src/plan/call-cost.js';

const CANDIDATES = fileURLToPath(new URL('../../cascades/semantic/filter_candidates.yaml', import.meta.url));

/** 16 calls of the small side's candidates prompt, each listing the same 48 candidates. */
const calls = Array.from({ length: 16 }, (_, i) => ({
  condition: 'The two reviews express opposite sentiments',
  value: `value ${i}: a review that is long enough to be counted as a few tokens`,
  value_label: 'a.review',
  candidates: Array.from({ length: 48 }, (_, c) => `candidate ${c}: another review of some length`),
  candidate_label: 'b.review',
  value_first: true,
  hint: '',
}));

/** Runs `f` with performance.now() a second later at every read. */
function slowClock<T>(f: () => T): T {
  const real = performance.now.bind(performance);
  let reads = 0;
  performance.now = () => real() + ++reads * 1_000;
  try {
    return f();
  } finally {
    performance.now = real;
  }
}

test('a packed and an unpacked request cost the same with the clock a second later at every read', async () => {
  const cascade = await loadCascade(CANDIDATES);
  const packed = requestCost(cascade, calls);
  const one = requestCost(cascade, calls.slice(0, 1));
  // The clock does reach a run's render: the same template overruns its bound there (the run's call fails and says so).
  const instructions = compiledOf(cascade).cells[0]!.instructions!;
  assert.throws(
    () =>
      slowClock(() =>
        renderTemplate(instructions, { input: calls[0], outputs: {}, state: { turn: 1 } }, () => {}),
      ),
    (e: Error) => e.message === `the template ran over its time bound of ${RENDER_MS_ON.main} ms`,
  );
  // Before: 16 calls priced as one row (the fallback: its instructions and values), 723 input tokens against 1,467.
  assert.equal(
    slowClock(() => requestCost(cascade, calls)),
    packed,
  );
  assert.equal(
    slowClock(() => requestCost(cascade, calls.slice(0, 1))),
    one,
  );
  assert.equal(
    slowClock(() => requestBound(cascade, calls)),
    requestBound(cascade, calls),
  );
  // The 16 values beyond one call's prompt (the 48 candidates are stated once).
  assert.ok(packed.tokensIn > one.tokensIn + 15 * 10, `${packed.tokensIn} against ${one.tokensIn}`);
});

test.run();
