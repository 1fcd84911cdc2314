/**
 * `-- @ batch: n` packs up to n distinct tuples of one operator into one
 * prompt (src/cascade/packed-prompt.ts). The simulator answers each packed
 * row as it answers it alone, so rows are identical to unpacked; calls drop
 * to ceil(tuples / n) per function; answers are cached per tuple; an answer
 * with the wrong count splits its batch in half.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OPERATOR_CORPUS } from './operator-corpus.js';
import { canon, type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: operator tuples packed per prompt');

const ITEMS = `CREATE TABLE items AS SELECT range::INTEGER AS id,
  CASE WHEN range % 10 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body
  FROM range(1000);`;

test.before(async (ctx) => {
  ctx.f = await startSemFixture({ defaultParallel: 8 }, { quirks: { 'sim-dropper': 'short-batch' } });
  await ctx.f.engine.query(ITEMS);
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

const NO_CACHE = '-- @ cache: false';

for (const c of OPERATOR_CORPUS) {
  test(`same rows packed 16 and unpacked: ${c.name}`, async ({ f }) => {
    const sorted = !/ORDER BY/i.test(c.sql);
    // The unpacked reference says so (-- @ batch: 1): unannotated statements pack since issue 67.
    const plain = await f.rows(c.sql, `${NO_CACHE}\n-- @ batch: 1\n${c.annotations ?? ''}`, c.params);
    const plainCalls = await f.requests();
    await f.sim.resetStats();
    const packed = await f.rows(c.sql, `${NO_CACHE}\n-- @ batch: 16\n${c.annotations ?? ''}`, c.params);
    assert.equal(canon(packed, sorted), canon(plain, sorted));
    assert.ok((await f.requests()) <= plainCalls, 'packing never adds calls');
  });
}

test('1,000 rows, 1,000 distinct tuples, batch 16: 63 calls, the same 100 matches', async ({ f }) => {
  const sql = `SELECT id FROM items WHERE body MEANS 'eco friendly' ORDER BY id`;
  const packed = await f.rows(sql, `${NO_CACHE}\n-- @ batch: 16\n-- @ parallel: 64`);
  assert.is(await f.requests(), Math.ceil(1000 / 16));
  assert.equal(
    packed.map((r) => r.id),
    Array.from({ length: 100 }, (_, i) => i * 10),
  );
});

test('answers are cached per tuple: an unpacked re-run makes no call', async ({ f }) => {
  const sql = `SELECT id, body ABOUT 'steel part' AS s FROM items WHERE id < 200 ORDER BY id`;
  const first = await f.rows(sql, '-- @ batch: 32');
  assert.is(await f.requests(), Math.ceil(200 / 32));
  await f.sim.resetStats();
  // Unpacked (-- @ batch: 1), as the test says: unannotated statements pack since issue 67.
  const again = await f.rows(sql, '-- @ batch: 1');
  assert.is(await f.requests(), 0);
  assert.equal(again, first);
});

test('a model that drops a row of a long list: batches split in half down to 4, same rows', async ({ f }) => {
  const sql = `SELECT id FROM items WHERE id < 64 AND body MEANS 'eco friendly' ORDER BY id`;
  // The unpacked reference (-- @ batch: 1; unannotated statements pack since issue 67): its calls never fail.
  const plain = await f.rows(sql, `${NO_CACHE}\n-- @ model: sim-dropper\n-- @ batch: 1`);
  await f.sim.resetStats();
  const packed = await f.rows(sql, `${NO_CACHE}\n-- @ model: sim-dropper\n-- @ batch: 16`);
  assert.equal(packed, plain);
  // 4 batches of 16 fail, 8 of 8 fail, 16 of 4 answer: 28 calls for 64 tuples.
  assert.is(await f.requests(), 4 + 8 + 16);
  const failed = await f.rows(
    `SELECT count(*)::INTEGER AS n FROM rvbbit.unified_logs WHERE status = 'error' AND model = 'sim-dropper'`,
  );
  assert.equal(failed, [{ n: 12 }]);
});

test('EXPLAIN shows the packed plan and ceil(tuples / n) calls', async ({ f }) => {
  const r = await f.engine.query(
    `-- @ batch: 16\n-- @ cache: false\nEXPLAIN SELECT id FROM items WHERE body MEANS 'eco friendly'`,
  );
  const byName = new Map(r.rows.map((x) => [x.property, String(x.value)]));
  assert.is(byName.get('est_calls'), '63');
  assert.match(byName.get('functions') ?? '', 'packed: up to 16 tuples per prompt (1000 tuples in 63 calls');
  assert.is(await f.requests(), 0);
});

test('a join`s small side packs its candidate calls as the statement packs, when that is the fewest dollars, and EXPLAIN says which', async ({
  f,
}) => {
  const explain = async (batch: number) => {
    const r = await f.engine.query(
      `-- @ batch: ${batch}\n-- @ cache: false\nEXPLAIN SELECT d.id FROM docs d SEMANTIC JOIN cats c ON d.title ~ c.label`,
    );
    return String(r.rows.find((x) => x.property === 'functions')?.value);
  };
  // 12 titles × 5 labels = 60 pairs: the small side's 5 candidate calls (one per label listing the 12 titles) go
  // `batch` a prompt, the 12 titles (the same in every call) stated once a prompt (packed-prompt.ts). Before issue 67
  // they never packed: 5 calls at batch 2 and 8, which were already fewer dollars than 30 blocks of 2 × 2 or 30
  // packed prompts of 2, and than 2 blocks of 8 titles × 5 labels (fewer tokens, ~791 in + 250 out against
  // ~1,152 + 135, but each block answers all 60 pairs, at 4× an input token's price).
  const [two, eight] = [await explain(2), await explain(8)];
  assert.match(
    two,
    /60 distinct tuples, 0 cached, 3 calls; small side: 12 distinct a values as candidates, one task per b value, up to 2 per prompt \(3 calls for 5 values instead of 60 pairs\)/,
    two,
  );
  assert.match(
    eight,
    /60 distinct tuples, 0 cached, 1 calls; small side: 12 distinct a values as candidates, one task per b value, up to 8 per prompt \(1 calls for 5 values instead of 60 pairs\)/,
    eight,
  );
  assert.is(await f.requests(), 0);
});

test.run();
