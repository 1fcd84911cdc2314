/**
 * What a client can make the server hold before and while it is logged in:
 * small messages before authentication, a login timeout, unauthenticated
 * sockets counted against max connections, "too many clients" before any
 * authentication exchange, and back-pressure on a client that floods the
 * server while a statement runs.
 */
import { connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejection, startServerFixture } from './helpers.js';
import { firstError, message, query, rawClient, startupMessage } from './raw-socket.js';

/** Message type bytes in a server byte stream. */
function messageTypes(data: Buffer): string[] {
  const types: string[] = [];
  for (let i = 0; i + 5 <= data.length; i += 1 + data.readInt32BE(i + 1))
    types.push(String.fromCharCode(data[i]!));
  return types;
}

test('before login a message over 10 KiB ends the connection with FATAL 08P01; logged-in clients go on', async () => {
  const f = await startServerFixture();
  const other = await f.client();
  const raw = await rawClient(f.port);
  // A startup packet claiming 64 MiB: refused on its length, before the bytes arrive.
  const head = Buffer.alloc(8);
  head.writeInt32BE(64 * 1024 * 1024, 0);
  head.writeInt32BE(196608, 4);
  raw.socket.write(head);
  await raw.closed;
  const e = firstError(raw.received());
  assert.is(e?.C, '08P01');
  assert.is(e?.M, 'message of 67108864 bytes exceeds the limit of 10240 bytes');
  assert.equal((await other.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
  await f.close();
});

test('a client that does not finish logging in is closed at the login timeout, and its slot is freed', async () => {
  // 2 s, not 400 ms: the login timeout applies to the client that logs in at the end too, and at load 15
  // its password exchange (client and server share this process's loop) took longer than 400 ms.
  const f = await startServerFixture({ maxConnections: 2, loginTimeoutMs: 2_000, password: 'pw' });
  const silent = await rawClient(f.port);
  const halfway = await rawClient(f.port);
  // One sends nothing; one sends its startup packet and never answers the password request.
  halfway.socket.write(startupMessage());
  // Both count: a third client is refused while they hold their slots.
  const refused = await rejection(f.client({ password: 'pw' }));
  assert.is(refused.code, '53300');
  await Promise.all([silent.closed, halfway.closed]);
  assert.is(firstError(halfway.received())?.M, 'canceling authentication due to timeout');
  assert.is(firstError(halfway.received())?.C, '57014');
  const c = await f.client({ password: 'pw' });
  assert.equal((await c.query('SELECT 2 AS x')).rows, [{ x: 2 }]);
  await f.close();
});

test('"too many clients" comes before any authentication message', async () => {
  const f = await startServerFixture({ maxConnections: 1, password: 'pw' });
  const first = await f.client({ password: 'pw' });
  const raw = await rawClient(f.port);
  raw.socket.write(startupMessage());
  await raw.closed;
  assert.equal(
    messageTypes(raw.received()),
    ['E'],
    'an ErrorResponse and nothing else: no AuthenticationRequest',
  );
  assert.is(firstError(raw.received())?.C, '53300');
  assert.equal((await first.query('SELECT 3 AS x')).rows, [{ x: 3 }]);
  await f.close();
});

test('1,000 idle unauthenticated sockets are closed by the login timeout; then clients log in', async () => {
  const f = await startServerFixture({ loginTimeoutMs: 1000 });
  const sockets: Socket[] = [];
  const closed: Promise<void>[] = [];
  // In waves of 50: a burst of 1,000 connects from one process overflows the
  // kernel's accept queue, and a socket whose handshake was dropped there
  // thinks it is connected while the server never sees it.
  for (let wave = 0; wave < 20; wave++) {
    const connected: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      const s = connect(f.port, '127.0.0.1');
      s.on('error', () => undefined);
      // Read (and drop) the FATAL message: a paused socket never sees the end.
      s.resume();
      sockets.push(s);
      connected.push(new Promise((r) => s.once('connect', () => r())));
      closed.push(new Promise((r) => s.on('close', () => r())));
    }
    await Promise.all(connected);
  }
  await Promise.all(closed);
  assert.is(f.server.connections(), 0);
  const c = await f.client();
  assert.equal((await c.query('SELECT 4 AS x')).rows, [{ x: 4 }]);
  await f.close();
});

test('a client flooding the server during a statement is paused: bounded bytes accepted, others go on', async () => {
  // Each LLM call takes 1.5 s, so the statement below runs while the flood is sent.
  const f = await startServerFixture({ maxPendingInputBytes: 64 * 1024 }, { latencyMs: 1500 });
  const other = await f.client();
  // Starts the cascade workers first, so the RSS measured below is the flood's alone.
  await other.query(
    `RVBBIT MAP 'traits/extract_brand.yaml' AS brand USING (SELECT 'warm up' AS product_name) WITH (cache = false)`,
  );
  const raw = await rawClient(f.port);
  raw.socket.write(startupMessage());
  await raw.readyCount(1);
  raw.socket.write(
    query(
      `RVBBIT MAP PARALLEL 1 'traits/extract_brand.yaml' AS brand USING (SELECT 'one row' AS product_name) WITH (cache = false)`,
    ),
  );
  // Flush messages need no reply; write them as fast as the socket takes them.
  const flush = message('H', Buffer.alloc(0));
  const block = Buffer.concat(Array.from({ length: 64 * 1024 }, () => flush)); // 320 KiB
  let written = 0;
  const rssBefore = process.memoryUsage().rss;
  const deadline = Date.now() + 1000;
  while (Date.now() < deadline && written < 512 * 1024 * 1024) {
    if (raw.socket.write(block)) written += block.length;
    else {
      written += block.length;
      // Waits for the server to read; it stops reading while its input is over the bound.
      const drained = await Promise.race([
        new Promise<boolean>((r) => raw.socket.once('drain', () => r(true))),
        new Promise<boolean>((r) => setTimeout(() => r(false), 300)),
      ]);
      if (!drained) break;
    }
  }
  // The server's 64 KiB bound plus the kernel's socket buffers: a few MB, not hundreds.
  assert.ok(written < 32 * 1024 * 1024, `the server took ${written} bytes during the statement`);
  assert.ok(process.memoryUsage().rss - rssBefore < 50 * 1024 * 1024);
  assert.equal((await other.query('SELECT 5 AS x')).rows, [{ x: 5 }]);
  // The flooding client's statement completes (one MAP row, no error) and its messages are read once it is done.
  await raw.readyCount(2, 30_000);
  assert.is(firstError(raw.received()), undefined);
  assert.is(f.sim.stats().requests, 2);
  raw.socket.destroy();
  await f.close();
});

test('statement_timeout cancels a statement with 57014 and the session goes on', async () => {
  const f = await startServerFixture({}, { latencyMs: 3000 });
  const c = await f.client();
  await c.query(`SET statement_timeout = '300ms'`);
  const err = await rejection(
    c.query(
      `RVBBIT MAP 'traits/extract_brand.yaml' AS brand USING (SELECT 'slow' AS product_name) WITH (cache = false)`,
    ),
  );
  assert.is(err.code, '57014', err.message);
  assert.is(err.message, 'canceling statement due to statement timeout');
  assert.equal((await c.query('SELECT 6 AS x')).rows, [{ x: 6 }]);
  const bad = await rejection(c.query(`SET statement_timeout = 'soon'`));
  assert.is(bad.code, '22000');
  await c.query('SET statement_timeout = 0');
  assert.equal((await c.query('SELECT 7 AS x')).rows, [{ x: 7 }]);
  await f.close();
});

test.run();
