/**
 * Semantic de-duplication, `ENTITY(col [, 'what makes two the same'])`:
 * blocking by embedding, the model asked about blocked pairs only (packed 16
 * per prompt), transitive closure; each value gets its cluster's
 * representative. The 1,000 generated records hold 200 known duplicate groups
 * (test/fixtures/entity-records.ts) that the simulator's judge of two values
 * recognises: every group must come back whole, and nothing else merged.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { entityRecords, entityTableSql } from '../fixtures/entity-records.js';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const RECORDS = entityRecords(1000, 200);
const PEOPLE = `CREATE TABLE people AS SELECT * FROM (VALUES
  (1, 'Maria Kowalczyk, Brightline Labs, Denver'),
  (2, 'maria kowalczyk brightline labs'),
  (3, 'M. Kowalczyk, Brightline'),
  (4, 'Tomas Ferreira, Quillon Foods'),
  (5, 'Ferreira Tomas Quillon'),
  (6, 'Anna Berg, Velora Studio'),
  (7, NULL)) v(id, name);`;

const test = suite<{ f: SemFixture }>('semantic: ENTITY (dedupe)');

test.before(async (ctx) => {
  ctx.f = await startSemFixture({ defaultParallel: 16 }, {}, `${entityTableSql(RECORDS)}\n${PEOPLE}`);
});
test.after(async (ctx) => {
  await ctx.f.close();
});

async function lastStrategy(f: SemFixture): Promise<string> {
  const r = await f.engine.query(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return String(r.rows[0]?.['strategy']);
}

test('1,000 records, 200 duplicate groups: every group found whole, under 5% of the pairs compared', async ({
  f,
}) => {
  await f.sim.resetStats();
  const r = await f.rows('SELECT id, ENTITY(name) AS e FROM records ORDER BY id', '-- @ cache: false');
  const s = await f.sim.stats();
  // The partition by representative is exactly the partition by known entity.
  const byE = new Map<string, Set<number>>();
  for (const row of r) {
    const e = row['e'] as string;
    assert.type(e, 'string');
    const set = byE.get(e) ?? new Set<number>();
    set.add(RECORDS[row['id'] as number]!.entity);
    byE.set(e, set);
  }
  assert.is(r.length, 1000, 'every record assigned once');
  assert.is(byE.size, 500, '200 groups and 300 single records');
  for (const [e, entities] of byE) assert.is(entities.size, 1, `${e} holds one entity`);
  // Each representative is one of its cluster's own values.
  const names = new Set(RECORDS.map((x) => x.name));
  for (const e of byE.keys()) assert.ok(names.has(e));

  const m =
    /entity\(\): 1000 distinct values, (\d+) of 499500 pairs compared \(([\d.]+)%\), 1000 the same; 500 entities, 200 of them from two or more values/.exec(
      await lastStrategy(f),
    );
  assert.ok(m, await lastStrategy(f));
  const compared = Number(m[1]);
  assert.ok(compared <= 0.05 * 499500, `${compared} pairs compared`);
  assert.is(s.requests, Math.ceil(compared / 16), 'blocked pairs packed 16 per prompt');
  assert.is(s.embeddingRequests, 1);
  assert.is(s.embeddingInputs, 1000);
});

test('GROUP BY ENTITY(col), SELECT DISTINCT, a criterion; NULL stays NULL without a call', async ({ f }) => {
  await f.sim.resetStats();
  const grouped = await f.rows(
    `SELECT ENTITY(name) AS who, list(id ORDER BY id) AS ids FROM people GROUP BY 1 ORDER BY min(id)`,
    '-- @ cache: false',
  );
  assert.equal(grouped, [
    // The value with the most confirmed pairs in its cluster, then the longest.
    { who: 'Maria Kowalczyk, Brightline Labs, Denver', ids: [1, 2, 3] },
    { who: 'Tomas Ferreira, Quillon Foods', ids: [4, 5] },
    { who: 'Anna Berg, Velora Studio', ids: [6] },
    { who: null, ids: [7] },
  ]);
  // 6 values: 15 pairs, all within 8 nearest: one packed call.
  assert.is(await f.requests(), 1);
  const distinct = await f.rows(
    `SELECT DISTINCT ENTITY(name, 'the same person') AS who FROM people ORDER BY 1`,
  );
  assert.equal(
    distinct.map((x) => x['who']),
    [
      'Anna Berg, Velora Studio',
      'Maria Kowalczyk, Brightline Labs, Denver',
      'Tomas Ferreira, Quillon Foods',
      null,
    ],
  );
  assert.match(
    await lastStrategy(f),
    'entity(criterion="the same person"): 6 distinct values, 15 of 15 pairs',
  );
});

test("an empty value is an entity of its own, never embedded (OpenAI refuses '')", async ({ f }) => {
  await f.sim.resetStats();
  const rows = await f.rows(
    `SELECT v, ENTITY(v) AS who FROM (VALUES (''), ('Maria Kowalczyk Brightline'), ('maria kowalczyk')) t(v) ORDER BY v`,
    '-- @ cache: false',
  );
  assert.equal(rows, [
    { v: '', who: '' },
    { v: 'Maria Kowalczyk Brightline', who: 'Maria Kowalczyk Brightline' },
    { v: 'maria kowalczyk', who: 'Maria Kowalczyk Brightline' },
  ]);
  assert.is((await f.sim.stats()).embeddingInputs, 2);
  // The same for a ranking: '' sorts last, unscored.
  const ranked = await f.rows(
    `SELECT v FROM (VALUES (''), ('solar kettle'), ('solar'), ('stove')) t(v) ORDER BY v RELEVANCE TO 'solar kettle' LIMIT 2`,
    '-- @ cache: false\n-- @ prefilter: 2',
  );
  assert.equal(ranked, [{ v: 'solar kettle' }, { v: 'solar' }]);
});

test('values revealed over several passes are clustered together', async ({ f }) => {
  // Pass 1 reaches rows 1 and 2 only (row 3 waits behind MEANS): the clustering is redone with row 3.
  const rows = await f.rows(
    `SELECT id, ENTITY(name) AS who FROM people WHERE id <= 2 OR (id = 3 AND name MEANS 'kowalczyk') ORDER BY id`,
    '-- @ cache: false',
  );
  assert.equal(rows, [
    { id: 1, who: 'Maria Kowalczyk, Brightline Labs, Denver' },
    { id: 2, who: 'Maria Kowalczyk, Brightline Labs, Denver' },
    { id: 3, who: 'Maria Kowalczyk, Brightline Labs, Denver' },
  ]);
});

test('EXPLAIN shows the pairs it may compare against all pairs; -- @ prefilter: k sets the nearest kept', async ({
  f,
}) => {
  await f.sim.resetStats();
  const explain = async (ann: string) => {
    const r = await f.engine.query(
      `EXPLAIN ${ann}\nSELECT ENTITY(name) AS e, count(*) FROM records GROUP BY 1`,
    );
    return Object.fromEntries(r.rows.map((x) => [x['property'], x['value']]));
  };
  const plain = await explain('-- @ cache: false');
  assert.is(
    plain['functions'],
    "entity: 1000 distinct tuples, 0 cached, 501 calls; entities: 1000 distinct values = 499500 pairs; at most 8000 compared (a pair when one value is among the other's 8 nearest by embedding), 16 per prompt (500 calls), after 1 embedding calls at most; then transitive closure",
  );
  assert.is(plain['est_calls'], '501');
  const three = await explain('-- @ cache: false\n-- @ prefilter: 3');
  assert.match(String(three['functions']), 'at most 3000 compared');
  assert.is((await f.sim.stats()).requests, 0, 'EXPLAIN calls nothing');

  await f.sim.resetStats();
  const rows = await f.rows(
    'SELECT count(DISTINCT ENTITY(name))::INTEGER AS n FROM records',
    '-- @ cache: false\n-- @ prefilter: 3',
  );
  const m = /(\d+) of 499500 pairs compared/.exec(await lastStrategy(f));
  assert.ok(m && Number(m[1]) <= 3000);
  assert.is(await f.requests(), Math.ceil(Number(m![1]) / 16));
  assert.equal(rows, [{ n: 500 }]);
});

test.run();
