/**
 * `sql_data` inside a MAP: each row's cascade queries the engine's database
 * from its worker thread, over the host channel, read-only.
 */
import * as assert from 'uvu/assert';
import { CrashingRunner } from '../thread/runner-faults.js';
import { engineSuite } from './engine-fixture.js';

// The engine's pool runs a test worker entry that dies mid-chunk when told (runner.crash).
const runner = new CrashingRunner();
const t = engineSuite('engine: sql_data in a MAP', { wrapRunner: runner.wrap });

const PRODUCTS = Array.from({ length: 30 }, (_, i) => `('item ${i}', ${i * 1.5})`).join(', ');

t('every row looks its price up in a table of the same database, in order, at PARALLEL 4', async ({ f }) => {
  await f.engine.query(
    `CREATE OR REPLACE TABLE prices AS SELECT * FROM (VALUES ${PRODUCTS}) v(product, price)`,
  );
  const r = await f.engine.query(
    `RVBBIT MAP PARALLEL 4 'lookup_price' USING (SELECT 'item ' || range AS product FROM range(30)) WITH (cache = false)`,
  );
  assert.is(r.rows.length, 30);
  r.rows.forEach((row, i) => {
    assert.is(row.product, `item ${i}`);
    const looked = JSON.parse(String(row.result)) as { rows: { price: number }[]; row_count: number };
    assert.equal([looked.row_count, looked.rows[0]!.price], [1, i * 1.5]);
  });
  assert.not.ok(r.columns.some((c) => c.name === '_error'));
});

t(
  'the same through a stream, and with a worker that dies mid-chunk (the re-run gets a fresh channel)',
  async ({ f }) => {
    await f.engine.query(
      `CREATE OR REPLACE TABLE prices AS SELECT * FROM (VALUES ${PRODUCTS}) v(product, price)`,
    );
    const rows: Record<string, unknown>[] = [];
    for await (const batch of f.engine.stream(
      `RVBBIT MAP PARALLEL 2 'lookup_price' USING (SELECT 'item ' || range AS product FROM range(12)) WITH (cache = false)`,
    ))
      rows.push(...batch);
    assert.equal(
      rows.map((r) => JSON.parse(String(r.result)).rows[0].price),
      Array.from({ length: 12 }, (_, i) => i * 1.5),
    );
    runner.crash(1);
    const crashed = await f.engine.query(
      `RVBBIT MAP PARALLEL 4 'lookup_price' USING (SELECT 'item ' || range AS product FROM range(40)) WITH (cache = false)`,
    );
    assert.equal(
      crashed.rows.map((r) => JSON.parse(String(r.result)).rows[0]?.price),
      Array.from({ length: 40 }, (_, i) => (i < 30 ? i * 1.5 : undefined)),
    );
  },
);

t('a sql_data cell cannot write: every row fails, saying so, and the table stays', async ({ f }) => {
  await f.engine.query(
    `CREATE OR REPLACE TABLE prices AS SELECT * FROM (VALUES ${PRODUCTS}) v(product, price)`,
  );
  const r = await f.engine.query(
    `RVBBIT MAP 'sql_data_writes' USING (SELECT 'item 1' AS product FROM range(3)) WITH (cache = false)`,
  );
  assert.is(r.rows.length, 3);
  for (const row of r.rows) assert.match(String(row._error), /^sql_data: .*read-only/);
  assert.equal((await f.engine.query('SELECT count(*)::INTEGER AS n FROM prices')).rows, [{ n: 30 }]);
});

t.run();
