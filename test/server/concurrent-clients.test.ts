import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ServerFixture, startServerFixture } from './helpers.js';

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture({}, { latencyMs: 20 });
});
test.after(async () => {
  await f.close();
});

test('10 clients each run a MAP at once; each gets its own rows in order', async () => {
  const clients = await Promise.all(Array.from({ length: 10 }, () => f.client()));
  const results = await Promise.all(
    clients.map((c, k) =>
      c.query(
        `RVBBIT MAP PARALLEL 10 'traits/extract_brand.yaml' AS (brand VARCHAR)
         USING (SELECT id, 'Brand${k} item ' || id AS product_name FROM products ORDER BY id LIMIT 20)`,
      ),
    ),
  );
  results.forEach((r, k) => {
    assert.is(r.rows.length, 20);
    assert.equal(
      r.rows.map((x) => x.id),
      Array.from({ length: 20 }, (_, i) => String(i + 1)),
    );
    assert.ok(
      r.rows.every((x) => x.brand === `Brand${k}`),
      `client ${k}: ${JSON.stringify(r.rows[0])}`,
    );
  });
  assert.is(f.server.connections(), 10);
});

test.run();
