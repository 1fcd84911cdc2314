/**
 * Operators under a statement's limits, as MAP rows are: `-- @ budget_dollars`
 * (no call starts once spent; the unstarted tuples fail with BUDGET_EXCEEDED,
 * which fails the statement), `-- @ timeout` (a run's deadline) and
 * `-- @ retries` (attempts per call), in every strategy's path.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RvbbitError } from '../../base/errors.js';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: budget, timeout, retries');

test.before(async (ctx) => {
  ctx.f = await startSemFixture();
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.setOptions({ latencyMs: 0, errorRate: 0 });
  await f.sim.resetStats();
});

async function failure(f: SemFixture, sql: string, annotations: string): Promise<RvbbitError> {
  try {
    await f.rows(sql, annotations);
  } catch (err) {
    return err as RvbbitError;
  }
  throw new Error(`expected an error from: ${sql}`);
}

const FILTER = `SELECT id FROM docs WHERE body MEANS 'eco friendly'`;

for (const strategy of ['batch', 'sequential'] as const) {
  test(`${strategy}: a spent budget starts no further call; the statement fails with BUDGET_EXCEEDED`, async ({
    f,
  }) => {
    // One call costs far more than this budget: the first call spends it, no other starts.
    // Pinned unpacked (-- @ batch: 1): the budget is checked call by call; unannotated statements pack since issue 67.
    const e = await failure(
      f,
      FILTER,
      `-- @ strategy: ${strategy}\n-- @ batch: 1\n-- @ parallel: 1\n-- @ cache: false\n-- @ budget_dollars: 0.000000001`,
    );
    assert.is(e.code, 'SEMANTIC_CALL_FAILED');
    assert.is(e.detail.cause, 'BUDGET_EXCEEDED');
    assert.match(e.message, /semantic_means failed: BUDGET_EXCEEDED: budget_dollars was spent/);
    assert.is(await f.requests(), 1);
  });
}

test('a budget the statement stays within changes nothing', async ({ f }) => {
  // Pinned unpacked (-- @ batch: 1): one call per row, as without a budget; unannotated statements pack since issue 67.
  const rows = await f.rows(
    `${FILTER} ORDER BY id`,
    '-- @ cache: false\n-- @ batch: 1\n-- @ budget_dollars: 10',
  );
  assert.equal(
    rows.map((r) => r.id),
    [1, 4, 6, 10, 11],
  );
  assert.is(await f.requests(), 11);
});

test('-- @ timeout bounds each run: a slow model fails the statement with CASCADE_TIMEOUT', async ({ f }) => {
  // An answer a minute away: the timeout, not the answer, must end the run (busy-machine seconds cannot pass for it).
  await f.sim.setOptions({ latencyMs: 60_000 });
  const started = performance.now();
  const e = await failure(
    f,
    `SELECT 'eco bottle' MEANS 'eco' AS m`,
    '-- @ cache: false\n-- @ timeout: 200ms\n-- @ retries: 1',
  );
  assert.is(e.code, 'SEMANTIC_CALL_FAILED');
  assert.is(e.detail.cause, 'CASCADE_TIMEOUT');
  assert.is((await f.sim.stats()).completed, 0, 'no answer came: the timeout ended the run');
  assert.ok(performance.now() - started < 30_000, 'the statement did not wait for the slow answer');
});

for (const retries of [1, 3]) {
  test(`-- @ retries: ${retries} makes exactly ${retries} attempt(s) of a failing call`, async ({ f }) => {
    await f.sim.setOptions({ errorRate: 1 });
    const e = await failure(
      f,
      `SELECT 'eco bottle' MEANS 'eco' AS m`,
      `-- @ cache: false\n-- @ retries: ${retries}`,
    );
    assert.is(e.code, 'SEMANTIC_CALL_FAILED');
    assert.is(e.detail.cause, 'LLM_RETRIES_EXHAUSTED');
    assert.match(e.message, new RegExp(`after ${retries} attempts?: HTTP 500`));
    assert.is(await f.requests(), retries);
  });
}

test.run();
