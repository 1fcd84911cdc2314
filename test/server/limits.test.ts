import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { within } from '../cli/helpers.js';
import { rejection, startServerFixture } from './helpers.js';
import { firstError, message, rawClient, startupMessage } from './raw-socket.js';
import { mainThreadClocks, ownWallMs } from './turn-clock.mjs';

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

/** How long a test waits for the server before calling it a hang: a wait, not a bound. */
const HANG_MS = 30_000;

test('an idle connection is closed after the idle timeout with FATAL 57P05', async () => {
  const f = await startServerFixture({ idleTimeoutMs: 300 });
  const raw = await rawClient(f.port);
  raw.socket.write(startupMessage());
  await raw.readyCount(1, HANG_MS);
  const t0 = mainThreadClocks();
  await within(HANG_MS, raw.closed, 'the idle close');
  const t1 = mainThreadClocks();
  const waited = t1.wallMs - t0.wallMs;
  // The timer is the server's, on this process's main thread: timed by that thread's own clock
  // (less its waits for a core, a busy machine's share).
  const own = ownWallMs(t0, t1);
  assert.ok(waited >= 250 && own < 2000, `closed after ${waited} ms (${own} ms on its own clock)`);
  assert.is(firstError(raw.received())?.C, '57P05');
  await f.close();
});

test('the idle timeout does not run during a login: a login slower than it gets in, then idles out', async () => {
  const f = await startServerFixture({ idleTimeoutMs: 100 });
  // The login's session set-up is held (as a busy machine holds it) until the timeout has passed twice.
  const makeSession = f.engine.session.bind(f.engine);
  let settingUp!: () => void;
  const loginSettingUp = new Promise<void>((r) => {
    settingUp = r;
  });
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  f.engine.session = async (options) => {
    settingUp();
    await released;
    return makeSession(options);
  };
  try {
    const raw = await rawClient(f.port);
    raw.socket.write(startupMessage());
    await within(HANG_MS, loginSettingUp, 'the login reaching its session');
    // A timer set after the server's 100 ms one and due later fires after it.
    await new Promise((r) => setTimeout(r, 200));
    assert.is(firstError(raw.received()), undefined, 'no error while the login is set up');
    release();
    await raw.readyCount(1, HANG_MS);
    await within(HANG_MS, raw.closed, 'the idle close');
    const e = firstError(raw.received());
    assert.is(e?.C, '57P05');
    assert.is(e?.M, 'terminating connection due to idle timeout');
  } finally {
    release();
    await f.close();
  }
});

test.run();
