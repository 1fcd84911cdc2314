// The main thread's turns of its event loop, timed as main-thread-watch.mjs logs them for a
// spawned server and probe.ts's turnWatch() keeps them for a server in the test's own process:
// between two firings of a 10 ms timer, the CPU the main thread ran (`cpuMs`), the time it
// waited runnable for a core (`waitMs`), the wall time past the timer's period (`wallMs`) and
// the hold (`heldMs`: the wall time less the wait for a core). The CPU is what holds every other
// client's answer and, unlike a client's wall time, does not grow when the machine is busy.
// Plain JavaScript: a server run from the build preloads it without tsx.
import { readFileSync } from 'node:fs';

/** The timer's period: a hold shorter than this is the loop turning, not a hold. */
export const TICK_MS = 10;

/**
 * Calls `onTurn` after every turn with its times; returns a stop function. Linux's schedstat
 * gives the nanoseconds the main thread (whose id is the pid) has run and waited for a core.
 */
export function watchTurns(onTurn) {
  let last = mainThreadClocks();
  const timer = setInterval(() => {
    const now = mainThreadClocks();
    const cpuMs = now.cpuMs - last.cpuMs;
    const waitMs = now.waitMs - last.waitMs;
    const wallMs = now.wallMs - last.wallMs - TICK_MS;
    onTurn({ at: Date.now(), heldMs: Math.max(cpuMs, wallMs - waitMs), cpuMs, waitMs, wallMs });
    // What onTurn did (the log's write) is not the watched work.
    last = mainThreadClocks();
  }, TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * This process's main thread's clocks now, in ms: the CPU it has run, the time it has waited
 * runnable for a core (schedstat, which gives both in ns) and performance.now(). Between two
 * readings, wall less wait is the time the thread had a core or was not asking for one: what a
 * busy machine does not stretch.
 */
export function mainThreadClocks() {
  const [ran, waited] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
  return { cpuMs: Number(ran) / 1e6, waitMs: Number(waited) / 1e6, wallMs: performance.now() };
}

/** The CPU milliseconds this process's main thread has run (schedstat), to measure a piece of work done on it. */
export function mainThreadCpuMs() {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

/**
 * The wall time between two mainThreadClocks() readings less the main thread's waits for a core:
 * how long a deadline this thread owns took by its own clock, which a busy machine does not stretch.
 */
export function ownWallMs(from, to) {
  return to.wallMs - from.wallMs - (to.waitMs - from.waitMs);
}
