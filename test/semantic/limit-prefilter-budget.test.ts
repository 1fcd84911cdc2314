/**
 * Issue 67: a prefilter never makes a LIMIT dearer where the LIMIT is met
 * pass by pass (no window: limit-window.ts). Such a LIMIT's passes each read
 * a budget of new calls (batch-passes.ts); under `-- @ prefilter` every pair
 * the prefilter meets, kept or pruned, counts against that budget
 * (prefilter-state.ts), so a pass reads the pairs the run without the
 * prefilter would and asks about the kept ones among them only. Before, a
 * pass read every pair and asked about every kept one: all of them, when
 * fewer than the budget were kept.
 */
import * as assert from 'uvu/assert';
import { semSuite } from './semantic-fixture.js';

// Pinned unpacked (operatorBatch: 1): these count a pass's pairwise and small-side calls; unannotated pair predicates pack since issue 67 (pair-plan.ts prices packed pairs and blocks then)
const test = semSuite('semantic: a prefilter under a LIMIT met pass by pass', {
  defaultParallel: 8,
  operatorBatch: 1,
});

const SAME = `LLM_FILTER('The two reviews express the same sentiment', a.review, b.review)`;
/** The pair join in a CTE with a predicate of its own: no LIMIT window, the budgeted passes. */
const JOIN = `WITH j AS (SELECT a.id AS x, b.id AS y FROM reviews a JOIN reviews b ON a.id < b.id AND ${SAME}) SELECT * FROM j`;
const NO_CACHE = '-- @ cache: false';

const key = (r: Record<string, unknown>) => `${r.x}/${r.y}`;

test('a self-join of 300 reviews in a CTE, LIMIT 10: prefilter 10 asks fewer calls than no prefilter', async ({
  f,
}) => {
  const plain = await f.rows(`${JOIN} LIMIT 10`, NO_CACHE);
  const without = await f.sim.stats();
  assert.is(plain.length, 10);
  assert.is(without.requests, 62);
  assert.is(without.embeddingRequests, 0);
  await f.sim.resetStats();
  const limited = await f.rows(`${JOIN} LIMIT 10`, `${NO_CACHE}\n-- @ prefilter: 10`);
  const s = await f.sim.stats();
  assert.is(limited.length, 10);
  // Before: 1,330 calls, every pair of the 2,621 kept read by the first pass of 2,048 new calls.
  assert.is(s.requests, 38);
  assert.is(s.embeddingRequests, 1);
  assert.ok(s.requests <= without.requests);
});

test('prefilter 2: fewer calls than before, and the rows are rows of the statement without its LIMIT', async ({
  f,
}) => {
  const options = `${NO_CACHE}\n-- @ prefilter: 2`;
  const limited = await f.rows(`${JOIN} LIMIT 10`, options);
  const s = await f.sim.stats();
  // Before: 173.
  assert.is(s.requests, 21);
  const all = new Set((await f.rows(JOIN, options)).map(key));
  assert.is(limited.length, 10);
  for (const r of limited) assert.ok(all.has(key(r)), `${key(r)} is not a row of the unlimited statement`);
});

test('vectors cached: EXPLAIN`s est_calls_window is the first pass`s calls, the run`s when that pass meets the LIMIT', async ({
  f,
}) => {
  // Another condition over the same values embeds them all (cached); its answers are not this statement's.
  const OPPOSITE = JOIN.replace('the same sentiment', 'opposite sentiments');
  await f.rows(`${OPPOSITE} LIMIT 10`, '-- @ prefilter: 10');
  await f.sim.resetStats();
  const options = '-- @ prefilter: 10';
  const r = await f.engine.query(`${options}\nEXPLAIN ${JOIN} LIMIT 10`);
  const plan = Object.fromEntries(r.rows.map((x) => [String(x.property), String(x.value)]));
  assert.is(await f.requests(), 0);
  // Before: no est_calls_window (the LIMIT is not windowed: only est_calls, the bound).
  assert.is(plan.est_calls_window, '38');
  assert.match(
    plan.limit_window!,
    /^none: this LIMIT is not met from the first rows of the source; the run reads it in passes of a bounded number of new calls, the first 2048 pairs the prefilter meets asking about the 67 it keeps: /,
  );
  await f.rows(`${JOIN} LIMIT 10`, options);
  const s = await f.sim.stats();
  assert.is(s.requests, Number(plan.est_calls_window));
  assert.is(s.embeddingRequests, 0);
});

test.run();
