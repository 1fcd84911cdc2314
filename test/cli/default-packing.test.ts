/**
 * The CLI's semantic statements, said nothing of packing or parallelism
 * (issue 67: "The CLI runs a semantic statement one call at a time unless
 * told otherwise"): one-value operators pack up to 16 tuples a prompt and up
 * to 8 calls are in flight; `--parallel` and `-- @ batch` still win. Each run
 * is `rvbbit query` spawned on a simulator of its own, whose counters are read.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { queryOnOwnSimulator } from './helpers.js';

/**
 * 200 distinct short texts asked one MEANS each. The unannotated run's answers are held until 8
 * calls are in flight (src/sim/options.ts gate), so "8 in flight" is exact on a busy machine (at
 * 40 ms the last one of a round sometimes started after the first answered: 7 seen at load 10).
 */
const FILTER = `-- @ cache: false
SELECT count(*) AS n FROM range(200) r(id) WHERE ('tweet ' || id || ' about SQL and AI') MEANS 'databases'`;
const SLOW = { latencyMs: 40 };
const GATED = { latencyMs: 40, gate: { requests: 8 } };

test('rvbbit query, unannotated: 13 packed calls, 8 in flight', async () => {
  const r = await queryOnOwnSimulator(FILTER, GATED);
  assert.is(r.code, 0, r.err);
  assert.is(r.stats.requests, 13);
  assert.is(r.stats.maxInFlight, 8);
});

test('rvbbit query with -- @ batch: 1 and -- @ parallel: 1: 200 calls one at a time, the same count', async () => {
  const packed = await queryOnOwnSimulator(FILTER, {});
  const r = await queryOnOwnSimulator(`-- @ batch: 1\n-- @ parallel: 1\n${FILTER}`, SLOW);
  assert.is(r.code, 0, r.err);
  assert.equal(r.rows, packed.rows);
  assert.is(r.stats.requests, 200);
  assert.is(r.stats.maxInFlight, 1);
});

test.run();
