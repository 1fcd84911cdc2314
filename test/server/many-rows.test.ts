import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ServerFixture, startServerFixture } from './helpers.js';

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture();
});
test.after(async () => {
  await f.close();
});

test('100k rows arrive whole and in order (simple protocol)', async () => {
  const c = await f.client();
  const r = await c.query("SELECT range::INTEGER AS i, 'row ' || range AS label FROM range(100000)");
  assert.is(r.rows.length, 100_000);
  assert.equal(r.rows[0], { i: 0, label: 'row 0' });
  assert.equal(r.rows[99_999], { i: 99_999, label: 'row 99999' });
  let ok = true;
  for (let i = 0; i < r.rows.length; i++) if (r.rows[i].i !== i) ok = false;
  assert.ok(ok);
});

test('100k rows through the extended protocol', async () => {
  const c = await f.client();
  const r = await c.query('SELECT range AS i FROM range($1::INTEGER)', [100_000]);
  assert.is(r.rows.length, 100_000);
  assert.is(r.rows[99_999].i, '99999');
});

test.run();
