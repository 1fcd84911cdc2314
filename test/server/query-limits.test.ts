/**
 * One client's huge message must not take the server down: a Query over
 * maxQueryBytes is refused (54000) without being held, a long message of
 * many statements is parsed one statement at a time, and the sum of what all
 * clients have in flight stays within maxServerInputBytes (53200 for the one
 * over it). The memory tests run the server in a child process and read its
 * peak RSS (VmHWM) from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejection, startServerFixture } from './helpers.js';
import { type MainThreadWatch, mainThreadWatch } from './probe.js';
import { firstError, loggedIn, message, query, type RawClient } from './raw-socket.js';

const MiB = 1024 * 1024;
const CHILD = fileURLToPath(new URL('./serve-child.ts', import.meta.url));

interface ChildServer {
  readonly port: number;
  readonly pid: number;
  /** VmRSS or VmHWM in MiB. */
  memory(field: 'VmRSS' | 'VmHWM'): number;
  /**
   * SIGTERM, and how the child ended: STOPPED_CLEANLY when it ran until this stop and shut
   * down cleanly (serve-child.ts exits 0 on SIGTERM); a child that had ended before (or crashed
   * while shutting down: an uncaught error, its main-thread watch's log gone) says so.
   */
  stop(): Promise<ChildEnd>;
}

interface ChildEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** It had ended before the test stopped it. */
  readonly beforeStop: boolean;
}

/** The end of a server that ran until the test stopped it and shut down cleanly. */
const STOPPED_CLEANLY: ChildEnd = { code: 0, signal: null, beforeStop: false };

/** Child servers not yet stopped: a failed assertion skips a test's own stop, and a live child keeps the run from ending. */
const running = new Set<ChildServer>();

test.after.each(async () => {
  for (const server of running) await server.stop();
});

/**
 * A server in a child process; with a `watch`, the child logs its main thread's turns into the
 * watch's folder, which goes when the child has exited (stop): it writes there until then.
 */
async function childServer(
  options: Record<string, number> = {},
  watch?: MainThreadWatch,
): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    ...(watch ? { env: { ...process.env, ...watch.env } } : {}),
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const line = /\{.*\}\n/.exec(out)?.[0];
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
  });
  const pid = child.pid!;
  const server: ChildServer = {
    port,
    pid,
    memory(field) {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]) / 1024;
    },
    stop: async () => {
      running.delete(server);
      const ended =
        child.exitCode !== null || child.signalCode !== null
          ? { code: child.exitCode, signal: child.signalCode, beforeStop: true }
          : await new Promise<ChildEnd>((resolve) => {
              child.once('exit', (code, signal) => resolve({ code, signal, beforeStop: false }));
              child.kill('SIGTERM');
            });
      watch?.close();
      return ended;
    },
  };
  running.add(server);
  return server;
}

/** Resolves when the socket has taken all of `data` (the server is reading it). */
function send(raw: RawClient, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (raw.socket.write(data)) resolve();
    else raw.socket.once('drain', () => resolve());
  });
}

/** A `SELECT 1` from a client that is already connected, its answer checked. */
async function selectOne(c: pg.Client): Promise<void> {
  assert.equal((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
}

async function pgClient(port: number): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'other', database: 'rvbbit' });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

test('a 60 MB Query is refused with 54000 naming its size and the limit; the server grows < 256 MB and serves others, its main thread held < 1 s of CPU at a time', async () => {
  const watch = mainThreadWatch();
  const server = await childServer({}, watch);
  const other = await pgClient(server.port);
  const raw = await loggedIn(server.port);
  await selectOne(other);
  const baseline = server.memory('VmRSS');
  const sql = 'SELECT 1;'.repeat(Math.ceil((60 * 1e6) / 9));
  let answered = false;
  const answer = raw.readyCount(2, 60_000).then(() => {
    answered = true;
  });
  const sending = send(raw, query(sql));
  // While the 60 MB arrive (and are dropped), another client is answered.
  const from = Date.now();
  let others = 0;
  while (!answered) {
    await selectOne(other);
    others++;
  }
  await Promise.all([sending, answer]);
  const e = firstError(raw.received());
  assert.is(e?.C, '54000');
  assert.is(e?.M, `query message of ${sql.length + 1} bytes exceeds the limit of ${16 * MiB} bytes`);
  // The connection goes on.
  raw.socket.write(query('SELECT 42'));
  await raw.readyCount(3);
  const growth = server.memory('VmHWM') - baseline;
  assert.ok(growth < 256, `server peak RSS grew ${growth.toFixed(0)} MB`);
  assert.ok(others > 0, 'another client was answered while the 60 MB arrived');
  const held = await watch.heldDuring(from, Date.now());
  assert.ok(
    held.cpuMs < 1000,
    `the server's main thread ran ${Math.round(held.cpuMs)} ms of CPU in one turn`,
  );
  raw.socket.destroy();
  await other.end();
  assert.equal(await server.stop(), STOPPED_CLEANLY);
});

test('six 50 MB Queries at once are all refused; the server grows < 256 MB', async () => {
  const server = await childServer();
  const clients = await Promise.all(Array.from({ length: 6 }, () => loggedIn(server.port)));
  const baseline = server.memory('VmRSS');
  const big = query('SELECT 1;'.repeat(Math.ceil((50 * 1e6) / 9)));
  await Promise.all(clients.map((raw) => Promise.all([send(raw, big), raw.readyCount(2, 60_000)])));
  for (const raw of clients) assert.is(firstError(raw.received())?.C, '54000');
  const growth = server.memory('VmHWM') - baseline;
  assert.ok(growth < 256, `server peak RSS grew ${growth.toFixed(0)} MB`);
  for (const raw of clients) raw.socket.destroy();
  assert.equal(await server.stop(), STOPPED_CLEANLY);
});

test('a 9 MB Query of a million statements is checked one statement at a time (< 256 MB); a syntax error at its end runs none', async () => {
  const server = await childServer();
  const c = await pgClient(server.port);
  await c.query('CREATE TABLE ran (x INT)');
  const baseline = server.memory('VmRSS');
  const bad = "'never closed";
  const sql = `INSERT INTO ran VALUES (1);${'SELECT 1;'.repeat(1_000_000)}SELECT ${bad}`;
  const err = await rejection(c.query(sql));
  assert.is(err.code, '42601');
  assert.match(err.message, /unterminated string/);
  assert.is(err.position, String(sql.indexOf(bad) + 1));
  const growth = server.memory('VmHWM') - baseline;
  assert.ok(growth < 256, `server peak RSS grew ${growth.toFixed(0)} MB`);
  assert.equal((await c.query('SELECT count(*)::INT AS n FROM ran')).rows, [{ n: 0 }]);
  await c.end();
  assert.equal(await server.stop(), STOPPED_CLEANLY);
});

test('limits per message: a Query over maxQueryBytes and a statement over maxStatementBytes are refused (54000); the session goes on', async () => {
  const f = await startServerFixture({ maxQueryBytes: 64 * 1024, maxStatementBytes: 8 * 1024 });
  const c = await f.client();
  const huge = `SELECT '${'x'.repeat(100_000)}'`;
  const big = await rejection(c.query(huge));
  assert.is(big.code, '54000');
  assert.is(big.message, `query message of ${huge.length + 1} bytes exceeds the limit of 65536 bytes`);
  const long = `SELECT '${'y'.repeat(10_000)}' AS s`;
  const statement = await rejection(c.query(long));
  assert.is(statement.code, '54000');
  assert.is(statement.message, `statement of ${long.length} bytes exceeds the limit of 8192 bytes`);
  // In a message of several statements, the long one stops all of them before any runs.
  await c.query('CREATE TABLE first_ran (x INT)');
  const many = await rejection(c.query(`INSERT INTO first_ran VALUES (1); ${long}`));
  assert.is(many.code, '54000');
  assert.equal((await c.query('SELECT count(*)::INT AS n FROM first_ran')).rows, [{ n: 0 }]);
  // Parse is held to the same limits (extended protocol: the error, then ReadyForQuery at Sync).
  const parsed = await rejection(c.query({ text: `${long} WHERE $1::INT = 1`, values: [1] }));
  assert.is(parsed.code, '54000');
  assert.equal((await c.query('SELECT 5 AS five')).rows, [{ five: 5 }]);
  await f.close();
});

test('the server-wide input budget: a client whose message does not fit gets FATAL 53200; the others and the server go on', async () => {
  const f = await startServerFixture({ maxServerInputBytes: 6 * MiB, maxStatementBytes: 8 * MiB });
  const other = await f.client();
  const holder = await loggedIn(f.port);
  // Half of a 4 MiB Query: the server holds its 4 MiB reservation while the rest is awaited.
  const sql = `SELECT '${'h'.repeat(4 * MiB)}' IS NOT NULL AS ok`;
  const whole = query(sql);
  await send(holder, whole.subarray(0, 2 * MiB));
  const refused = await loggedIn(f.port);
  await send(refused, query(`SELECT '${'r'.repeat(3 * MiB)}' IS NOT NULL AS ok`));
  await refused.closed;
  const e = firstError(refused.received());
  assert.is(e?.C, '53200');
  assert.is(e?.S, 'FATAL');
  assert.match(
    e?.M ?? '',
    /^out of memory: a message of \d+ bytes would take the client messages this server holds \(\d+ bytes\) past its limit of 6291456 bytes$/,
  );
  assert.equal((await other.query('SELECT 7 AS x')).rows, [{ x: 7 }]);
  // The holder's message completes and runs; its budget comes back, so a new 3 MiB message fits.
  await send(holder, whole.subarray(2 * MiB));
  await holder.readyCount(2, 30_000);
  assert.is(firstError(holder.received()), undefined);
  const next = await loggedIn(f.port);
  next.socket.write(query(`SELECT '${'n'.repeat(3 * MiB)}' IS NOT NULL AS ok`));
  await next.readyCount(2, 30_000);
  assert.is(firstError(next.received()), undefined);
  for (const r of [holder, next]) r.socket.destroy();
  await f.close();
});

test('a closed connection gives back its budget (a half-sent message included)', async () => {
  const f = await startServerFixture({ maxServerInputBytes: 6 * MiB, maxStatementBytes: 8 * MiB });
  for (let i = 0; i < 4; i++) {
    const raw = await loggedIn(f.port);
    await send(raw, query(`SELECT '${'z'.repeat(4 * MiB)}'`).subarray(0, MiB));
    raw.socket.destroy();
    await raw.closed;
    while (f.server.connections() > 0) await new Promise((r) => setTimeout(r, 10));
  }
  const raw = await loggedIn(f.port);
  raw.socket.write(message('Q', Buffer.from(`SELECT length('${'w'.repeat(4 * MiB)}') AS n\0`)));
  await raw.readyCount(2, 30_000);
  assert.is(firstError(raw.received()), undefined);
  raw.socket.destroy();
  await f.close();
});

test.run();
