/**
 * Packing and parallelism chosen for the user (issue 67): a statement that
 * says neither `-- @ batch` nor `-- @ parallel` packs its one-value
 * operators' tuples up to 16 to a prompt within the model's context window
 * and output cap (statements/semantic/cost/packing.ts, plan/pack-size.ts) and runs
 * up to 8 calls at once (plan/parallel-cap.ts autoParallel). An explicit
 * number wins; EXPLAIN says what was chosen, why, and what one call per
 * tuple would cost. Counts are the simulator's.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { startSimulatorProcess } from '../../src/sim/index.js';
import { type SemFixture, startSemFixture, TABLES } from './semantic-fixture.js';

/**
 * 200 distinct short texts: each review's first sentence (examples/data/reviews.csv: "Superb pacing and a
 * great cast"), marked with its id; ~10 tokens each, the "short rows".
 */
const SHORT = `CREATE TABLE short_reviews AS
  SELECT id, split_part(review, '.', 1) || ' #' || id AS review FROM reviews WHERE id <= 200`;
const FILTER = `SELECT id FROM short_reviews WHERE review MEANS 'a great cast' ORDER BY id`;
const NO_CACHE = '-- @ cache: false';

const test = suite<{ f: SemFixture }>('semantic: packing and parallelism chosen by default');

test.before(async (ctx) => {
  // No defaultParallel, no operatorBatch: the engine's own choice. Answers take 20 ms.
  ctx.f = await startSemFixture({}, { latencyMs: 20 });
  await ctx.f.engine.query(SHORT);
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

const explainOf = async (f: SemFixture, sql: string, annotations = '') => {
  const r = await f.engine.query(`${annotations}\n${NO_CACHE}\nEXPLAIN ${sql}`);
  return new Map(r.rows.map((x) => [String(x.property), String(x.value)]));
};

test('an unannotated MEANS filter over 200 short rows: 13 packed calls, ≤ 0.45× the input tokens of -- @ batch: 1, the same rows', async ({
  f,
}) => {
  const unpacked = await f.rows(FILTER, `${NO_CACHE}\n-- @ batch: 1`);
  const one = await f.sim.stats();
  assert.is(one.requests, 200);
  await f.sim.resetStats();
  const auto = await f.rows(FILTER, NO_CACHE);
  const packed = await f.sim.stats();
  assert.equal(auto, unpacked);
  assert.is(auto.length, 21);
  // ceil(200 / 16): the pack of 16 fits sim-small (whose limits the engine does not know) and every model's window.
  assert.is(packed.requests, 13);
  assert.is(one.tokensIn, 13_164);
  assert.is(packed.tokensIn, 4_649);
  assert.ok(packed.tokensIn <= 0.45 * one.tokensIn, `${packed.tokensIn} of ${one.tokensIn}`);
});

test('an unannotated statement runs 8 calls at once (PARALLEL chosen for the provider); -- @ parallel: 1 one', async ({
  f,
}) => {
  // The simulator holds its answers until 8 requests are held at once (src/sim/options.ts gate): the count
  // is exact whatever the answers' latency and the machine's load; with 7 at once it would time out.
  await f.sim.setOptions({ gate: { requests: 8, timeoutMs: 20_000 } });
  await f.rows(FILTER, `${NO_CACHE}\n-- @ batch: 1`);
  const gated = await f.sim.stats();
  assert.is(gated.gateTimedOut, false);
  assert.is(gated.maxInFlight, 8);
  await f.sim.resetStats();
  await f.rows(
    `SELECT id FROM short_reviews WHERE id <= 20 AND review MEANS 'a great cast'`,
    `${NO_CACHE}\n-- @ parallel: 1`,
  );
  const s = await f.sim.stats();
  assert.is(s.requests, 2);
  assert.is(s.maxInFlight, 1);
});

test('an explicit batch wins: -- @ batch: 1 one call per tuple, -- @ batch: 4 four to a prompt', async ({
  f,
}) => {
  await f.rows(FILTER, `${NO_CACHE}\n-- @ batch: 4`);
  assert.is((await f.sim.stats()).requests, 50);
  await f.sim.resetStats();
  await f.rows(FILTER, `${NO_CACHE}\n-- @ batch: 1`);
  assert.is((await f.sim.stats()).requests, 200);
});

test('EXPLAIN says what it chose and why, and what one call per tuple would cost; its calls are the run`s', async ({
  f,
}) => {
  const e = await explainOf(f, FILTER);
  assert.is(e.get('est_calls'), '13');
  assert.is(e.get('parallel'), '8');
  const chosen = e.get('chosen') ?? '';
  assert.match(chosen, "parallel 8: auto: at most 8, paced by the provider's rate-limit headers");
  assert.match(chosen, 'batch: auto, per operator');
  assert.match(
    e.get('functions') ?? '',
    'semantic_means: 200 distinct tuples, 0 cached, 13 calls; packed: up to 16 tuples per prompt (200 tuples in 13 calls',
  );
  assert.match(
    e.get('functions') ?? '',
    'auto: the largest pack ≤ 16 that fits (sim-small: context unknown, output unknown)',
  );
  // EXPLAIN's count of the unpacked alternative (the default profile's simulator counts tokens its own way).
  assert.match(e.get('functions') ?? '', 'unpacked: 200 calls, ~13016 in + 1000 out tokens');
  assert.match(
    e.get('est_unpacked') ?? '',
    /^200 calls, ~13016 in \+ 1000 out tokens, \$0\.0026 with -- @ batch: 1/,
  );
  assert.is(await f.requests(), 0);
  const one = await explainOf(f, FILTER, '-- @ batch: 1\n-- @ parallel: 3');
  assert.is(one.get('est_calls'), '200');
  assert.match(one.get('chosen') ?? '', 'parallel 3: -- @ parallel');
  assert.match(one.get('chosen') ?? '', 'batch 1: unpacked');
  assert.is(one.get('est_unpacked'), undefined);
});

test.run();

const small = suite('semantic: a model with small limits gets a smaller pack');

/** An engine whose config states `limits` for sim-small (llm.models), against its own simulator; its EXPLAIN and run. */
async function withLimits(limits: { contextWindow?: number; maxOutputTokens?: number }) {
  const sim = await startSimulatorProcess({});
  const engine = await createEngine({
    cascadeRoots: [],
    threads: 2,
    provider: { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 1000, models: { 'sim-small': limits } },
  });
  try {
    await engine.query(`${TABLES}\n${SHORT}`);
    const explained = await engine.query(`${NO_CACHE}\nEXPLAIN ${FILTER}`);
    const functions = String(explained.rows.find((x) => x.property === 'functions')?.value);
    await sim.resetStats();
    const rows = (await engine.query(`${NO_CACHE}\n${FILTER}`)).rows;
    return { functions, rows, requests: (await sim.stats()).requests };
  } finally {
    await engine.close();
    await sim.close();
  }
}

small('a 300-token context window: packs of 5 (40 calls), as EXPLAIN says, the same 21 rows', async () => {
  const r = await withLimits({ contextWindow: 300 });
  assert.match(
    r.functions,
    'packed: up to 5 tuples per prompt (200 tuples in 40 calls, more if an answer does not fit and its batch is split); auto: the largest pack ≤ 16 that fits (sim-small: context 300, output unknown)',
  );
  assert.is(r.requests, 40);
  assert.is(r.rows.length, 21);
});

small('a 40-token output cap: packs of 7 (29 calls), whose answers fit it, the same 21 rows', async () => {
  const r = await withLimits({ maxOutputTokens: 40 });
  assert.match(
    r.functions,
    'packed: up to 7 tuples per prompt (200 tuples in 29 calls, more if an answer does not fit and its batch is split); auto: the largest pack ≤ 16 that fits (sim-small: context unknown, output 40)',
  );
  assert.is(r.requests, 29);
  assert.is(r.rows.length, 21);
});

small.run();
