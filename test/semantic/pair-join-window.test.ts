/**
 * A pair predicate over a join under LIMIT (limit-window.ts): the items a
 * predicate pairs — joined by a comma, CROSS, or INNER with the semantic call
 * in its ON — are windowed together, so a LIMIT 5 over a self-join of 300
 * reviews asks about the pairs of the first few rows of each side, not about
 * 2,048 pairs of one DuckDB vector; the calls are EXPLAIN's est_calls_window
 * when the first window meets the LIMIT, and every row returned is a row of
 * the full join.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: pair predicates in joins under LIMIT');

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): these count the calls of each LIMIT window, one per tuple; unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  ctx.f = await startSemFixture({ defaultParallel: 8, operatorBatch: 1 });
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

const NO_CACHE = '-- @ cache: false';
const SAME = `LLM_FILTER('The two reviews express the same sentiment', a.review, b.review)`;
const OPPOSITE = `LLM('The two reviews express opposite sentiments', a.review, b.review RETURNING BOOLEAN)`;

async function explained(f: SemFixture, sql: string): Promise<Record<string, string>> {
  const r = await f.engine.query(`EXPLAIN ${sql}`);
  return Object.fromEntries(r.rows.map((x) => [String(x.property), String(x.value)]));
}

async function lastStrategy(f: SemFixture): Promise<string> {
  const [q] = await f.rows(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return String(q?.strategy);
}

/** Whether the predicate holds for each pair, asked of every pair alone (no LIMIT, no window). */
async function holds(f: SemFixture, predicate: string, pairs: [number, number][]): Promise<boolean[]> {
  const list = pairs.map(([x, y]) => `(${x}, ${y})`).join(', ');
  const rows = await f.rows(
    `SELECT a.id AS x, b.id AS y, ${predicate} AS ok FROM reviews a, reviews b
     WHERE (a.id, b.id) IN (${list}) ORDER BY 1, 2`,
  );
  return rows.map((r) => r.ok === true);
}

const pairsOf = (rows: readonly Record<string, unknown>[]): [number, number][] =>
  rows.map((r) => [Number(r.x), Number(r.y)]);

test('a self-join ON a pair predicate, LIMIT 5: the first window meets it with est_calls_window calls', async ({
  f,
}) => {
  const sql = `SELECT a.id AS x, b.id AS y FROM reviews a JOIN reviews b ON a.id < b.id AND ${SAME} LIMIT 5`;
  const plan = await explained(f, sql);
  assert.match(
    plan.limit_window!,
    /^LIMIT 5 over the first 4 rows of each of reviews a, reviews b \(joined, 2 windowed items\)/,
  );
  // 4 rows of each side: 6 pairs with a.id < b.id, asked as candidates (the small-side plan): one call
  // per review of the side with more distinct values, 3.
  assert.is(plan.est_calls_window, '3');
  assert.is(plan.est_calls, '37833');
  assert.is(await f.requests(), 0);

  const rows = await f.rows(sql, NO_CACHE);
  assert.is(rows.length, 5);
  assert.is(await f.requests(), 3);
  assert.is(await lastStrategy(f), 'batch (LIMIT met from the first 4 rows)');
  assert.equal(await holds(f, SAME, pairsOf(rows)), [true, true, true, true, true]);
});

test('a comma join with the pair predicate in WHERE, and a selective predicate: the window grows, calls stay within its pairs', async ({
  f,
}) => {
  const sql = `SELECT a.id AS x, b.id AS y FROM reviews a, reviews b WHERE a.id < b.id AND a.movie = b.movie AND ${OPPOSITE} LIMIT 5`;
  const rows = await f.rows(sql, NO_CACHE);
  assert.is(rows.length, 5);
  const calls = await f.requests();
  const strategy = await lastStrategy(f);
  const w = Number(/LIMIT met from the first (\d+) rows/.exec(strategy)?.[1]);
  assert.ok(w > 0, strategy);
  // Never more calls than the pairs of the last window (each side's first w rows), far under one vector's 2,048.
  assert.ok(calls <= (w * (w - 1)) / 2, `${calls} calls for a window of ${w}`);
  // Reviews 1–19 are all positive: no opposite pair before the window of 32 rows, whose same-movie
  // pairs (30 of the first movie, 2 of the second) are C(30,2) + C(2,2) = 436, each asked once.
  assert.is(strategy, 'batch (LIMIT met from the first 32 rows)');
  assert.is(calls, 436);
  assert.equal(await holds(f, OPPOSITE, pairsOf(rows)), [true, true, true, true, true]);
});

test('a lookup joined on plain keys is read whole: the LIMIT is met from the reviews alone', async ({
  f,
}) => {
  await f.engine.query(
    `CREATE OR REPLACE TABLE movies AS SELECT DISTINCT movie, length(movie) AS len FROM reviews`,
  );
  const sql = `SELECT r.id, m.len FROM reviews r JOIN movies m ON r.movie = m.movie
               WHERE LLM('The reviewer liked the film', r.review RETURNING BOOLEAN) LIMIT 3`;
  const plan = await explained(f, sql);
  assert.match(plan.limit_window!, /^LIMIT 3 over the first 8 rows of reviews r \(more rows than that\)/);
  const rows = await f.rows(sql, NO_CACHE);
  assert.is(rows.length, 3);
  assert.is(await f.requests(), 8);
});

test.run();
