/**
 * The startup packet's options (PGOPTIONS, node-postgres's `options`) are the
 * session's first settings, as a SET would make them, and SHOW answers a
 * Postgres-only setting's default before any SET (it was a DuckDB catalog
 * error); an option that is no setting rvbbit takes fails the login, naming it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PSQL, requires } from '../requires.js';
import { rejection, type ServerFixture, startServerFixture } from './helpers.js';
import { run } from './py-client.js';

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture({}, { latencyMs: 200 });
});
test.after(async () => {
  await f.close();
});

test('SHOW of a Postgres-only setting answers its default before any SET, its value after', async () => {
  const c = await f.client();
  assert.equal((await c.query('SHOW client_min_messages')).rows, [{ client_min_messages: 'notice' }]);
  assert.equal((await c.query('SHOW bytea_output')).rows, [{ bytea_output: 'hex' }]);
  assert.equal((await c.query('SHOW search_path')).rows, [{ search_path: '"$user", public' }]);
  await c.query('SET client_min_messages = warning');
  assert.equal((await c.query('SHOW client_min_messages')).rows, [{ client_min_messages: 'warning' }]);
});

test("node-postgres's options: -c and --name=value are the session's settings; statement_timeout applies", async () => {
  const c = await f.client({ options: '-c client_min_messages=warning --statement-timeout=150ms' });
  assert.equal((await c.query('SHOW client_min_messages')).rows, [{ client_min_messages: 'warning' }]);
  assert.equal((await c.query('SHOW statement_timeout')).rows, [{ statement_timeout: '150ms' }]);
  const slow = await rejection<{ code: string }>(
    c.query(
      "RVBBIT MAP 'traits/extract_brand.yaml' AS brand USING (SELECT 'slow ' || range AS product_name FROM range(40))",
    ),
  );
  assert.is(slow.code, '57014');
  // Another client's session keeps the defaults.
  const other = await f.client();
  assert.equal((await other.query('SHOW client_min_messages')).rows, [{ client_min_messages: 'notice' }]);
});

test('an option that is no setting rvbbit takes ends the login with its SQLSTATE, naming it', async () => {
  const unknown = await rejection<{ code: string; message: string }>(f.client({ options: '-c threads=1' }));
  assert.is(unknown.code, '42704');
  assert.match(unknown.message, /unrecognized configuration parameter "threads" in the startup options/);
  const notSetting = await rejection<{ code: string; message: string }>(f.client({ options: '-d 5' }));
  assert.is(notSetting.code, '22023');
  assert.match(notSetting.message, /take settings as -c name=value or --name=value; got "-d"/);
  const badValue = await rejection<{ code: string }>(f.client({ options: '-c statement_timeout=soon' }));
  assert.is(badValue.code, '22000');
  // The server goes on.
  const c = await f.client();
  assert.equal((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
});

requires(test, 'psql')('psql with PGOPTIONS: the setting holds in its session', async () => {
  const r = await run(
    PSQL,
    [
      '-X',
      '-A',
      '-t',
      '-h',
      '127.0.0.1',
      '-p',
      String(f.port),
      '-U',
      'psql',
      'psqldb',
      '-c',
      'SHOW client_min_messages',
    ],
    undefined,
    { PGOPTIONS: '-c client_min_messages=warning', PGCONNECT_TIMEOUT: '5' },
  );
  assert.is(r.err, '');
  assert.is(r.out, 'warning\n');
});

test.run();
