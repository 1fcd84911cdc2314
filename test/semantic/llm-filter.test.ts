/**
 * Your own condition over any columns: `LLM_FILTER('condition', col, …)`
 * and a tuple on the left of an operator, `(a, b) MEANS '…'`. The values
 * reach the model each labelled with the expression it came from; a NULL
 * value answers NULL without a call; distinct tuples are called once; a
 * cascade may declare its last argument variadic, checked where it is written.
 * (Every clause under every strategy, and packed, is in operator-corpus.ts.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCascadeText } from '../../src/cascade/load-cascade.js';
import { createEngine } from '../../src/index.js';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: LLM_FILTER and tuples');

test.before(async (ctx) => {
  // Pairwise: the small-side plan of two-value conditions is pair-small-side.test.ts's.
  // Pinned unpacked (operatorBatch: 1): these count one call per row's tuple; unannotated pair predicates pack since issue 67
  ctx.f = await startSemFixture(
    { defaultParallel: 4, smallSideLimit: 0, operatorBatch: 1 },
    { record: true },
  );
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

test('each row one call with its values labelled by expression; a NULL value is NULL with no call', async ({
  f,
}) => {
  const rows = await f.rows(
    `SELECT id, LLM_FILTER('a product that charges a phone', title, body) AS ok FROM docs ORDER BY id`,
    '-- @ cache: false',
  );
  assert.equal(
    rows.map((r) => [r.id, r.ok]),
    [
      [1, false],
      [2, false],
      [3, true],
      [4, false],
      [5, false],
      [6, true],
      [7, false],
      [8, false],
      [9, null],
      [10, false],
      [11, false],
      [12, true],
    ],
  );
  // 12 rows, doc 9's body is NULL: 11 calls.
  const stats = await f.sim.stats();
  assert.is(stats.requests, 11);
  const prompt = stats
    .promptsSeen!.map((p) => p.messages.at(-1)!.content)
    .find((c) => c.includes('USB cable'))!;
  assert.match(prompt, /<criterion>a product that charges a phone<\/criterion>/);
  assert.match(
    prompt,
    /<text><input name="title">USB cable<\/input>\n<input name="body">durable usb cable that charges a phone fast<\/input><\/text>/,
  );
});

test('the same tuple twice is one call; a number is labelled and passed as text', async ({ f }) => {
  const rows = await f.rows(
    `SELECT LLM_FILTER('rated well', category, rating) AS ok, count(*)::INTEGER AS n FROM docs GROUP BY ALL ORDER BY ALL`,
    '-- @ cache: false',
  );
  assert.ok(rows.length >= 2);
  const distinct = (
    await f.rows(`SELECT count(DISTINCT (category, rating))::INTEGER AS d FROM docs WHERE rating IS NOT NULL`)
  )[0]!.d;
  assert.is(await f.requests(), distinct);
  const prompts = (await f.sim.stats()).promptsSeen!.map((p) => p.messages.at(-1)!.content);
  assert.ok(prompts.some((c) => c.includes('<input name="rating">5</input>')));
});

test('(title, body) MEANS: the tuple reaches MEANS labelled, the same as its rows under every strategy', async ({
  f,
}) => {
  const rows = await f.rows(
    `SELECT id FROM docs WHERE (title, body) MEANS 'running shoe' ORDER BY id`,
    '-- @ cache: false',
  );
  assert.equal(
    rows.map((r) => r.id),
    [2, 7],
  );
  const prompt = (await f.sim.stats())
    .promptsSeen!.map((p) => p.messages.at(-1)!.content)
    .find((c) => c.includes('Yoga mat'))!;
  assert.match(prompt, /<text><input name="title">Yoga mat<\/input>\n<input name="body">natural rubber/);
});

test('LLM_FILTER with no value to judge is an error naming the call and its place', async ({ f }) => {
  const err = await f.engine.query(`SELECT id FROM docs WHERE LLM_FILTER('eco')`).catch((e) => e);
  assert.ok(err instanceof Error);
  assert.match(err.message, /LLM_FILTER/);
  assert.match(err.message, /argument/i);
});

test('a variadic argument that is not the last, or not VARCHAR, is refused where it is written', () => {
  const file = (args: string) => `cascade_id: v
sql_function:
  name: v
  args: ${args}
  returns: BOOLEAN
cells:
  - name: c
    instructions: "x"
`;
  const refused = (args: string) => {
    try {
      loadCascadeText(file(args), 'v.yaml');
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.match(
    refused('[ { name: a, type: VARCHAR, variadic: true }, { name: b, type: VARCHAR } ]'),
    /v\.yaml:4:\d+: sql_function\.args\[0\]\.variadic: only the last argument can be variadic/,
  );
  assert.match(
    refused('[ { name: a, type: VARCHAR }, { name: b, type: INTEGER, variadic: true } ]'),
    /sql_function\.args\[1\]\.variadic: a variadic argument is VARCHAR/,
  );
  assert.is(refused('[ { name: a, type: VARCHAR }, { name: b, type: VARCHAR, variadic: true } ]'), '');
});

test('a user operator with a variadic argument, from its own root, in the library', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-variadic-'));
  writeFileSync(
    join(dir, 'same_topic.yaml'),
    `cascade_id: same_topic
sql_function:
  name: same_topic
  args: [ { name: topic, type: VARCHAR }, { name: texts, type: VARCHAR, variadic: true } ]
  returns: BOOLEAN
cells:
  - name: judge
    instructions: |
      Answer as JSON {"result": true} if every text is about the topic, else {"result": false}.
      <criterion>{{ input.topic }}</criterion>
      <text>{{ input.texts }}</text>
    output_schema: { type: object, required: [result], properties: { result: { type: boolean } } }
`,
  );
  const engine = await createEngine({ cascadeRoots: [dir], threads: 1 });
  try {
    const r = await engine.query(
      `SELECT SAME_TOPIC('phone battery', 'a phone battery pack', 'phone battery charger', 'battery for a phone') AS s`,
    );
    assert.equal(r.rows, [{ s: true }]);
  } finally {
    await engine.close();
  }
});

test.run();
