import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { startServer } from '../../src/server/index.js';
import { rejection, startServerFixture } from './helpers.js';

test('trust by default on loopback', async () => {
  const f = await startServerFixture();
  const c = await f.client({ password: 'anything' });
  assert.equal((await c.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
  await f.close();
});

test('SCRAM-SHA-256 with the right password connects, with a wrong one gets 28P01', async () => {
  const f = await startServerFixture({ password: 's3cret pässword' });
  const c = await f.client({ password: 's3cret pässword' });
  assert.equal((await c.query('SELECT 2 AS x')).rows, [{ x: 2 }]);
  const err = await rejection(f.client({ password: 'wrong' }));
  assert.is(err.code, '28P01');
  assert.is(err.message, 'password authentication failed for user "tester"');
  await f.close();
});

test('md5 with the right password connects, with a wrong one gets 28P01', async () => {
  const f = await startServerFixture({ password: 'pw', authMethod: 'md5' });
  const c = await f.client({ password: 'pw' });
  assert.equal((await c.query('SELECT 3 AS x')).rows, [{ x: 3 }]);
  assert.is((await rejection(f.client({ password: 'nope' }))).code, '28P01');
  await f.close();
});

test('refuses a non-loopback address without a password unless insecure', async () => {
  const engine = await createEngine({ provider: 'simulator' });
  const err = await rejection<{ code: string; message: string }>(
    startServer({ engine, host: '0.0.0.0', port: 0 }),
  );
  assert.is(err.code, 'SERVER_INSECURE');
  assert.match(err.message, /refusing to listen on 0\.0\.0\.0 without a password/);
  const ok = await startServer({ engine, host: '0.0.0.0', port: 0, insecure: true });
  assert.ok(ok.port > 0);
  await ok.close();
  const withPw = await startServer({ engine, host: '0.0.0.0', port: 0, password: 'x' });
  await withPw.close();
  await engine.close();
});

test.run();
