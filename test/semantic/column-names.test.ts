/**
 * An unaliased SELECT item holding a semantic construct is named as the user
 * wrote it (whitespace made one space, comments dropped), not after the
 * registered call DuckDB runs (`rvbbit_semantic_means(7, …)`, whose statement
 * token changed from run to run). An alias the user wrote is kept.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: column names as written');

test.before(async (ctx) => {
  ctx.f = await startSemFixture({ defaultParallel: 8 });
});
test.after(async (ctx) => {
  await ctx.f.close();
});

const names = async (f: SemFixture, sql: string) => (await f.engine.query(sql)).columns.map((c) => c.name);

test('operators, typed functions, aggregates and dimensions in SELECT are named as written', async ({
  f,
}) => {
  const sql = `SELECT id, review MEANS 'the reviewer liked it', LLM_SCORE(review, 'how positive', 1, 5),
       LLM('The movie''s best quality', review RETURNING VARCHAR), upper(movie)
FROM reviews WHERE id <= 3 ORDER BY id`;
  const expected = [
    'id',
    `review MEANS 'the reviewer liked it'`,
    `LLM_SCORE(review, 'how positive', 1, 5)`,
    `LLM('The movie''s best quality', review RETURNING VARCHAR)`,
    'upper(movie)',
  ];
  assert.equal(await names(f, sql), expected);
  // The same on a second run: no statement token in a name.
  assert.equal(await names(f, sql), expected);
  assert.equal(
    await names(
      f,
      `SELECT movie, avg(LLM_SCORE(review, 'how positive', 1, 5)), LLM_SUMMARIZE(review),
         count(*) FILTER (WHERE review MEANS 'liked it') FROM reviews WHERE id <= 6 GROUP BY movie ORDER BY movie`,
    ),
    [
      'movie',
      `avg(LLM_SCORE(review, 'how positive', 1, 5))`,
      'LLM_SUMMARIZE(review)',
      `count(*) FILTER (WHERE review MEANS 'liked it')`,
    ],
  );
  assert.equal(await names(f, `SELECT TOPICS(review, 3), count(*) FROM reviews WHERE id <= 6 GROUP BY 1`), [
    'TOPICS(review, 3)',
    'count_star()',
  ]);
});

test('aliases are kept (AS, bare, name: expr); expressions around a construct are part of its name', async ({
  f,
}) => {
  assert.equal(
    await names(
      f,
      `SELECT LLM_SCORE(review, 'how positive', 1, 5) AS s, review MEANS 'liked it' liked,
         positive: review MEANS 'positive', LLM_SCORE(review, 'how positive', 1, 5) + 1,
         review   MEANS /* why */ 'liked
           it' IS TRUE
       FROM reviews WHERE id <= 2`,
    ),
    [
      's',
      'liked',
      'positive',
      `LLM_SCORE(review, 'how positive', 1, 5) + 1`,
      `review MEANS 'liked\n           it' IS TRUE`,
    ],
  );
});

test('a subquery, a CTE and CREATE TABLE AS pass the written name on; the values are the same', async ({
  f,
}) => {
  const outer = await f.engine.query(
    `WITH s AS (SELECT id, LLM_SCORE(review, 'how positive', 1, 5) FROM reviews WHERE id <= 4)
     SELECT * FROM (SELECT id, review MEANS 'liked it' FROM reviews WHERE id <= 4) JOIN s USING (id) ORDER BY id`,
  );
  assert.equal(
    outer.columns.map((c) => c.name),
    ['id', `review MEANS 'liked it'`, `LLM_SCORE(review, 'how positive', 1, 5)`],
  );
  await f.engine.query(
    `CREATE TABLE scored AS SELECT id, LLM_SCORE(review, 'how positive', 1, 5) FROM reviews WHERE id <= 4`,
  );
  const read = await f.engine.query(
    `SELECT id, "LLM_SCORE(review, 'how positive', 1, 5)" AS s FROM scored ORDER BY id`,
  );
  assert.equal(
    read.rows.map((r) => r.s),
    outer.rows.map((r) => r[`LLM_SCORE(review, 'how positive', 1, 5)`]),
  );
  assert.equal(read.rows.length, 4);
});

test.run();
