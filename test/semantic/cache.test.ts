/** Operator calls go through the result cache: a re-run pays nothing; `-- @ cache: false` and a model change do. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: cache');

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): a cached run is compared with one call per distinct tuple; unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  ctx.f = await startSemFixture({ defaultParallel: 4, operatorBatch: 1 });
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

const SQL = `SELECT id FROM docs WHERE body MEANS 'cache test criterion eco' ORDER BY id`;

test('a second run is served from the cache (batch and sequential alike)', async ({ f }) => {
  const a = await f.rows(SQL);
  assert.is(await f.requests(), 11);
  const b = await f.rows(SQL);
  const c = await f.rows(SQL, '-- @ strategy: sequential');
  assert.equal(b, a);
  assert.equal(c, a);
  assert.is(await f.requests(), 11);
  const q = await f.rows(
    `SELECT strategy, calls::INTEGER AS calls, cache_hits::INTEGER AS hits FROM rvbbit.queries
     WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 3`,
  );
  assert.equal(q, [
    { strategy: 'sequential', calls: 0, hits: 11 },
    { strategy: 'batch', calls: 0, hits: 11 },
    { strategy: 'batch', calls: 11, hits: 0 },
  ]);
});

test('-- @ cache: false calls again', async ({ f }) => {
  await f.rows(SQL);
  await f.sim.resetStats();
  await f.rows(SQL, '-- @ cache: false');
  assert.is(await f.requests(), 11);
});

test('another model is another cache key, and reaches the provider', async ({ f }) => {
  await f.rows(SQL);
  await f.sim.resetStats();
  await f.rows(SQL, '-- @ model: sim-large');
  assert.is(await f.requests(), 11);
});

test.run();
