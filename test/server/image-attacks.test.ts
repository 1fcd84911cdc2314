/**
 * The adversarial round's image attacks on a real `rvbbit serve --image-dir`
 * (its built-in simulator on a thread of the same process), over
 * node-postgres:
 *
 * - a FIFO in the image folder: `IMAGE('fifo.png')` used to block the main
 *   thread in open() (every client's SELECT 1 timed out, SIGTERM ignored).
 *   Now it, a FIFO behind a symlink and a folder fail at once with 58030, a
 *   symlink to /dev/zero with 42501 (its real path is outside), another
 *   client is answered meanwhile, and SIGTERM ends the server;
 * - 40 rows of a 19 MB image (20 hard links each of two PNGs, so 40 distinct
 *   prompts) through MEANS at PARALLEL 8: another client's SELECT 1, probed
 *   every 10 ms, is answered throughout while the server's main thread never
 *   runs 1 s in one event-loop turn (test/server/main-thread-watch.mjs: its
 *   CPU, which a busy machine does not stretch as it does the probe's wall
 *   time), and the server's peak RSS grows by far less
 *   than 40 copies (it used to wait 8.4 s and reach 3.26 GB); the answers
 *   are exact (the simulator reads each PNG's Description).
 */
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SERVER_START_MS, start, waitFor, within } from '../cli/helpers.js';
import { COLOURS, png } from '../images/png.js';
import { rejection } from './helpers.js';
import { type MainThreadWatch, mainThreadWatch, probed } from './probe.js';

/** The longest the server's main thread may run in one turn of its event loop (others-answered.test.ts's bound). */
const HELD_MS = 1_000;

let watch: MainThreadWatch;
test.before(() => {
  watch = mainThreadWatch();
});
test.after(() => {
  watch.close();
});

const MB = 1e6;

interface Served {
  readonly port: number;
  readonly pid: number;
  readonly run: ReturnType<typeof start>;
}

/**
 * `rvbbit serve` with the default bound (64 MiB of image files in flight: what
 * an operator gets), on its built-in simulator, or on `providerUrl` (a
 * simulator in a process of its own, so the server's memory is its own).
 */
async function serve(dir: string, providerUrl?: string): Promise<Served> {
  const llm = providerUrl === undefined ? ['--sim'] : ['--provider-url', providerUrl];
  const run = start(['serve', ...llm, '--port', '0', '--image-dir', dir], { env: watch.env });
  await waitFor(run.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/);
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(run.out())![1]);
  return { port, pid: run.child.pid!, run };
}

async function client(port: number): Promise<pg.Client> {
  // A query that would hang (the old FIFO open) fails the test instead of stalling it: a wait, not a
  // bound (the bounds are the server's CPU per turn and RSS); at 10 s the warm-up query over a 19 MB
  // image outlasted it at load 15.
  const c = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'tester',
    database: 'rvbbit',
    query_timeout: 120_000,
  });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/** MiB of the process's VmRSS or VmHWM (peak) from /proc. */
function memory(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]) / 1024;
}

/** Probes `SELECT 1` every ~10 ms until `until` settles; resolves to the longest wait, in ms. */
/**
 * SIGTERM, and the server's exit: a thread stuck in a FIFO's open() would keep it from exiting
 * at all, which the wait turns into a failure (a wait, not a bound: a busy machine stretches it).
 */
async function stop(s: Served): Promise<void> {
  s.run.child.kill('SIGTERM');
  await within(SERVER_START_MS, s.run.done, 'the server after SIGTERM');
}

test('a FIFO, a FIFO behind a symlink, a folder: 58030 at once; /dev/zero behind a symlink: 42501; others answered; SIGTERM ends it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-image-fifo-'));
  execFileSync('mkfifo', [join(dir, 'fifo.png')]);
  symlinkSync(join(dir, 'fifo.png'), join(dir, 'via-link.png'));
  mkdirSync(join(dir, 'photos.png'));
  symlinkSync('/dev/zero', join(dir, 'zero.png'));
  writeFileSync(
    join(dir, 'red.png'),
    png({ width: 8, height: 8, rgb: COLOURS.red!, description: 'a red circle' }),
  );
  const s = await serve(dir);
  try {
    const [a, b] = [await client(s.port), await client(s.port)];
    const cases: [string, string, string][] = [
      ['fifo.png', '58030', 'IMAGE: file fifo.png is a FIFO, not a regular file'],
      ['via-link.png', '58030', 'IMAGE: file via-link.png is a FIFO, not a regular file'],
      ['photos.png', '58030', 'IMAGE: file photos.png is a folder, not a regular file'],
      ['zero.png', '42501', `IMAGE: file zero.png is outside the allowed image folders (${dir})`],
    ];
    for (const [name, code, message] of cases) {
      // Another client asks SELECT 1 throughout and is answered; the server's main thread is never
      // held (measured as its CPU in one event-loop turn, which a busy machine does not stretch).
      // A hang (the old FIFO open) fails on the client's query_timeout.
      const r = await probed(b, watch, () => rejection(a.query(`SELECT IMAGE('${name}') AS i`)));
      assert.is(r.value.code, code, `${name}: ${r.value.message}`);
      assert.is(r.value.message, message);
      assert.ok(
        r.held.cpuMs < HELD_MS,
        `${name}: the server's main thread ran ${Math.round(r.held.cpuMs)} ms in one turn`,
      );
    }
    // In a MEANS too, at once, and the connection goes on.
    const err = await rejection(a.query(`SELECT IMAGE('fifo.png') MEANS 'red' AS red`));
    assert.is(err.code, '58030');
    assert.equal((await a.query(`SELECT IMAGE('red.png') MEANS 'red' AS red`)).rows, [{ red: true }]);
    await Promise.allSettled([a.end(), b.end()]);
    await stop(s);
    assert.is(s.run.child.exitCode, 0);
  } finally {
    if (s.run.child.exitCode === null) s.run.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('40 rows of a 19 MB image: another client waits < 1 s, peak RSS grows < 400 MiB, the answers are exact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-image-big-'));
  // Two 19 MB PNGs (a private ancillary chunk makes the size), 20 hard links each: 40 paths, so 40 prompts.
  for (const colour of ['red', 'blue'] as const) {
    const bytes = png({
      width: 64,
      height: 64,
      rgb: COLOURS[colour]!,
      description: `a ${colour} circle`,
      padding: 19 * MB,
    });
    assert.ok(bytes.length > 19 * MB && bytes.length < 20 * 1024 * 1024);
    writeFileSync(join(dir, `${colour}.png`), bytes);
    for (let i = 0; i < 20; i++) linkSync(join(dir, `${colour}.png`), join(dir, `${colour}-${i}.png`));
  }
  const sim = start(['sim', '--port', '0']);
  await waitFor(sim.out, /listening on http:\/\/127\.0\.0\.1:\d+\/v1/);
  const simUrl = /(http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(sim.out())![1]!;
  const s = await serve(dir, simUrl);
  try {
    const [a, b] = [await client(s.port), await client(s.port)];
    // Warm: the pool's worker and the simulator have started and taken their memory.
    assert.equal((await a.query(`SELECT IMAGE('red-0.png') MEANS 'red' AS red`)).rows, [{ red: true }]);
    const baseline = memory(s.pid, 'VmRSS');
    const t0 = performance.now();
    const running = a.query({
      text: `-- @ parallel: 8
-- @ cache: false
SELECT f FROM (SELECT c || '-' || i || '.png' AS f FROM (VALUES ('red'), ('blue')) t(c), range(20) r(i))
WHERE IMAGE(f) MEANS 'red' ORDER BY f`,
      query_timeout: 300_000,
    } as pg.QueryConfig);
    const waits = await probed(b, watch, () => running);
    const result = waits.value;
    const took = performance.now() - t0;
    const growth = memory(s.pid, 'VmHWM') - baseline;
    console.log(
      `  40 × 19 MB: ${took.toFixed(0)} ms; SELECT 1 max ${waits.maxMs.toFixed(0)} ms over ${waits.probes} probes, the main thread's longest turn ${Math.round(waits.held.cpuMs)} ms of CPU; peak RSS +${growth.toFixed(0)} MiB over ${baseline.toFixed(0)} MiB`,
    );
    assert.equal(
      result.rows.map((r) => r.f),
      Array.from({ length: 20 }, (_, i) => `red-${i}.png`).sort(),
    );
    assert.ok(waits.probes > 10, `${waits.probes} probes`);
    assert.ok(
      waits.held.cpuMs < HELD_MS,
      `the server's main thread ran ${Math.round(waits.held.cpuMs)} ms of CPU in one turn`,
    );
    // 40 copies as base64 alone would be 40 × 25 MB = 1 GB; the old code reached 3.26 GB.
    // Measured here: +160 MiB (the 64 MiB bound, a request's base64 and body, two worker threads).
    assert.ok(growth < 400, `peak RSS grew ${growth.toFixed(0)} MiB`);
    await Promise.allSettled([a.end(), b.end()]);
    await stop(s);
  } finally {
    if (s.run.child.exitCode === null) s.run.child.kill('SIGKILL');
    sim.child.kill('SIGTERM');
    await sim.done;
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
