/**
 * Issue 67's target "adding `-- @ prefilter` to a LIMIT query never raises
 * its calls", on the simulator's counters. A pair join of 200 × 100 reviews
 * under LIMIT 10: without the prefilter the LIMIT is met from the window of
 * the first 10 left rows, each asked against every right value in one small
 * side call (15 calls); with `-- @ prefilter: 10` the pairs are planned over
 * every value (200 and 100 are over the small side's limit, so each left
 * keeps its 10 nearest rights), each kept pair is a call of its own, and the
 * window grows to 40 rows before 10 match: 62 calls and an embedding call.
 * The window's own values (10 lefts) would fit the small side, which asks
 * every pair of them in fewer calls than the kept pairs alone.
 *
 * Skipped: it FAILS today (62 calls against 15). The fix belongs in the pass
 * planning (batch-passes.ts, prefilter-state.ts: plan a window's pairs by the
 * cheaper of the kept pairs and the window's small side), which another part
 * of the work changes now; un-skip it with that fix.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, startSimulator } from '../../src/index.js';
import { REVIEWS_CSV } from './semantic-fixture.js';

const JOIN = `SELECT l.id AS x, r.id AS y FROM l JOIN r
  ON LLM_FILTER('The two reviews express opposite sentiments', l.t, r.t) LIMIT 10`;

test.skip('a pair join under LIMIT 10: -- @ prefilter: 10 makes no more calls than without it (today 62 against 15)', async () => {
  const sim = await startSimulator({});
  const engine = await createEngine({ provider: { baseUrl: sim.url, model: 'sim-small' }, threads: 1 });
  try {
    await engine.query(`CREATE TABLE reviews AS SELECT * FROM read_csv('${REVIEWS_CSV}');
      CREATE TABLE l AS SELECT id, review AS t FROM reviews WHERE id <= 200;
      CREATE TABLE r AS SELECT id, review AS t FROM reviews WHERE id > 200`);
    const calls: number[] = [];
    for (const prefilter of ['', '-- @ prefilter: 10\n']) {
      sim.resetStats();
      const r = await engine.query(`-- @ cache: false\n${prefilter}${JOIN}`);
      assert.is(r.rows.length, 10, prefilter);
      calls.push(sim.stats().requests);
    }
    assert.is(calls[0], 15);
    assert.ok(calls[1]! <= calls[0]!, `with the prefilter ${calls[1]} calls, without it ${calls[0]}`);
  } finally {
    await engine.close();
    await sim.close();
  }
});

test.run();
