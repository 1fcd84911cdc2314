/**
 * The engine's warnings (what ran differs from what was asked) reach server
 * clients as WARNING NoticeResponses; client_min_messages = error hides them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startServerFixture } from './helpers.js';

const CUT = `RVBBIT MAP 'traits/extract_brand.yaml' AS brand USING (SELECT product_name FROM products) WITH (limit = 3)`;

test('an auto-LIMIT that cut the input is a WARNING; client_min_messages = error hides it', async () => {
  const f = await startServerFixture();
  const c = await f.client();
  const notices: { severity: string | undefined; code: string | undefined; message: string }[] = [];
  c.on('notice', (n) => notices.push({ severity: n.severity, code: n.code, message: n.message ?? '' }));
  await c.query(`SET client_min_messages = warning`);
  const r = await c.query(CUT);
  assert.is(r.rows.length, 3);
  assert.equal(notices, [
    {
      severity: 'WARNING',
      code: '01000',
      message: 'the USING query has no LIMIT: the MAP read its first 3 rows (WITH (limit = 0) reads all)',
    },
  ]);
  await c.query(`SET client_min_messages = error`);
  await c.query(CUT);
  assert.is(notices.length, 1);
  await f.close();
});

test.run();
