/**
 * What the server tests use to watch one client while another attacks:
 * a probe client asking `SELECT 1` in a loop, the server's main thread held
 * (main-thread-watch.mjs), and a Postgres CancelRequest sent as libpq sends
 * it. PROBE_LOG=1 prints each probe's longest answer and the longest hold.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import * as assert from 'uvu/assert';
import { TICK_MS, watchTurns } from './turn-clock.mjs';

/**
 * A spawned `rvbbit serve` started with `env` logs how long its main thread is held
 * (main-thread-watch.mjs); `heldDuring` reads the longest hold in a stretch of time.
 */
export interface MainThreadWatch {
  /** The environment for the server's process (its NODE_OPTIONS preload the watch). */
  readonly env: NodeJS.ProcessEnv;
  /** The longest hold whose turn overlapped [from, to] (Date.now() times), waiting for the log to pass `to`. */
  heldDuring(from: number, to: number): Promise<Held>;
  close(): void;
}

/**
 * The server's longest turns of its event loop: `cpuMs`, the most CPU its main thread ran in one
 * turn (the hold the tests bound: its own work, which a busy machine does not stretch), and the
 * turn held longest, `heldMs` (its wall time past the timer's period less its wait for a core;
 * at load it also holds waits for locks whose holders wait for a core), with that turn's
 * `waitMs` for a core and `wallMs` past the timer's period.
 */
export interface Held {
  readonly cpuMs: number;
  readonly heldMs: number;
  readonly waitMs: number;
  readonly wallMs: number;
}

/** How long heldDuring waits for the watch's log to reach a time (it logs a turn every ~200 ms). */
const WATCH_LOG_WAIT_MS = 30_000;

export function mainThreadWatch(): MainThreadWatch {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-main-thread-'));
  const file = join(dir, 'held.jsonl');
  const preload = new URL('./main-thread-watch.mjs', import.meta.url).href;
  const turns = (): (Held & { readonly at: number })[] => {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return [];
    }
    // The last line may be half written.
    return text
      .split('\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line) as Held & { readonly at: number });
  };
  return {
    env: {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${preload}`.trim(),
      RVBBIT_TEST_MAIN_THREAD_LOG: file,
    },
    async heldDuring(from, to) {
      const waitUntil = Date.now() + WATCH_LOG_WAIT_MS;
      let logged = turns();
      while (!logged.some((t) => t.at > to)) {
        if (Date.now() > waitUntil)
          throw new Error(`the server's main-thread watch logged nothing after ${to}`);
        await new Promise((r) => setTimeout(r, 20));
        logged = turns();
      }
      // A turn began its timer's period and its wall time past it before it was logged.
      const during = logged.filter((t) => t.at >= from && t.at - t.wallMs - TICK_MS <= to);
      const longest = during.reduce((a, t) => (t.heldMs > a.heldMs ? t : a), {
        heldMs: 0,
        waitMs: 0,
        wallMs: 0,
      });
      return {
        cpuMs: Math.max(0, ...during.map((t) => t.cpuMs)),
        heldMs: longest.heldMs,
        waitMs: longest.waitMs,
        wallMs: longest.wallMs,
      };
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The longest turn of this process's main thread while `work` runs, for a server in the test's
 * own process (startServerFixture): its CPU is the server's hold on every other client (and
 * the test's own, small, client work), which a busy machine does not stretch.
 */
export async function heldInProcess<T>(work: () => Promise<T>): Promise<{ value: T; held: Held }> {
  const held = { cpuMs: 0, heldMs: 0, waitMs: 0, wallMs: 0 };
  const stop = watchTurns((turn) => {
    held.cpuMs = Math.max(held.cpuMs, turn.cpuMs);
    if (turn.heldMs > held.heldMs)
      Object.assign(held, { heldMs: turn.heldMs, waitMs: turn.waitMs, wallMs: turn.wallMs });
  });
  try {
    const value = await work();
    // The turn `work` ended in is timed at the timer's next firing.
    await new Promise((r) => setTimeout(r, 2 * TICK_MS));
    return { value, held };
  } finally {
    stop();
  }
}

/**
 * What `work` gave while `probe` asked SELECT 1 every 10 ms: the probes answered, the longest
 * answer's wall time (PROBE_LOG only: a busy machine stretches it) and the server's longest
 * main-thread hold meanwhile, which the tests bound.
 */
export interface Probed<T> {
  readonly value: T;
  readonly probes: number;
  readonly maxMs: number;
  readonly held: Held;
}

/** Runs `work` while `probe` asks SELECT 1 every 10 ms (each answer checked) and `watch` watches the server. */
export async function probed<T>(
  probe: pg.Client,
  watch: MainThreadWatch,
  work: () => Promise<T>,
): Promise<Probed<T>> {
  let maxMs = 0;
  let probes = 0;
  let stop = false;
  const from = Date.now();
  const loop = (async () => {
    while (!stop) {
      const began = performance.now();
      const { rows } = await probe.query('SELECT 1 AS one');
      assert.equal(rows, [{ one: 1 }]);
      maxMs = Math.max(maxMs, performance.now() - began);
      probes++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    const value = await work();
    const held = await watch.heldDuring(from, Date.now());
    if (process.env.PROBE_LOG)
      console.log(
        `probe max ${Math.round(maxMs)} ms over ${probes}; main thread's longest turn ${Math.round(held.cpuMs)} ms of CPU; held ${Math.round(held.heldMs)} ms at most (${Math.round(held.waitMs)} waiting for a core, ${Math.round(held.wallMs)} wall)`,
      );
    return { value, probes, maxMs, held };
  } finally {
    stop = true;
    await loop;
  }
}

/** CPU milliseconds process `pid` has used, all its threads (those ended too), in clock ticks of 10 ms. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime, fields 14 and 15 of stat (11 and 12 after the name).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The CPU process `pid` spends from now until it exits (`exited` settles): its last reading,
 * taken every 10 ms, before it was gone.
 */
export async function cpuUntilExit(pid: number, exited: Promise<unknown>): Promise<number> {
  const cpu0 = processCpuMs(pid);
  let last = cpu0;
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    try {
      last = processCpuMs(pid);
    } catch {
      break; // reaped
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return last - cpu0;
}

/** Sends a CancelRequest for the session `pid`/`secret` on a fresh socket, as libpq does. */
export function sendCancel(port: number, pid: number, secret: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      const b = Buffer.alloc(16);
      b.writeInt32BE(16, 0);
      b.writeInt32BE(80877102, 4);
      b.writeInt32BE(pid, 8);
      b.writeInt32BE(secret, 12);
      s.end(b);
    });
    s.on('close', () => resolve());
    s.on('error', reject);
  });
}

/** The CancelRequest for node-postgres client `c`'s session. */
export function cancelClient(port: number, c: pg.Client): Promise<void> {
  const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
  return sendCancel(port, processID, secretKey);
}
