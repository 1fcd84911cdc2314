/**
 * The batch strategy's exactness rule (src/statements/semantic/run/run-semantic.ts): calls
 * are the distinct tuples evaluation asks for, no more. Checked against the
 * simulator's request counter, and against the sequential strategy, which
 * calls exactly when DuckDB evaluates.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture, TABLES } from './semantic-fixture.js';

const BIG = `${TABLES}
CREATE TABLE big AS SELECT range::INTEGER AS id, 'item number ' || range AS text,
  'group ' || (range % 10) AS grp FROM range(5000);`;

const test = suite<{ f: SemFixture }>('semantic: exactness of batch');

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): exactness is one call per distinct tuple the run needs, counted as calls; unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  ctx.f = await startSemFixture({ defaultParallel: 16, operatorBatch: 1 }, {}, BIG);
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

const NO_CACHE = '-- @ cache: false';

test('SELECT … LIMIT 10 without a filter makes 10 calls, not N', async ({ f }) => {
  const rows = await f.rows(`SELECT id, text MEANS 'number' AS m FROM big LIMIT 10`, NO_CACHE);
  assert.is(rows.length, 10);
  assert.ok(rows.every((r) => r.m === true));
  assert.is(await f.requests(), 10);
});

test('one call per distinct tuple: 5000 rows over 10 distinct values make 10 calls', async ({ f }) => {
  const rows = await f.rows(
    `SELECT grp, count(*) AS n FROM big WHERE grp MEANS 'group' GROUP BY grp`,
    NO_CACHE,
  );
  assert.is(rows.length, 10);
  assert.is(await f.requests(), 10);
});

test('NULL operands make no call', async ({ f }) => {
  await f.rows(`SELECT id, body MEANS 'eco' FROM docs WHERE body IS NULL`, NO_CACHE);
  assert.is(await f.requests(), 0);
});

test('a cheaper predicate before the operator: calls only for rows it lets through', async ({ f }) => {
  const rows = await f.rows(`SELECT id FROM big WHERE id < 25 AND text MEANS 'item' ORDER BY id`, NO_CACHE);
  assert.is(rows.length, 25);
  assert.is(await f.requests(), 25);
});

test('a dependent operator (AND of two) calls what sequential calls: 11 + 5, in two passes', async ({
  f,
}) => {
  const sql = `SELECT id FROM docs WHERE body MEANS 'eco friendly' AND title MEANS 'bottle' ORDER BY id`;
  const batch = await f.rows(sql, NO_CACHE);
  const batchCalls = await f.requests();
  await f.sim.resetStats();
  const seq = await f.rows(sql, `${NO_CACHE}\n-- @ strategy: sequential`);
  assert.equal(batch, seq);
  assert.equal(batch, [{ id: 1 }, { id: 10 }]);
  // 11 non-NULL bodies (distinct) for MEANS 'eco friendly', then titles of the 5 that pass.
  assert.is(batchCalls, 16);
  assert.is(await f.requests(), 16);
});

test('batch and sequential make the same calls on a mix of clauses', async ({ f }) => {
  for (const sql of [
    `SELECT id, body ABOUT 'battery' AS s FROM docs ORDER BY id LIMIT 3`,
    `SELECT category, LLM_SUMMARIZE(body) AS s FROM docs WHERE rating >= 4 GROUP BY category ORDER BY 1`,
    `SELECT d.id, c.label FROM docs d JOIN cats c ON d.title ~ c.label ORDER BY 1, 2`,
    `SELECT id FROM docs WHERE body MEANS 'durable' ORDER BY body RELEVANCE TO 'grip', id`,
  ]) {
    await f.sim.resetStats();
    const a = await f.rows(sql, NO_CACHE);
    const batchCalls = await f.requests();
    await f.sim.resetStats();
    const b = await f.rows(sql, `${NO_CACHE}\n-- @ strategy: sequential`);
    assert.equal(a, b, sql);
    const seqCalls = await f.requests();
    // The join's pairs take the small-side plan under batch: fewer calls, never more.
    if (sql.includes('~')) assert.ok(batchCalls < seqCalls, `${sql}: ${batchCalls} vs ${seqCalls}`);
    else assert.is(batchCalls, seqCalls, sql);
  }
});

test('WHERE operator + LIMIT over 5000 rows: a pass budget, not every row', async ({ f }) => {
  const rows = await f.rows(`SELECT id FROM big WHERE text MEANS 'item' LIMIT 10`, NO_CACHE);
  assert.is(rows.length, 10);
  const calls = await f.requests();
  // The first pass may record 2048 new tuples; without the budget this would be 5000.
  assert.ok(calls >= 10 && calls <= 2048, `calls = ${calls}`);
});

const TEN_PERCENT = `CREATE TABLE tenk AS SELECT range::INTEGER AS id,
  CASE WHEN hash(range) % 10 = 0 THEN 'eco friendly bottle ' ELSE 'plain steel part ' END || range AS body
  FROM range(10000)`;

test('LIMIT 10 over 10,000 rows with ~10% matches: growing windows, at most 300 calls', async ({ f }) => {
  await f.engine.query(TEN_PERCENT);
  await f.sim.resetStats();
  const rows = await f.rows(`SELECT id, body FROM tenk WHERE body MEANS 'eco friendly' LIMIT 10`, NO_CACHE);
  const calls = await f.requests();
  assert.is(rows.length, 10);
  assert.ok(calls <= 300, `calls = ${calls}`);
  // Every row returned is one sequential evaluation accepts (its answer, asked alone, is true).
  await f.sim.resetStats();
  const ids = rows.map((r) => r.id).join(', ');
  const seq = await f.rows(
    `SELECT id FROM tenk WHERE id IN (${ids}) AND body MEANS 'eco friendly' ORDER BY id`,
    `${NO_CACHE}\n-- @ strategy: sequential`,
  );
  assert.equal(
    seq.map((r) => r.id),
    rows.map((r) => r.id as number).sort((a, b) => a - b),
  );
  assert.ok(rows.every((r) => String(r.body).startsWith('eco friendly')));
});

test('LIMIT with OFFSET counts both; ORDER BY id reads the first rows by id', async ({ f }) => {
  await f.engine.query(`CREATE OR REPLACE TABLE tenk2 AS FROM tenk WHERE id < 2000`);
  await f.sim.resetStats();
  const page = await f.rows(
    `SELECT id FROM tenk2 WHERE body MEANS 'eco friendly' LIMIT 5 OFFSET 5`,
    NO_CACHE,
  );
  assert.is(page.length, 5);
  assert.ok((await f.requests()) <= 300);
  await f.sim.resetStats();
  const ordered = await f.rows(
    `SELECT id FROM tenk2 WHERE body MEANS 'eco friendly' ORDER BY id LIMIT 3`,
    NO_CACHE,
  );
  const expected = await f.rows(`SELECT id FROM tenk2 WHERE body LIKE 'eco%' ORDER BY id LIMIT 3`);
  assert.equal(ordered, expected);
  // The first max(2 × 3, PARALLEL) rows by id, doubled until 3 pass (src/statements/semantic/rewrite/limit-window.ts).
  const [q] = await f.rows(
    `SELECT strategy, calls::INTEGER AS calls FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  assert.match(String(q?.strategy), /^batch \(LIMIT met from the first \d+ rows in ORDER BY id\)$/);
  const rows = Number(/first (\d+) rows/.exec(String(q?.strategy))?.[1]);
  assert.ok(rows < 2000);
  assert.is(await f.requests(), rows);
});

test.run();
