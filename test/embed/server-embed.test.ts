/** EMBED, SIMILAR_TO and VECTOR_SEARCH through the Postgres server (node-postgres): a vector arrives as a float4[]. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simEmbedding } from '../../src/sim/embeddings.js';
import { type ServerFixture, startServerFixture } from '../server/helpers.js';

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture();
});
test.after(async () => {
  await f.close();
});

test('over the wire: a vector as text, SIMILAR_TO as a float, VECTOR_SEARCH rows; no chat call', async () => {
  const c = await f.client();
  f.sim.resetStats();
  const v = await c.query("SELECT EMBED('red running shoes') AS v");
  // float4[] in Postgres' text form, `{0.1,-0.2,…}`; node-postgres parses it into numbers.
  const raw = v.rows[0].v as unknown;
  const sent = (Array.isArray(raw) ? raw : String(raw).slice(1, -1).split(',')).map(Number);
  assert.equal(sent.length, 256);
  const want = Array.from(Float32Array.from(simEmbedding('red running shoes')));
  sent.forEach((x, i) => {
    assert.ok(Math.abs(x - want[i]!) < 1e-6);
  });
  const s = await c.query("SELECT 'red shoes' SIMILAR_TO 'shoes, red' AS s");
  assert.ok(Math.abs(Number(s.rows[0].s) - 1) < 1e-6);
  const hits = await c.query(
    "SELECT count(*)::INT AS n FROM VECTOR_SEARCH('coffee maker', products, product_name, 3)",
  );
  assert.is(hits.rows[0].n, 3);
  assert.is(f.sim.stats().requests, 0);
  assert.ok(f.sim.stats().embeddingRequests > 0);
});

test('a bad VECTOR_SEARCH argument is SQLSTATE 22023; an unknown column is DuckDB’s error naming the table', async () => {
  const c = await f.client();
  try {
    await c.query("SELECT * FROM VECTOR_SEARCH('shoe', products, product_name, -1)");
    assert.unreachable();
  } catch (err) {
    assert.is((err as { code: string }).code, '22023');
  }
  try {
    await c.query("SELECT * FROM VECTOR_SEARCH('shoe', products, nme, 2)");
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, 'Table "products" does not have a column named "nme"');
  }
});

test.run();
