/**
 * `-- @ proxy: embedding recall r precision p` through node-postgres against
 * `rvbbit serve`'s server, with cache off so every call shows: the same rows the
 * library gives for the same statement on the same simulator (vectors and answers
 * are seeded), one embedding call, the statement's model for the sample and the
 * band only, and rvbbit.queries recording the split the client can read.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ServerFixture, startServerFixture } from './helpers.js';

// 1,000 distinct texts, every fifth naming the criterion's words, written inline.
const SOURCE = `(SELECT range::INTEGER AS id, CASE WHEN range % 5 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body FROM range(1000)) t`;
// One call per tuple (-- @ batch: 1): the statement model's calls are counted as the split's tuples;
// issue 67 packs unannotated statements, 16 tuples a call.
const STATEMENT = `-- @ cache: false\n-- @ batch: 1\n-- @ proxy: embedding recall 0.9 precision 0.9\nSELECT id FROM ${SOURCE} WHERE body MEANS 'eco friendly' ORDER BY id`;
const STRATEGY_OF_LAST = `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`;
const SPLIT =
  /scores from text-embedding-3-small similarity \(1001 texts: 1 embedding call, 0 cached; no chat call\); sample \d+ draws, (\d+) tuples to sim-small .*proxy answered (\d+) of 1000, (\d+) more went to sim-small$/;

let f: ServerFixture;
let libraryIds: number[];
let libraryStrategy: string;

test.before(async () => {
  f = await startServerFixture({}, { profiles: { 'text-embedding-3-small': { embeddingNoise: 1 } } });
  f.sim.resetStats();
  libraryIds = (await f.engine.query(STATEMENT)).rows.map((r) => Number(r.id));
  libraryStrategy = String((await f.engine.query(STRATEGY_OF_LAST)).rows[0]?.strategy);
});
test.after(async () => {
  await f.close();
});

test('node-postgres: the library’s rows, one embedding call, the statement model for the sample and band only', async () => {
  const lib = SPLIT.exec(libraryStrategy);
  assert.ok(lib, libraryStrategy);
  const c = await f.client();
  f.sim.resetStats();
  const r = await c.query(STATEMENT);
  assert.equal(
    r.rows.map((x) => Number(x.id)),
    libraryIds,
  );
  const s = f.sim.stats();
  const strategy = String((await c.query(STRATEGY_OF_LAST)).rows[0]?.strategy);
  const m = SPLIT.exec(strategy);
  assert.ok(m, strategy);
  // Seeded: the same sample, thresholds and split as the library's run.
  assert.is(strategy.replace(/^[^;]*; /, ''), libraryStrategy.replace(/^[^;]*; /, ''));
  assert.is(s.embeddingRequests, 1);
  assert.is(s.embeddingInputs, 1001);
  assert.equal(s.byModel, { 'sim-small': Number(m![1]) + Number(m![3]) });
  assert.ok(Number(m![2]) > 0, strategy);
});

test.run();
