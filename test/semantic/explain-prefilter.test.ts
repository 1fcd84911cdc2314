/**
 * EXPLAIN under `-- @ prefilter` (issue 51): a pre-filtered pair predicate's
 * calls, tokens and `functions` line (EXPLAIN's passes never reach it: its
 * pairs are chosen by embeddings), and est_calls_window never 0 when the run
 * calls, checked against the run's counts.
 */
import * as assert from 'uvu/assert';
import { type SemFixture, semSuite, TABLES } from './semantic-fixture.js';

const DATA = `${TABLES}
CREATE TABLE rv AS SELECT id, review AS t, CASE WHEN id <= 150 THEN 0 ELSE id % 6 + 1 END AS k FROM reviews;`;

// Pinned unpacked (operatorBatch: 1): these count the calls of a prefilter's windows, one per tuple; unannotated statements pack since issue 67
// (test/semantic/auto-packing.test.ts).
const test = semSuite(
  'semantic: EXPLAIN under a prefilter',
  { defaultParallel: 8, operatorBatch: 1 },
  {},
  DATA,
);

const OPPOSITE = `LLM_FILTER('The two reviews express opposite sentiments', a.t, b.t)`;
const SAME = `LLM_FILTER('The two reviews express the same sentiment', a.t, b.t)`;
const NO_CACHE = '-- @ cache: false';

async function explained(f: SemFixture, sql: string, options: string): Promise<Record<string, string>> {
  const r = await f.engine.query(`${options}\nEXPLAIN ${sql}`);
  return Object.fromEntries(r.rows.map((x) => [String(x.property), String(x.value)]));
}

const SELF_JOIN = (pred: string) =>
  `SELECT a.id AS x, b.id AS y FROM rv a JOIN rv b ON a.k = b.k AND a.id < b.id AND ${pred}`;

test('a pair LLM_FILTER under prefilter 2: its functions line, tokens and calls bound; the run calls within it', async ({
  f,
}) => {
  const options = `${NO_CACHE}\n-- @ prefilter: 2`;
  const plan = await explained(f, SELF_JOIN(OPPOSITE), options);
  // Before: an empty functions line and 0 tokens (only `~` was priced).
  assert.is(
    plan.functions,
    'llm_filter: 66563 distinct tuples, 0 cached, 257 calls; prefilter 2: 257 left × 259 right values = 66563 pairs; 514 kept (top 2 per left value by embedding), 66049 pruned: at most 257 calls, chosen by embeddings when run (the cache not peeked)',
  );
  // 514 + 1 before issue 67 priced the kept pairs' small side (one call per left value, its 2 kept rights listed).
  assert.is(plan.est_calls, '258');
  assert.is(plan.est_tokens_in, '49344'); // 52942 before issue 67's cost model (the run's prompt rendered, o200k, its schema counted), 54998 before the prompt stopped saying "Answer as JSON."
  assert.is(plan.est_tokens_out, '2570'); // 10280 before issue 67's cost model: 20 tokens guessed a call, now {"result":false}'s 5
  assert.is(await f.requests(), 0);
  await f.rows(SELF_JOIN(OPPOSITE), options);
  const s = await f.sim.stats();
  // 58 + 1 before pair plans were chosen by tokens: a group of 60 pairs now goes pairwise (~9.8k tokens), not as 58 candidate calls (~12.3k).
  assert.is(s.requests + s.embeddingRequests, 61);
  assert.ok(s.requests + s.embeddingRequests <= Number(plan.est_calls));
});

test('prefilter 8, LIMIT 5: est_calls_window counts the first window`s pre-filtered pairs as the run asks them (not 0, not one call a pair)', async ({
  f,
}) => {
  const options = `${NO_CACHE}\n-- @ prefilter: 8`;
  const sql = `${SELF_JOIN(SAME)} LIMIT 5`;
  const plan = await explained(f, sql, options);
  // Before: 0 (EXPLAIN's passes never reach a pre-filtered pair). The first window's 2 left rows, each with its at
  // most 8 kept pairs, asked as the run asks them: one small side call per left value listing its kept right values
  // (prefilter-state.ts keptPairCalls, the rule of the statement's bound too). 16 before, the window's pairs counted
  // one call each (6 before issue 67 windowed the pair's left item alone: the first 4 rows of each side).
  assert.is(plan.est_calls_window, '2');
  assert.match(plan.limit_window!, /^LIMIT 5 over the first 2 rows of rv a \(more rows than that\): /);
  await f.rows(sql, options);
  // 7 before issue 67 (a window of 4 rows of each side, its 7 kept pairs pairwise): now the first 2 left rows'
  // kept pairs, one small side call per left value listing its kept right values: EXPLAIN's est_calls_window.
  assert.is(await f.requests(), 2);
  assert.is(await f.requests(), Number(plan.est_calls_window));
});

test('no row of the first window passes the plain filters: est_calls_window is the first window with calls, the run`s', async ({
  f,
}) => {
  const sql = `SELECT id FROM reviews WHERE id > 200 AND LLM_FILTER('The review praises the acting', review) LIMIT 3`;
  const plan = await explained(f, sql, NO_CACHE);
  // Before: 0, the calls of the first 8 rows (ids 1…8, none past id > 200).
  assert.is(plan.est_calls_window, '55');
  assert.match(
    plan.limit_window!,
    /^LIMIT 3 over the first 256 rows of reviews \(more rows than that; the first 8 rows reach no operator, the plain filters passing none of them, so the run grows the window to these\): /,
  );
  const rows = await f.rows(sql, NO_CACHE);
  assert.is(rows.length, 3);
  assert.is(await f.requests(), 55);
});

test('vectors cached: EXPLAIN plans the prefilter as the run does; est_calls and est_calls_window are the run`s calls', async ({
  f,
}) => {
  // Another condition over the same values embeds them all (cached); its answers are not this statement's.
  await f.rows(SELF_JOIN(OPPOSITE), '-- @ prefilter: 8');
  const options = '-- @ prefilter: 8';
  const limited = `${SELF_JOIN(SAME)} LIMIT 5`;
  await f.sim.resetStats();
  const windowPlan = await explained(f, limited, options);
  const wholePlan = await explained(f, SELF_JOIN(SAME), options);
  assert.is(await f.requests(), 0);
  // Uncached vectors (the test above): 2, the window's left rows' kept pairs bounded by k each. Planned: the first 2 left rows' kept pairs,
  // one small side call per left value. (7 before issue 67 windowed the pair's left item alone: the windows of 4
  // and 8 rows of each side could not return 5 rows whatever the answers, the 16-row window asked 6 more.)
  assert.is(windowPlan.est_calls_window, '2');
  assert.match(windowPlan.limit_window!, /^LIMIT 5 over the first 2 rows of rv a \(more rows than that\): /);
  assert.not.match(windowPlan.limit_window!, /not all cached/);
  // The kept pairs, planned (not `at most`), their vectors from the cache; the pairs counted as the operator's tuples.
  assert.is(
    wholePlan.embeddings,
    'prefilter 8: 257 left × 259 right values = 66563 pairs; 2056 kept (top 8 per left value by embedding), 64507 pruned\nprefilter embeddings (text-embedding-3-small): 263 distinct texts, 263 cached, 0 calls of up to 2048',
  );
  // 352 calls pairwise before issue 67 priced the small side per call (each b.t value lists the a.t values that kept it).
  assert.is(
    wholePlan.functions,
    'llm_filter: 352 distinct tuples, 0 cached, 139 calls; small side: up to 10 of 154 distinct a.t values as candidates (those paired with it), one call per b.t value (139 calls instead of 352 pairs)',
  );
  assert.is(wholePlan.est_calls, '139');
  await f.sim.resetStats();
  await f.rows(limited, options);
  const limitedStats = await f.sim.stats();
  assert.is(limitedStats.requests, 2); // 7 before issue 67: see est_calls_window above
  assert.is(limitedStats.embeddingRequests, 0);
  await f.sim.resetStats();
  await f.rows(SELF_JOIN(SAME), options);
  const s = await f.sim.stats();
  // The whole statement as EXPLAIN planned it: one call per b.t value, each of which still has pairs the LIMIT run
  // did not ask (before issue 67: pairwise, its pairs less the 7 the LIMIT run asked, 345).
  assert.is(s.requests, Number(wholePlan.est_calls));
  assert.is(s.embeddingRequests, 0);
});

test.run();
