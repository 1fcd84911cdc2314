/**
 * EXPLAIN of MAP and RUN says how the calls would be delivered: `sync`, or
 * batch through the provider's Batch API, priced at the batch price (the
 * price table's `batch_discount` off) with the dollars that saves against
 * synchronous delivery. The simulator's sim-small has batch_discount 0.5:
 * the batch estimate and the saving are each exactly half the sync estimate.
 */
import * as assert from 'uvu/assert';
import { SIM_PRICES } from '../../src/engine/provider.js';
import { createEngine } from '../../src/index.js';
import { ENGINE_CASCADES, engineSuite, productsSql } from './engine-fixture.js';

const t = engineSuite('engine: EXPLAIN delivery');

type Rows = readonly Record<string, unknown>[];
const props = (rows: Rows) => Object.fromEntries(rows.map((r) => [String(r.property), String(r.value)]));
const MAP = `RVBBIT MAP 'label' USING (SELECT id, product_name AS text FROM (${productsSql(6)}))`;
const RUN = `RVBBIT RUN 'summarize_table' USING (${productsSql(6)})`;
const BATCH = 'batch (provider Batch API, answers within 24 h)';

t("the simulator's sim-small takes half off a batch", () => {
  assert.is(SIM_PRICES['sim-small']!.batch_discount, 0.5);
});

t(
  'MAP: sync by default; batch prices the same tokens at exactly half and says what that saves',
  async ({ f }) => {
    const sync = props((await f.engine.query(`EXPLAIN ${MAP} WITH (cache = false)`)).rows);
    assert.is(sync.delivery, 'sync');
    assert.is(sync.est_dollars_saved, undefined);
    const syncDollars = Number(sync.est_dollars);
    assert.ok(syncDollars > 0);
    const batch = props(
      (await f.engine.query(`EXPLAIN ${MAP} WITH (cache = false, delivery = 'batch')`)).rows,
    );
    assert.is(batch.delivery, BATCH);
    assert.equal(
      [batch.llm_calls, batch.est_tokens_in, batch.est_tokens_out],
      [sync.llm_calls, sync.est_tokens_in, sync.est_tokens_out],
    );
    assert.is(Number(batch.est_dollars), syncDollars / 2);
    assert.is(Number(batch.est_dollars_saved), syncDollars / 2);
    // The delivery line sits after parallel; the saving right after the dollars.
    const order = (await f.engine.query(`EXPLAIN ${MAP} WITH (delivery = 'batch')`)).rows.map(
      (r) => r.property,
    );
    assert.equal(order.slice(order.indexOf('parallel'), order.indexOf('parallel') + 6), [
      'parallel',
      'delivery',
      'est_tokens_in',
      'est_tokens_out',
      'est_dollars',
      'est_dollars_saved',
    ]);
    // 'sync' spelt out is the default.
    assert.equal(
      props((await f.engine.query(`EXPLAIN ${MAP} WITH (cache = false, delivery = 'sync')`)).rows),
      sync,
    );
    assert.is(f.sim.stats().requests, 0);
  },
);

t('-- @ delivery: batch before EXPLAIN of a MAP, and FORMAT JSON: numbers', async ({ f }) => {
  const sync = JSON.parse(
    String((await f.engine.query(`EXPLAIN (FORMAT JSON) ${MAP}`)).rows[0]!.explain),
  ) as Record<string, unknown>;
  const batch = JSON.parse(
    String((await f.engine.query(`-- @ delivery: batch\nEXPLAIN (FORMAT JSON) ${MAP}`)).rows[0]!.explain),
  ) as Record<string, unknown>;
  assert.is(sync.delivery, 'sync');
  assert.ok(!('est_dollars_saved' in sync));
  assert.is(batch.delivery, BATCH);
  assert.is(batch.est_dollars, (sync.est_dollars as number) / 2);
  assert.is(batch.est_dollars_saved, (sync.est_dollars as number) / 2);
});

t('annotations after EXPLAIN of a MAP apply as those before it do', async ({ f }) => {
  const before = props((await f.engine.query(`-- @ delivery: batch\n-- @ parallel: 6\nEXPLAIN ${MAP}`)).rows);
  const after = props(
    (await f.engine.query(`EXPLAIN\n-- @ delivery: batch\n/* c */ -- @ parallel: 6\n${MAP}`)).rows,
  );
  assert.is(after.delivery, BATCH);
  assert.is(after.parallel, '6');
  assert.equal(after, before);
  assert.is(f.sim.stats().requests, 0);
});

t('RUN: the same delivery line and dollars', async ({ f }) => {
  const sync = props((await f.engine.query(`EXPLAIN ${RUN}`)).rows);
  const batch = props((await f.engine.query(`EXPLAIN ${RUN} WITH (delivery = 'batch')`)).rows);
  assert.is(sync.delivery, 'sync');
  assert.is(batch.delivery, BATCH);
  assert.ok(Number(sync.est_dollars) > 0);
  assert.is(Number(batch.est_dollars), Number(sync.est_dollars) / 2);
  assert.is(Number(batch.est_dollars_saved), Number(sync.est_dollars) / 2);
});

t('a model without batch_discount saves nothing and is named; an unpriced one is unknown', async () => {
  // EXPLAIN makes no call: the provider is never reached.
  const engine = await createEngine({
    cascadeRoots: [ENGINE_CASCADES],
    provider: {
      baseUrl: 'http://127.0.0.1:9',
      model: 'sim-small',
      prices: { 'sim-small': { in: 0.15, out: 0.6, batch_discount: 0.5 }, plain: { in: 1, out: 2 } },
      aliases: { 'plain-alias': 'plain' },
    },
    threads: 1,
  });
  try {
    const at = async (with_: string) =>
      props((await engine.query(`EXPLAIN ${MAP} WITH (cache = false, ${with_})`)).rows);
    const sync = await at(`model = 'plain-alias'`);
    const plain = await at(`model = 'plain-alias', delivery = 'batch'`);
    assert.is(plain.delivery, `${BATCH}; no batch_discount for plain in the price table: priced as sync`);
    assert.is(plain.est_dollars, sync.est_dollars);
    assert.is(plain.est_dollars_saved, '0');
    const unpriced = await at(`model = 'nowhere', delivery = 'batch'`);
    assert.is(unpriced.delivery, BATCH);
    assert.is(unpriced.est_dollars, 'unknown');
    assert.is(unpriced.est_dollars_saved, 'unknown');
  } finally {
    await engine.close();
  }
});

t.run();
