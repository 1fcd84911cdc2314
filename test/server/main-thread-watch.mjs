// Preloaded into a spawned `rvbbit serve` (NODE_OPTIONS=--import, probe.ts mainThreadWatch):
// logs how long the server's main thread was held between two turns of a 10 ms timer, less the
// time it waited for a core. That is what holds every other client's answer, the thread's own
// work (CPU) or its own blocking wait; unlike a client's wall time it does not grow when the
// machine is busy (a SELECT 1 took 1,508 ms at load 6-10 while the server's longest hold was well
// under that). Each line: the turn's end (Date.now()), `heldMs`, and its parts `cpuMs` (ran),
// `waitMs` (runnable, waiting for a core) and `wallMs` (past the timer's period).
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
