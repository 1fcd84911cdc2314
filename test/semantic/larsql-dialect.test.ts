/**
 * larsql's small dialect additions (issue 34), run on the simulator:
 * `a NOT MEANS b` and `a !~ b` answer the negation of the same calls (a
 * user-defined BOOLEAN operator too), NOT on a score is refused with its
 * place, `-- @ prompt: text` reaches every operator prompt as a hint, and
 * VECTOR_SEARCH('query', table.column, k) is rvbbit's search with larsql's
 * names for the score. The grammar side: test/grammar/larsql-dialect.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RvbbitError } from '../../base/errors.js';
import { EXTRA_CASCADES, type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ shipped: SemFixture; extra: SemFixture }>('semantic: larsql dialect additions');

test.before(async (ctx) => {
  ctx.shipped = await startSemFixture({}, { record: true });
  ctx.extra = await startSemFixture({ cascadeRoots: [EXTRA_CASCADES] });
});
test.after(async (ctx) => {
  await ctx.shipped.close();
  await ctx.extra.close();
});

async function failure(f: SemFixture, sql: string): Promise<RvbbitError> {
  try {
    await f.engine.query(sql);
  } catch (err) {
    return err as RvbbitError;
  }
  throw new Error(`expected an error from: ${sql}`);
}

const ids = (rows: readonly Record<string, unknown>[]) => rows.map((r) => r['id']);

test('a NOT MEANS b: the rows MEANS leaves out (a NULL text stays NULL), from the same answers, no new call', async ({
  shipped: f,
}) => {
  const means = await f.rows("SELECT id FROM docs WHERE body MEANS 'eco friendly' ORDER BY id");
  assert.equal(ids(means), [1, 4, 6, 10, 11]);
  await f.sim.resetStats();
  const not = await f.rows("SELECT id FROM docs WHERE body NOT MEANS 'eco friendly' ORDER BY id");
  assert.equal(ids(not), [2, 3, 5, 7, 8, 12]);
  const values = await f.rows(
    "SELECT id, body NOT MEANS 'eco friendly' AS n FROM docs WHERE id IN (1, 2, 9) ORDER BY id",
  );
  assert.equal(values, [
    { id: 1, n: false },
    { id: 2, n: true },
    { id: 9, n: null },
  ]);
  assert.is(await f.requests(), 0, 'the negation is SQL over the answers MEANS already has');
});

test('a !~ b is NOT (a ~ b), also in a JOIN; it is no regular expression here', async ({ shipped: f }) => {
  const same = await f.rows(
    'SELECT d.id, c.label FROM docs d JOIN cats c ON d.title ~ c.label WHERE d.id IN (1, 2) ORDER BY 1, 2',
  );
  assert.equal(same, [
    { id: 1, label: 'eco bottle' },
    { id: 2, label: 'running shoe' },
  ]);
  const notSame = await f.rows(
    'SELECT d.id, c.label FROM docs d JOIN cats c ON d.title !~ c.label WHERE d.id IN (1, 2) ORDER BY 1, 2',
  );
  assert.equal(notSame, [
    { id: 1, label: 'kitchen knife' },
    { id: 1, label: 'phone battery' },
    { id: 1, label: 'running shoe' },
    { id: 1, label: 'yoga mat' },
    { id: 2, label: 'eco bottle' },
    { id: 2, label: 'kitchen knife' },
    { id: 2, label: 'phone battery' },
    { id: 2, label: 'yoga mat' },
  ]);
  // DuckDB's `!~` would say false ('abc' matches .*b.*); the regular expression is spelled out.
  assert.equal(
    await f.rows("SELECT 'abc' !~ '.*b.*' AS semantic, NOT regexp_full_match('abc', '.*b.*') AS regex"),
    [{ semantic: true, regex: false }],
  );
});

test('NOT on a user-defined BOOLEAN operator from a cascade file', async ({ extra: f }) => {
  const rows = await f.rows(
    "SELECT id, title RHYMES 'eco bottle' AS r, title NOT RHYMES 'eco bottle' AS n FROM docs WHERE id IN (1, 2) ORDER BY id",
  );
  assert.equal(rows, [
    { id: 1, r: true, n: false },
    { id: 2, r: false, n: true },
  ]);
});

test('NOT ABOUT is refused before anything runs, naming the operator and its place', async ({
  shipped: f,
}) => {
  await f.sim.resetStats();
  const e = await failure(f, "SELECT id FROM docs\nWHERE body NOT ABOUT 'eco'");
  assert.is(e.code, 'E_NOT_BOOLEAN_OPERATOR');
  assert.is(
    e.message.split('\n')[0],
    'NOT ABOUT: only an operator that returns BOOLEAN can be negated, and ABOUT returns DOUBLE (compare its score instead: a ABOUT b <= 0.5)',
  );
  assert.equal([e.detail['line'], e.detail['column']], [2, 12]);
  assert.is(await f.requests(), 0);
});

test('-- @ prompt: text is appended to every operator prompt, as free text is', async ({ shipped: f }) => {
  await f.sim.resetStats();
  await f.rows(
    `SELECT id, body ABOUT 'eco' AS s FROM docs WHERE id = 1 AND body MEANS 'eco'`,
    '-- @ prompt: judge the materials only\n-- @ cache: false',
  );
  const seen = ((await f.sim.stats()).promptsSeen ?? []).map((p) =>
    p.messages.map((m) => m.content).join('\n'),
  );
  assert.is(seen.length, 2);
  for (const prompt of seen) {
    assert.ok(prompt.includes('Also consider: judge the materials only'), prompt);
    assert.not.ok(prompt.includes('prompt:'), 'the key is not part of the hint');
  }
});

test("VECTOR_SEARCH('query', table.column, k): rvbbit's search, with larsql's similarity and distance", async ({
  shipped: f,
}) => {
  const query = 'eco friendly durable';
  const larsql = await f.rows(
    `SELECT id, score, similarity, distance FROM VECTOR_SEARCH('${query}', docs.body, 3)`,
  );
  const rvbbit = await f.rows(`SELECT id, score FROM VECTOR_SEARCH('${query}', docs, body, 3)`);
  assert.equal(ids(larsql), [11, 4, 10]);
  assert.equal(
    larsql.map((r) => ({ id: r['id'], score: r['score'] })),
    rvbbit,
  );
  for (const r of larsql) {
    assert.is(r['similarity'], r['score']);
    assert.ok(Math.abs((r['distance'] as number) - (1 - (r['score'] as number))) < 1e-12);
  }
  // larsql's own example filters on similarity; every column of the table comes along.
  const filtered = await f.rows(
    `SELECT * FROM VECTOR_SEARCH('${query}', docs.body, 3) WHERE similarity > 0.5`,
  );
  assert.equal(
    filtered.map((r) => Object.keys(r)),
    [['id', 'title', 'body', 'category', 'rating', 'score', 'similarity', 'distance']],
  );
  assert.equal(ids(filtered), [11]);
});

test('VECTOR_SEARCH with three arguments needs table.column: an error with its place', async ({
  shipped: f,
}) => {
  for (const [second, got] of [
    ['body', 'body'],
    ["'docs'", "'docs'"],
  ]) {
    const e = await failure(f, `SELECT id\nFROM VECTOR_SEARCH('eco', ${second}, 2)`);
    assert.is(e.code, 'EMBED_BAD_ARGUMENT');
    assert.is(
      e.message,
      `VECTOR_SEARCH at line 2, column 6: with three arguments the second is a column with its table (table.column), got ${got}`,
    );
    assert.equal([e.detail['line'], e.detail['column']], [2, 6]);
  }
});

test.run();
