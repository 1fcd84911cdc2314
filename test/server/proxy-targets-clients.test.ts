/**
 * `-- @ proxy: m recall r precision p` through every path a user takes: the
 * `rvbbit query` CLI (spawned, against a simulator with a profiled proxy model),
 * psql and node-postgres through `rvbbit serve`'s server. Each gives the rows
 * the library gives for the same statement on the same simulator (answers are
 * seeded), the statement's model sees only the sample and the band (the
 * simulator's counters), and rvbbit.queries records the split.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { queryOnOwnSimulator } from '../cli/helpers.js';
import { requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { psql } from './py-client.js';

const psqlTest = requires(test, 'psql');
const PROFILES = { 'small-fast': { accuracy: 0.85 } };

// 400 distinct texts, every fifth about eco-friendly things, written inline so the CLI needs no table.
const SOURCE = `(SELECT range::INTEGER AS id, CASE WHEN range % 5 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body FROM range(400)) t`;
// One call per tuple (-- @ batch: 1): each model's calls are counted as the split's tuples;
// issue 67 packs unannotated statements, 16 tuples a call.
const STATEMENT = `-- @ batch: 1\n-- @ proxy: small-fast recall 0.9 precision 0.9\nSELECT id FROM ${SOURCE} WHERE body MEANS 'eco friendly' ORDER BY id`;

let f: ServerFixture;
let libraryIds: number[];
let libraryCalls: Record<string, number>;
let strategy: string;

test.before(async () => {
  f = await startServerFixture({}, { profiles: PROFILES });
  f.sim.resetStats();
  libraryIds = (await f.engine.query(STATEMENT)).rows.map((r) => Number(r.id));
  libraryCalls = { ...f.sim.stats().byModel };
  const q = await f.engine.query(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  strategy = String(q.rows[0]?.strategy);
});
test.after(async () => {
  await f.close();
});

test('library: the proxy scores all 400, the statement model answers the sample and band, recorded in rvbbit.queries', () => {
  const m = /(\d+) tuples to sim-small .*proxy answered (\d+) of 400, (\d+) more went to sim-small$/.exec(
    strategy,
  );
  assert.ok(m, strategy);
  assert.match(
    strategy,
    'proxy small-fast targets recall 0.9 precision 0.9 delta 0.05 (SUPG), scores from logprobs',
  );
  assert.is(libraryCalls['small-fast'], 400);
  assert.is(libraryCalls['sim-small'], Number(m![1]) + Number(m![3]));
  assert.ok(libraryCalls['sim-small']! < 400);
  // Every row returned is an eco-friendly text or a proxy answer; the test states which could be.
  assert.ok(libraryIds.length > 0 && libraryIds.every((id) => id >= 0 && id < 400));
});

test('node-postgres through the server: the same rows, served from the cache this time', async () => {
  const c = await f.client();
  f.sim.resetStats();
  const r = await c.query(STATEMENT);
  assert.equal(
    r.rows.map((x) => Number(x.id)),
    libraryIds,
  );
  // Proxy answers (with their logprobs) and the big model's are cached: no call at all.
  assert.equal(f.sim.stats().byModel, {});
});

psqlTest('psql through the server: the same rows', async () => {
  const r = await psql(f.port, ['-A', '-t', '-c', STATEMENT]);
  assert.is(r.code, 0, r.err);
  assert.equal(
    r.out
      .trim()
      .split('\n')
      .map((x) => Number(x)),
    libraryIds,
  );
});

test('rvbbit query (the CLI, spawned): the same rows, the same calls on its own simulator', async () => {
  const r = await queryOnOwnSimulator(STATEMENT, { profiles: PROFILES });
  assert.is(r.code, 0, r.err);
  assert.equal(
    r.rows.map((x) => Number(x)),
    libraryIds,
  );
  assert.equal(r.stats.byModel, libraryCalls);
});

test.run();
