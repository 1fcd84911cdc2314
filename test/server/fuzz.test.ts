import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { message, query, rawClient, startupMessage } from './raw-socket.js';

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture({ maxMessageBytes: 1 << 20 });
});
test.after(async () => {
  await f.close();
});

/** A small seeded generator, so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const TYPES = 'QPBDESCHXpFdcf?\0Z';

function randomMessage(r: () => number): Buffer {
  const kind = r();
  const len = Math.floor(r() * 64);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = Math.floor(r() * 256);
  const type = TYPES[Math.floor(r() * TYPES.length)]!;
  if (kind < 0.25) {
    // A valid-looking frame with a random body.
    return message(type, body);
  }
  if (kind < 0.5) {
    // A frame with a lying length.
    const b = message(type, body);
    b.writeInt32BE(Math.floor(r() * 2 ** 31) * (r() < 0.5 ? -1 : 1), 1);
    return b;
  }
  if (kind < 0.75) {
    // A real message, truncated or with trailing garbage.
    const real = [
      query('SELECT 1'),
      message('P', Buffer.from('s1\0SELECT $1::INTEGER\0\0\x01\0\0\0\x17', 'latin1')),
      message('B', Buffer.from('\0s1\0\0\0\0\x01\xff\xff\xff\xff\0\0', 'latin1')),
      message('D', Buffer.from('Sno_such\0')),
      message('E', Buffer.from('\0\0\0\0\0')),
    ][Math.floor(r() * 5)]!;
    return r() < 0.5 ? real.subarray(0, Math.floor(r() * real.length)) : Buffer.concat([real, body]);
  }
  return body;
}

test('random and truncated messages never crash the server; other sessions keep working', async () => {
  const witness = await f.client();
  const r = rng(20251121);
  for (let round = 0; round < 200; round++) {
    const raw = await rawClient(f.port);
    if (r() < 0.8) {
      raw.socket.write(startupMessage());
      await raw.readyCount(1);
    }
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) raw.socket.write(randomMessage(r));
    // Give the server a moment, then hang up whatever state it is in.
    await new Promise((res) => setTimeout(res, 2));
    raw.socket.destroy();
    if (round % 20 === 0) {
      assert.equal((await witness.query('SELECT $1::INTEGER AS x', [round])).rows, [{ x: round }]);
    }
  }
  assert.equal((await witness.query('SELECT count(*)::INTEGER AS n FROM products')).rows, [{ n: 242 }]);
  const fresh = await f.client();
  assert.equal((await fresh.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
});

test('a bad startup packet and an unknown protocol version are refused cleanly', async () => {
  const raw = await rawClient(f.port);
  const b = Buffer.alloc(8);
  b.writeInt32BE(8, 0);
  b.writeInt32BE(0x00020000, 4);
  raw.socket.write(b);
  await raw.closed;
  assert.match(raw.received().toString('latin1'), /unsupported frontend protocol 2\.0/);
  const witness = await f.client();
  assert.equal((await witness.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
});

test('an SSLRequest is answered N and the startup continues in plain text', async () => {
  const raw = await rawClient(f.port);
  const ssl = Buffer.alloc(8);
  ssl.writeInt32BE(8, 0);
  ssl.writeInt32BE(80877103, 4);
  raw.socket.write(ssl);
  await new Promise((res) => setTimeout(res, 50));
  assert.is(raw.received().toString('latin1'), 'N');
  raw.socket.write(startupMessage());
  await raw.readyCount(1, 5000, 1);
  raw.socket.write(query('SELECT 41 + 1'));
  await raw.readyCount(2, 5000, 1);
  assert.match(raw.received().toString('latin1'), /SELECT 1/);
  raw.socket.destroy();
});

test.run();
