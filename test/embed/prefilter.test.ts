/**
 * `-- @ prefilter: k` on `a ~ b`: the model is asked only about each left
 * value's k nearest right values by embedding. The data is built so that the
 * true match of every left value is its nearest right value (three shared
 * words), and decoys share one word (too few for `~`): the rows equal the
 * pairwise plan's, with one call per left value listing its k kept right
 * values (the small side: pair-plan.ts prices it per call) instead of left ×
 * right calls; left × k calls before issue 67, the kept pairs asked pairwise.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture, TABLES } from '../semantic/semantic-fixture.js';

const LEFT = 40;
const RIGHT = 50;
// Fixed-width numbers: the simulator's word match takes a prefix ("alpha1" would meet "alpha12").
const DATA = `${TABLES}
CREATE TABLE lefts AS SELECT range::INTEGER AS id,
  printf('alpha%03d beta%03d gamma%03d', range, range, range) AS name FROM range(${LEFT});
CREATE TABLE rights AS SELECT range::INTEGER AS id,
  CASE WHEN range < ${LEFT} THEN printf('alpha%03d beta%03d gamma%03d widget', range, range, range)
       ELSE printf('gamma%03d delta%03d epsilon%03d', range - ${LEFT}, range, range) END AS label
  FROM range(${RIGHT});`;

const JOIN =
  'SELECT l.id AS l, r.id AS r FROM lefts l SEMANTIC JOIN rights r ON l.name ~ r.label ORDER BY l.id, r.id';

const test = suite<{ f: SemFixture }>('embed: pre-filtered ~');

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): these count the pre-filtered pairs' pairwise and small-side calls; unannotated pair predicates pack since issue 67 (pair-plan.ts prices packed pairs and blocks then)
  ctx.f = await startSemFixture({ defaultParallel: 8, smallSideLimit: 10, operatorBatch: 1 }, {}, DATA);
});
test.after(async (ctx) => {
  await ctx.f.close();
});

test('same rows as pairwise, calls = left (40, each listing its k kept) instead of left × right (2,000)', async ({
  f,
}) => {
  await f.sim.resetStats();
  const pairwise = await f.rows(JOIN, '-- @ cache: false');
  assert.is(await f.requests(), LEFT * RIGHT);
  assert.equal(
    pairwise,
    Array.from({ length: LEFT }, (_, i) => ({ l: i, r: i })),
  );
  await f.sim.resetStats();
  const pruned = await f.rows(JOIN, '-- @ cache: false\n-- @ prefilter: 2');
  const s = await f.sim.stats();
  assert.equal(pruned, pairwise);
  // LEFT * 2 (80) before issue 67: each kept pair its own call.
  assert.is(s.requests, LEFT);
  // The 90 distinct values in one batch (cache off: nothing reused; a prefilter needs no dimension probe).
  assert.is(s.embeddingRequests, 1);
  assert.is(s.embeddingInputs, LEFT + RIGHT);
});

test('a large ~ in WHERE over a cross join is pre-filtered too; a NULL side answers NULL without a call', async ({
  f,
}) => {
  const sql = `SELECT l.id AS l, r.id AS r FROM lefts l, rights r WHERE l.name ~ r.label ORDER BY 1, 2`;
  await f.sim.resetStats();
  const rows = await f.rows(sql, '-- @ cache: false\n-- @ prefilter: 2');
  assert.equal(
    rows,
    Array.from({ length: LEFT }, (_, i) => ({ l: i, r: i })),
  );
  assert.is(await f.requests(), LEFT); // LEFT * 2 before issue 67 (see the first test)
  await f.sim.resetStats();
  const nulls = await f.rows(
    `SELECT l.id, (CASE WHEN l.id = 0 THEN NULL ELSE l.name END) ~ r.label AS same
     FROM lefts l, rights r WHERE r.id = l.id ORDER BY 1 LIMIT 3`,
    '-- @ cache: false\n-- @ prefilter: 2',
  );
  assert.equal(nulls, [
    { id: 0, same: null },
    { id: 1, same: true },
    { id: 2, same: true },
  ]);
});

test('a sync strategy is pre-filtered too (the plan made by record passes first)', async ({ f }) => {
  await f.sim.resetStats();
  const rows = await f.rows(JOIN, '-- @ cache: false\n-- @ prefilter: 2\n-- @ strategy: vectorized');
  assert.equal(
    rows,
    Array.from({ length: LEFT }, (_, i) => ({ l: i, r: i })),
  );
  assert.is(await f.requests(), LEFT * 2);
});

test('a re-run is answered from the cache: 0 chat and 0 embedding calls', async ({ f }) => {
  await f.rows(JOIN, '-- @ prefilter: 3');
  await f.sim.resetStats();
  const again = await f.rows(JOIN, '-- @ prefilter: 3');
  const s = await f.sim.stats();
  assert.is(s.requests, 0);
  assert.is(s.embeddingRequests, 0);
  assert.is(again.length, LEFT);
});

test('EXPLAIN shows the pairs pruned: planned from cached vectors, the run`s calls; uncached, the bound; making no call', async ({
  f,
}) => {
  await f.sim.resetStats();
  const explain = async (options: string) => {
    const rows = await f.rows(`EXPLAIN ${JOIN}`, options);
    return (k: string) => rows.find((r) => r['property'] === k)?.['value'];
  };
  const planned = await explain('-- @ prefilter: 2');
  assert.equal(String(planned('embeddings')).split('\n'), [
    'prefilter 2: 40 left × 50 right values = 2000 pairs; 80 kept (top 2 per left value by embedding), 1920 pruned',
    // Embedded by the runs before (the cache holds every value).
    'prefilter embeddings (text-embedding-3-small): 90 distinct texts, 90 cached, 0 calls of up to 2048',
  ]);
  // The vectors are cached, so the kept pairs are planned as the run plans them: one small side call per left
  // value listing its 2 kept right values, 40 calls, as the run below makes. The runs before (top 3) asked each left
  // value's 3 candidates in one call, a cached answer of its own, not of these pairs. (Before issue 67 priced the
  // small side per call: `80 cached, 0 calls; pairwise`, the pairs answered pairwise by the runs before, and the
  // run below made no call.)
  assert.is(
    planned('functions'),
    'semantic_same: 80 distinct tuples, 0 cached, 40 calls; small side: up to 2 of 46 distinct b values as candidates (those paired with it), one call per a value (40 calls instead of 80 pairs)',
  );
  assert.is(planned('est_calls'), '40');
  // Without the cache nothing is known of the kept pairs: the 80 kept (2 per left value), asked as the run will
  // plan them, one small side call per left value listing its 2 (40, the planned run's; 80 pair calls before
  // issue 67), and 1 call embedding the 90 values; priced as 80 runs, one per kept pair.
  const bound = await explain('-- @ prefilter: 2\n-- @ cache: false');
  assert.is(bound('est_calls'), '41');
  const tokensIn = Number(bound('est_tokens_in'));
  assert.ok(tokensIn > 0 && tokensIn % 80 === 0, `est_tokens_in ${tokensIn}`);
  assert.ok(Number(bound('est_tokens_out')) > 0);
  assert.ok(Number(bound('est_dollars')) > 0, `est_dollars ${bound('est_dollars')}`);
  const s = await f.sim.stats();
  assert.is(s.requests + s.embeddingRequests, 0);
  await f.rows(JOIN, '-- @ prefilter: 2');
  const run = await f.sim.stats();
  assert.is(run.requests, Number(planned('est_calls')));
  assert.is(run.embeddingRequests, 0);
});

test('a small side keeps today’s plan (one call per larger-side value)', async ({ f }) => {
  const sql = 'SELECT l.id, c.label FROM lefts l SEMANTIC JOIN cats c ON l.name ~ c.label ORDER BY 1, 2';
  await f.sim.resetStats();
  const plain = await f.rows(sql, '-- @ cache: false');
  const plainCalls = await f.requests();
  await f.sim.resetStats();
  const pre = await f.rows(sql, '-- @ cache: false\n-- @ prefilter: 2');
  assert.equal(pre, plain);
  assert.is(await f.requests(), plainCalls);
  assert.is(plainCalls, LEFT, 'the small-side plan: one call per left value');
  assert.is((await f.sim.stats()).embeddingRequests, 0, 'no embeddings needed');
});

test('a condition over two values is pre-filtered as ~ is: LLM_FILTER and a tuple MEANS ask left × k pairs, each its nearest', async ({
  f,
}) => {
  const asked = async () => {
    const prompts = (await f.sim.stats()).promptsSeen ?? [];
    return prompts
      .map((p) => p.messages.map((m) => m.content).join('\n'))
      .map((c) => {
        const [, l] = /<input name="l\.name">alpha(\d+)/.exec(c)!;
        const [, r] = /<input name="r\.label">(?:alpha|gamma)\d+ (?:beta|delta)(\d+)/.exec(c)!;
        return `${Number(l)}-${Number(r)}`;
      })
      .sort();
  };
  for (const predicate of [`LLM_FILTER('a widget', l.name, r.label)`, `(l.name, r.label) MEANS 'a widget'`]) {
    const sql = `SELECT l.id AS l, r.id AS r FROM lefts l, rights r WHERE ${predicate} ORDER BY 1, 2`;
    await f.sim.resetStats();
    const pairwise = await f.rows(sql, '-- @ cache: false');
    assert.is(await f.requests(), LEFT * RIGHT, predicate);
    // The condition holds for every right value with "widget": 40 of the 50.
    assert.is(pairwise.length, LEFT * LEFT, predicate);
    await f.sim.setOptions({ record: true });
    await f.sim.resetStats();
    // Pairwise (small_side: 0), so each prompt is one pair this reads; the small side would ask them as one call per left value.
    const pruned = await f.rows(sql, '-- @ cache: false\n-- @ prefilter: 2\n-- @ small_side: 0');
    const pairs = await asked();
    await f.sim.setOptions({ record: false });
    assert.is(pairs.length, LEFT * 2, predicate);
    // Every left value's nearest right value (its own widget) is among the two it is asked about.
    for (let i = 0; i < LEFT; i++) assert.ok(pairs.includes(`${i}-${i}`), `${predicate}: ${i}`);
    // The rows are the pairwise rows among the pairs asked; every other pair is false without a call.
    assert.equal(
      pruned,
      pairwise.filter((x) => pairs.includes(`${x.l}-${x.r}`)),
      predicate,
    );
  }
  const explained = await f.engine.query(
    `EXPLAIN SELECT l.id FROM lefts l, rights r WHERE LLM_FILTER('a widget', l.name, r.label)`,
    undefined,
  );
  const prefilter = explained.rows.find((x) => String(x.value).startsWith('prefilter 2'));
  assert.not.ok(prefilter, 'no prefilter without the annotation');
  const annotated = await f.engine.query(
    `-- @ prefilter: 2\nEXPLAIN SELECT l.id FROM lefts l, rights r WHERE LLM_FILTER('a widget', l.name, r.label)`,
  );
  assert.ok(
    annotated.rows.some((x) =>
      /^prefilter 2: 40 left × 50 right values = 2000 pairs; 80 kept/.test(String(x.value)),
    ),
    JSON.stringify(annotated.rows),
  );
});

test('bad prefilter values are grammar errors', async ({ f }) => {
  for (const v of ['0', 'many', '1001']) {
    try {
      await f.rows(JOIN, `-- @ prefilter: ${v}`);
      assert.unreachable();
    } catch (err) {
      assert.is((err as { code: string }).code, 'E_BAD_ANNOTATION_VALUE');
    }
  }
});

test.run();
