/**
 * Typed generation: `LLM('prompt', col, … [RETURNING type])` and
 * `LLM_SCORE(text, 'rubric', low, high)`. The chosen type is asked for as a
 * JSON Schema (response_format and the prompt), checked when the answer comes
 * back, and read back as a DuckDB value of that type; distinct types in one
 * statement are distinct calls, packed in prompts of one schema each; a bad
 * type or bound fails at its line and column. (Every clause under every
 * strategy, and packed, is in operator-corpus.ts.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: LLM(… RETURNING type) and LLM_SCORE');

test.before(async (ctx) => {
  ctx.f = await startSemFixture({ defaultParallel: 8 }, { record: true });
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

const NO_CACHE = '-- @ cache: false';
const plain = (rows: readonly Record<string, unknown>[]) =>
  JSON.parse(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));

test('LLM_SCORE with whole bounds is an INTEGER within them; one call per row; the schema bounds the answer', async ({
  f,
}) => {
  const rows = await f.rows(
    `SELECT id, LLM_SCORE(review, 'how positive the review is', 1, 5) AS s FROM reviews WHERE id <= 12 ORDER BY id`,
    NO_CACHE,
  );
  assert.equal(
    rows.map((r) => r.s),
    [4, 1, 3, 2, 3, 3, 3, 5, 2, 2, 4, 3],
  );
  const stats = await f.sim.stats();
  assert.is(stats.requests, 12);
  const prompt = stats.promptsSeen!.map((p) => p.messages.map((m) => m.content).join('\n'))[0]!;
  assert.match(prompt, /from 1 \(the lowest\) to 5 \(the highest\)/);
  assert.match(prompt, /\{"type":"integer","minimum":1,"maximum":5\}/);
  assert.ok(stats.promptsSeen!.every((p) => p.hasResponseFormat));
  const [t] = await f.rows(
    `SELECT typeof(LLM_SCORE(review, 'how positive', 1, 5)) AS i, typeof(LLM_SCORE(review, 'how positive', 0, 1.5)) AS d,
            typeof(LLM_SCORE(review, 'how positive', 1, 5 RETURNING DOUBLE)) AS r
     FROM reviews WHERE id = 1`,
  );
  assert.equal(plain([t]), [{ i: 'INTEGER', d: 'DOUBLE', r: 'DOUBLE' }]);
  const doubles = await f.rows(
    `SELECT LLM_SCORE(review, 'how well the acting is judged', 0, 1.5) AS s FROM reviews WHERE id <= 30`,
  );
  assert.ok(doubles.every((r) => typeof r.s === 'number' && r.s >= 0 && r.s <= 1.5));
  assert.ok(doubles.some((r) => !Number.isInteger(r.s)));
});

test('RETURNING BOOLEAN filters; a STRUCT with a list comes back as a STRUCT value; VARCHAR is the default', async ({
  f,
}) => {
  const liked = await f.rows(
    `SELECT id FROM reviews WHERE id <= 40 AND LLM('The reviewer liked the film', review RETURNING BOOLEAN) ORDER BY id`,
    NO_CACHE,
  );
  assert.equal(
    liked.map((r) => Number(r.id)),
    // The simulator judges a condition about sentiment by its lexicon (src/sim/prompt-context.ts).
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 22, 23, 24, 26, 27, 29, 33, 37, 38],
  );
  assert.is(await f.requests(), 40);
  const [s] = await f.rows(
    `SELECT typeof(v) AS t, v.liked AS liked, len(v.tags) AS n FROM (
       SELECT LLM('Aspect', movie, review RETURNING STRUCT(aspect VARCHAR, liked BOOLEAN, tags VARCHAR[])) AS v
       FROM reviews WHERE id = 2)`,
    NO_CACHE,
  );
  assert.equal(plain([s]), [
    { t: 'STRUCT(aspect VARCHAR, liked BOOLEAN, tags VARCHAR[])', liked: false, n: 3 },
  ]);
  const [d] = await f.rows(`SELECT typeof(LLM('A title for it', review)) AS t FROM reviews WHERE id = 2`);
  assert.is(d!.t, 'VARCHAR');
  const [l] = await f.rows(
    `SELECT typeof(LLM('Three keywords', review RETURNING VARCHAR[])) AS t, typeof(LLM('Year', review RETURNING BIGINT)) AS b FROM reviews WHERE id = 2`,
  );
  assert.equal(plain([l]), [{ t: 'VARCHAR[]', b: 'BIGINT' }]);
});

test('cache: a type is part of the call; the same query again makes no call, another type makes its own', async ({
  f,
}) => {
  const q = `SELECT id, LLM('Is it about the acting?', review RETURNING BOOLEAN) AS v FROM reviews WHERE id <= 10 ORDER BY id`;
  const first = await f.rows(q);
  assert.is(await f.requests(), 10);
  await f.sim.resetStats();
  assert.equal(plain(await f.rows(q)), plain(first));
  assert.is(await f.requests(), 0);
  await f.rows(q.replace('RETURNING BOOLEAN', 'RETURNING INTEGER'));
  assert.is(await f.requests(), 10);
});

test('packed: two typed calls per row at batch 16 make ceil(40/16) prompts each, with the rows of unpacked', async ({
  f,
}) => {
  const q = `SELECT id, LLM_SCORE(review, 'how positive', 1, 5) AS s, LLM('liked?', review RETURNING BOOLEAN) AS b
             FROM reviews WHERE id <= 40 ORDER BY id`;
  const unpacked = await f.rows(q, NO_CACHE);
  assert.is(await f.requests(), 80);
  await f.sim.resetStats();
  const packed = await f.rows(q, `${NO_CACHE}\n-- @ batch: 16`);
  assert.is(await f.requests(), 6);
  assert.equal(plain(packed), plain(unpacked));
});

test('EXPLAIN counts a typed function like any operator', async ({ f }) => {
  const r = await f.engine.query(
    `EXPLAIN SELECT id, LLM_SCORE(review, 'how positive', 1, 5) FROM reviews WHERE id <= 25`,
  );
  const by = Object.fromEntries(r.rows.map((x) => [x.property, x.value]));
  assert.is(by.est_calls, '25');
  assert.match(String(by.operators), /LLM_SCORE → llm_score/);
  assert.is(await f.requests(), 0);
});

test('errors: an unknown type, a bound that is not a literal, bounds in the wrong order, RETURNING where no type is chosen', async ({
  f,
}) => {
  const cases: [string, string, RegExp, number][] = [
    [
      `SELECT LLM('x', review RETURNING STRUCT(a INTEGER, a VARCHAR)) FROM reviews`,
      'E_BAD_AGGREGATE_ARGS',
      /field "a" is named twice/,
      52,
    ],
    [`SELECT LLM('x', review RETURNING MAP) FROM reviews`, 'E_BAD_AGGREGATE_ARGS', /unknown type MAP/, 34],
    [
      `SELECT LLM_SCORE(review, 'r', stars, 5) FROM reviews`,
      'SEMANTIC_BAD_RETURNING',
      /low must be a number literal .* got stars/,
      31,
    ],
    [
      `SELECT LLM_SCORE(review, 'r', 5, 1) FROM reviews`,
      'SEMANTIC_BAD_RETURNING',
      /low \(5\) must be below high \(1\)/,
      8,
    ],
    [
      `SELECT LLM_SCORE(review, 'r', 1, 5 RETURNING VARCHAR) FROM reviews`,
      'SEMANTIC_BAD_RETURNING',
      /a bounded answer is a number, not VARCHAR/,
      8,
    ],
    [
      `SELECT LLM_FILTER('x', review RETURNING BOOLEAN) FROM reviews`,
      'E_BAD_AGGREGATE_ARGS',
      /does not take RETURNING/,
      31,
    ],
  ];
  for (const [sql, code, message, column] of cases) {
    const err = await f.engine.query(sql).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; detail?: { line?: number; column?: number } },
    );
    assert.ok(err, sql);
    assert.is(err!.code, code, sql);
    assert.match(err!.message, message, sql);
    assert.is(err!.detail?.column, column, `${sql}: ${JSON.stringify(err!.detail)}`);
  }
  assert.is(await f.requests(), 0);
});

test.run();
