import * as assert from 'uvu/assert';
import { engineSuite, productsSql } from './engine-fixture.js';

const map = engineSuite('engine: MAP');

map('one output row per input row, in input order; calls = rows; in flight = PARALLEL', async ({ f }) => {
  // The gate holds the answers until 8 calls are in flight (src/sim/options.ts): "8 in flight" is then
  // exact however busy the machine, where 25 ms answers let a round's first end before its 8th was sent.
  f.sim.setOptions({ latencyMs: 25, gate: { requests: 8 } });
  const r = await f.engine.query(
    `RVBBIT MAP PARALLEL 8 'label' AS label USING (SELECT id, product_name AS text FROM (${productsSql(64)}))
     WITH (cache = false)`,
  );
  assert.equal(
    r.columns.map((c) => `${c.name} ${c.type}`),
    ['id INTEGER', 'text VARCHAR', 'label VARCHAR'],
  );
  assert.equal(
    r.rows.map((row) => row.id),
    Array.from({ length: 64 }, (_, i) => i),
  );
  const stats = f.sim.stats();
  assert.is(stats.requests, 64);
  assert.is(stats.maxInFlight, 8);
  assert.ok(r.rows.every((row) => typeof row.label === 'string' && (row.label as string).length > 0));
});

map('the same input gives the same answers (clean single-key extraction)', async ({ f }) => {
  const sql = `RVBBIT MAP PARALLEL 4 'label' USING (SELECT 'Apple iPhone 15' AS text) WITH (cache = false)`;
  const a = await f.engine.query(sql);
  const b = await f.engine.query(sql);
  assert.equal(a.rows, b.rows);
  assert.equal(Object.keys(a.rows[0]!), ['text', 'result']);
  assert.not.match(String(a.rows[0]!.result), /^\{/);
});

map('typed columns are cast by DuckDB, with no _error column when every row fits', async ({ f }) => {
  const r = await f.engine.query(
    `RVBBIT MAP PARALLEL 4 'brand' AS (brand VARCHAR, confidence DOUBLE)
     USING (SELECT id, product_name FROM (${productsSql(6)})) WITH (cache = false)`,
  );
  assert.equal(
    r.columns.map((c) => `${c.name} ${c.type}`),
    ['id INTEGER', 'product_name VARCHAR', 'brand VARCHAR', 'confidence DOUBLE'],
  );
  for (const row of r.rows) {
    assert.type(row.brand, 'string');
    assert.ok((row.confidence as number) >= 0 && (row.confidence as number) <= 1);
  }
});

map('fields that do not fit the typed columns are NULL and the row says why in _error', async ({ f }) => {
  const r = await f.engine.query(
    `RVBBIT MAP 'wrong_shape' AS ("when" DATE, size INTEGER, missing VARCHAR)
     USING (SELECT 'a parcel' AS text) WITH (cache = false)`,
  );
  assert.equal(
    r.columns.map((c) => c.name),
    ['text', 'when', 'size', 'missing', '_error'],
  );
  const row = r.rows[0]!;
  assert.equal([row.when, row.size, row.missing], [null, null, null]);
  assert.match(String(row._error), /column when: cannot cast \w+ to DATE/);
  assert.match(String(row._error), /column size: cannot cast \w+ to INTEGER/);
  assert.match(String(row._error), /column missing: missing from the output/);
});

map('DISTINCT runs each distinct row once, keeping first-occurrence order', async ({ f }) => {
  const r = await f.engine.query(
    `RVBBIT MAP PARALLEL 5 DISTINCT 'label' USING (SELECT product_name AS text FROM (${productsSql(30, 10)}))
     WITH (cache = false)`,
  );
  assert.is(r.rows.length, 10);
  assert.equal(
    r.rows.map((row) => row.text),
    Array.from({ length: 10 }, (_, i) => `Acme Widget ${i}`),
  );
  assert.is(f.sim.stats().requests, 10);
});

map('dedupe_by de-duplicates on one column', async ({ f }) => {
  const r = await f.engine.query(
    `RVBBIT MAP PARALLEL 5 'label' USING (SELECT id, product_name AS text FROM (${productsSql(12, 4)}))
     WITH (dedupe_by = 'text', cache = false)`,
  );
  assert.equal(
    r.rows.map((row) => row.id),
    [0, 1, 2, 3],
  );
  assert.is(f.sim.stats().requests, 4);
});

map('a MAP over 0 rows returns the columns and no rows, with no calls', async ({ f }) => {
  const r = await f.engine.query(`RVBBIT MAP 'label' USING (SELECT 'x' AS text WHERE false)`);
  assert.equal(
    r.columns.map((c) => c.name),
    ['text', 'result'],
  );
  assert.is(r.rows.length, 0);
  assert.is(f.sim.stats().requests, 0);
});

map('auto-LIMIT 1000 unless the USING query has a LIMIT; WITH (limit) changes it', async ({ f }) => {
  const big = await f.engine.query(
    `EXPLAIN (FORMAT JSON) RVBBIT MAP 'label' USING (SELECT product_name AS text FROM (${productsSql(1500)}))`,
  );
  assert.is(JSON.parse(String(big.rows[0]!.explain)).input_rows, 1000);
  const limited = await f.engine.query(
    `RVBBIT MAP PARALLEL 3 'label' USING (SELECT product_name AS text FROM (${productsSql(50)})) WITH (limit = 3)`,
  );
  assert.is(limited.rows.length, 3);
  const explicit = await f.engine.query(
    `EXPLAIN (FORMAT JSON) RVBBIT MAP 'label' USING (SELECT product_name AS text FROM (${productsSql(1500)}) LIMIT 1200)`,
  );
  assert.is(JSON.parse(String(explicit.rows[0]!.explain)).input_rows, 1200);
  assert.is(f.sim.stats().requests, 3);
});

map('BATCH n sends n rows to one run and spreads the list back over them, in order', async ({ f }) => {
  f.sim.setOptions({ latencyMs: 30, gate: { requests: 2 } });
  const r = await f.engine.query(
    `RVBBIT MAP PARALLEL 2 BATCH 10 'label_batch' AS label
     USING (SELECT id, product_name AS text FROM (${productsSql(35)})) WITH (cache = false)`,
  );
  assert.equal(
    r.rows.map((row) => row.id),
    Array.from({ length: 35 }, (_, i) => i),
  );
  assert.ok(r.rows.every((row) => typeof row.label === 'string' && row._error === undefined));
  assert.is(f.sim.stats().requests, 4); // 10 + 10 + 10 + 5
  assert.is(f.sim.stats().maxInFlight, 2);
});

map('a batch answer of the wrong shape is split in half down to single rows', async ({ f }) => {
  // 'batch_no_list' answers one object, never a list: 4 rows → 1 run, then 2 + 2, then 4 singles.
  const r = await f.engine.query(
    `RVBBIT MAP BATCH 4 'batch_no_list' USING (SELECT id, product_name AS text FROM (${productsSql(4)})) WITH (cache = false)`,
  );
  assert.equal(
    r.rows.map((row) => row.id),
    [0, 1, 2, 3],
  );
  assert.ok(r.rows.every((row) => /no list of items for 1 rows/.test(String(row._error))));
  assert.is(f.sim.stats().requests, 7);
});

map.run();
