// Preloaded into a spawned `rvbbit serve` (NODE_OPTIONS=--import, probe.ts mainThreadWatch):
// logs each turn of the server's event loop (between two firings of a 10 ms timer) that held its
// main thread: the CPU the thread ran in it, which is what holds every other client's answer and,
// unlike a client's wall time, does not grow when the machine is busy and the process waits for a
// core (a SELECT 1 took 1,508 ms at load 6-10, 7,153 ms at load 15, while the server's longest
// turn ran under 0.5 s). Each line: the turn's end (Date.now()), `cpuMs`, `waitMs` (runnable,
// waiting for a core), `wallMs` (past the timer's period) and `heldMs` (the wall time less the
// wait for a core: CPU and blocking waits, which at load include locks whose holders wait).
// Plain JavaScript: the server may run from the build, without tsx.
import { appendFileSync, readFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const LOG_VARIABLE = 'RVBBIT_TEST_MAIN_THREAD_LOG';
const log = process.env[LOG_VARIABLE];
// Read once: processes this one starts do not log into the same file.
delete process.env[LOG_VARIABLE];

/** The timer's period: a hold shorter than this is the loop turning, not a hold. */
const TICK_MS = 10;
/** Turns held (or late) at least this long are logged; every HEARTBEAT_TICKS-th turn too. */
const LOGGED_MS = 5;
const HEARTBEAT_TICKS = 20;

if (log && isMainThread) {
  // Linux's schedstat: the nanoseconds this thread (the main thread's id is the pid) has run
  // and has waited runnable for a core.
  const schedstat = `/proc/self/task/${process.pid}/schedstat`;
  const clocks = () => {
    const [ran, waited] = readFileSync(schedstat, 'utf8').split(' ');
    return { cpu: Number(ran) / 1e6, wait: Number(waited) / 1e6, wall: performance.now() };
  };
  let last = clocks();
  let ticks = 0;
  setInterval(() => {
    const now = clocks();
    const cpuMs = now.cpu - last.cpu;
    const waitMs = now.wait - last.wait;
    const wallMs = now.wall - last.wall - TICK_MS;
    const heldMs = Math.max(cpuMs, wallMs - waitMs);
    if (heldMs >= LOGGED_MS || wallMs >= LOGGED_MS || ++ticks % HEARTBEAT_TICKS === 0)
      appendFileSync(log, `${JSON.stringify({ at: Date.now(), heldMs, cpuMs, waitMs, wallMs })}\n`);
    // The log's own write is not the server's.
    last = clocks();
  }, TICK_MS).unref();
}
