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
  const schedstat = `/proc/self/task/${process.pid}/schedstat`;
  const clocks = () => {
    const [ran, waited] = readFileSync(schedstat, 'utf8').split(' ');
    return { cpu: Number(ran) / 1e6, wait: Number(waited) / 1e6, wall: performance.now() };
  };
  let last = clocks();
  const timer = setInterval(() => {
    const now = clocks();
    const cpuMs = now.cpu - last.cpu;
    const waitMs = now.wait - last.wait;
    const wallMs = now.wall - last.wall - TICK_MS;
    onTurn({ at: Date.now(), heldMs: Math.max(cpuMs, wallMs - waitMs), cpuMs, waitMs, wallMs });
    // What onTurn did (the log's write) is not the watched work.
    last = clocks();
  }, TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** The CPU milliseconds this process's main thread has run (schedstat), to measure a piece of work done on it. */
export function mainThreadCpuMs() {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}
