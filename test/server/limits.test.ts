import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejection, startServerFixture } from './helpers.js';
import { firstError, message, rawClient, startupMessage } from './raw-socket.js';

test('max connections: one more client gets FATAL 53300; the others keep working', async () => {
  const f = await startServerFixture({ maxConnections: 2 });
  const a = await f.client();
  const b = await f.client();
  const err = await rejection(f.client());
  assert.is(err.code, '53300');
  assert.is(err.message, 'sorry, too many clients already (max 2)');
  assert.equal((await a.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
  assert.equal((await b.query('SELECT 2 AS x')).rows, [{ x: 2 }]);
  await f.close();
});

test('an oversized message closes that connection with FATAL 08P01; others go on', async () => {
  const f = await startServerFixture({ maxMessageBytes: 4096 });
  const other = await f.client();
  const raw = await rawClient(f.port);
  raw.socket.write(startupMessage());
  await raw.readyCount(1);
  raw.socket.write(message('Q', Buffer.alloc(10_000, 0x41)));
  await raw.closed;
  const e = firstError(raw.received());
  assert.is(e?.C, '08P01');
  assert.is(e?.S, 'FATAL');
  assert.is(e?.M, 'message of 10004 bytes exceeds the limit of 4096 bytes');
  assert.equal((await other.query('SELECT 3 AS x')).rows, [{ x: 3 }]);
  await f.close();
});

test('an idle connection is closed after the idle timeout with FATAL 57P05', async () => {
  const f = await startServerFixture({ idleTimeoutMs: 300 });
  const raw = await rawClient(f.port);
  raw.socket.write(startupMessage());
  await raw.readyCount(1);
  const t0 = performance.now();
  await raw.closed;
  const waited = performance.now() - t0;
  assert.ok(waited >= 250 && waited < 2000, `closed after ${waited} ms`);
  assert.is(firstError(raw.received())?.C, '57P05');
  await f.close();
});

test.run();
