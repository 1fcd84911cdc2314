/**
 * SEMANTIC JOIN and `a ~ b` between two relations: with a small side (≤
 * smallSideLimit distinct values) one call per value of the other side picks
 * from the whole small side; the rows equal the pairwise plan's.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture, TABLES } from './semantic-fixture.js';

const DATA = `${TABLES}
CREATE TABLE products AS SELECT range::INTEGER AS id,
  ['eco bottle', 'running shoe', 'phone battery', 'kitchen knife', 'yoga mat', 'desk lamp'][range % 6 + 1] || ' model ' || range AS name
  FROM range(60);`;

const JOIN = `SELECT p.id, c.label FROM products p SEMANTIC JOIN cats c ON p.name ~ c.label ORDER BY p.id, c.label`;

const test = suite<{ small: SemFixture; pairwise: SemFixture }>('semantic: small-side join');

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): these count the pairwise and small-side plans' calls, one per pair or value; unannotated pair predicates pack since issue 67 (pair-plan.ts prices packed pairs and blocks then)
  // smallSideLimit 5: only the 5 categories are a small side (no set of products is), so these
  // cases see one orientation; both sides small is the last case's.
  ctx.small = await startSemFixture({ defaultParallel: 8, operatorBatch: 1, smallSideLimit: 5 }, {}, DATA);
  ctx.pairwise = await startSemFixture({ defaultParallel: 8, smallSideLimit: 0, operatorBatch: 1 }, {}, DATA);
});
test.after(async (ctx) => {
  await ctx.small.close();
  await ctx.pairwise.close();
});

test('60 × 5: 60 calls instead of 300, and the same rows as pairwise', async ({ small, pairwise }) => {
  await small.sim.resetStats();
  const a = await small.rows(JOIN, '-- @ cache: false');
  assert.is(await small.requests(), 60);
  await pairwise.sim.resetStats();
  const b = await pairwise.rows(JOIN, '-- @ cache: false');
  assert.is(await pairwise.requests(), 300);
  assert.equal(a, b);
  // Every product but the desk lamps (every 6th) matches exactly one category.
  assert.is(a.length, 50);
  assert.ok(a.every((r) => r.label !== null));
});

test('both sides small (-- @ small_side: 64): the cheaper orientation, one call per category listing the 60 products; the same rows', async ({
  small,
  pairwise,
}) => {
  await small.sim.resetStats();
  const a = await small.rows(JOIN, '-- @ cache: false\n-- @ small_side: 64');
  assert.is(await small.requests(), 5);
  await pairwise.sim.resetStats();
  assert.equal(a, await pairwise.rows(JOIN, '-- @ cache: false'));
});

test('the candidate prompt lists the small side, numbered (answered by number); one call per value of the larger side', async ({
  small,
}) => {
  await small.sim.setOptions({ record: true });
  await small.sim.resetStats();
  await small.rows(
    `SELECT p.id FROM products p JOIN cats c ON p.name ~ c.label WHERE p.id < 10`,
    '-- @ cache: false',
  );
  const prompts = (await small.sim.stats()).promptsSeen ?? [];
  await small.sim.setOptions({ record: false });
  assert.is(prompts.length, 10);
  const user = prompts[0]!.messages.map((m) => m.content).join('\n');
  // In code-unit order of the labels (small-side.ts candidateInputs): before, in the order DuckDB listed the pairs
  // (eco bottle, running shoe, phone battery, kitchen knife, yoga mat), which may change from run to run.
  assert.match(
    user,
    /<candidates><c n="0">eco bottle<\/c><c n="1">kitchen knife<\/c><c n="2">phone battery<\/c><c n="3">running shoe<\/c><c n="4">yoga mat<\/c><\/candidates>/,
  );
});

test('~ between columns of one row: one call per category, its own titles as candidates (4 calls, not 12 pairs)', async ({
  small,
}) => {
  // Was 12 (pairwise) before both orientations were priced (limit67): each of the 4 categories pairs
  // with at most 4 titles, so one call per category lists only the titles paired with it.
  const e = await small.rows(`EXPLAIN SELECT id, title ~ category AS s FROM docs`);
  assert.is(
    String(e.find((r) => r.property === 'functions')!.value),
    'semantic_same: 12 distinct tuples, 0 cached, 4 calls; small side: up to 4 of 12 distinct a values as candidates (those paired with it), one call per b value (4 calls instead of 12 pairs)',
  );
  await small.sim.resetStats();
  await small.rows(`SELECT id, title ~ category AS s FROM docs`, '-- @ cache: false');
  assert.is(await small.requests(), 4);
});

test('EXPLAIN names the choice and the call count, with no call made', async ({ small, pairwise }) => {
  await small.sim.resetStats();
  const e = await small.rows(`EXPLAIN ${JOIN}`);
  const fns = String(e.find((r) => r.property === 'functions')!.value);
  assert.is(
    fns,
    'semantic_same: 300 distinct tuples, 0 cached, 60 calls; small side: 5 distinct b values as candidates, one call per a value (60 calls instead of 300 pairs)',
  );
  const p = await pairwise.rows(`EXPLAIN ${JOIN}`);
  assert.match(String(p.find((r) => r.property === 'functions')!.value), /300 calls; pairwise/);
  assert.is(await small.requests(), 0);
});

/**
 * Reviews whose word overlap with review 107 or 242 sits at `~`'s threshold (0.5), from either side: the simulator
 * counted a review's words found in the other's, from the first side only, and a prefix lets two words meet one
 * ("act" and "actor" both meet "actor"): 36 ~ 242 scored 0.556, 242 ~ 36 0.444 (8 and 15 ~ 107 the other way).
 */
const EDGE = `SELECT a.id AS x, b.id AS y FROM reviews a, reviews b
  WHERE a.id IN (4, 7, 8, 15, 19, 22, 24, 26, 36, 37, 45, 49) AND b.id IN (107, 242) AND a.review ~ b.review
  ORDER BY x, y`;
const EDGE_ROWS = ['4/107', '7/242', '19/107', '22/242', '24/242', '26/242', '37/107', '45/107', '49/107'];

test('a small side whose calls are the pair`s second values answers each pair as `a ~ b` asked alone: exact rows, either order of the operands', async ({
  small,
  pairwise,
}) => {
  const keys = (rows: Record<string, unknown>[]) => rows.map((r) => `${r.x}/${r.y}`);
  // Both orientations allowed: one call per b value listing the 12 a values (2 calls) is cheaper than 12 calls.
  await small.sim.resetStats();
  const candidates = await small.rows(EDGE, '-- @ cache: false\n-- @ small_side: 64');
  assert.is(await small.requests(), 2);
  await pairwise.sim.resetStats();
  const alone = await pairwise.rows(EDGE, '-- @ cache: false');
  assert.is(await pairwise.requests(), 24);
  const swapped = await pairwise.rows(
    EDGE.replace('a.review ~ b.review', 'b.review ~ a.review'),
    '-- @ cache: false',
  );
  // Before: pairwise 36/242 and not 8/107, 15/107, 22/107; the small side (242 ~ 36 and 107 ~ 8 asked) the reverse,
  // and a LIMIT window that took the other orientation kept a row the whole statement did not (limit-prefilter.test.ts).
  assert.equal(keys(alone), EDGE_ROWS);
  assert.equal(keys(candidates), EDGE_ROWS);
  assert.equal(keys(swapped), EDGE_ROWS);
});

test.run();
