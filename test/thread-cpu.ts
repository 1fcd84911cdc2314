/**
 * CPU time of one thread of this process, for the tests that bound a thread's own work: on a
 * busy machine a thread waits for a core, so its wall time says more about the other processes
 * than about it (a 300 ms busy loop got 65 ms of CPU at load 6). Linux's schedstat counts the
 * nanoseconds the thread ran.
 */
import { readFileSync, readlinkSync } from 'node:fs';

/** The calling thread's id (the kernel's: main thread = pid; each worker thread its own). */
export function threadId(): number {
  // '/proc/thread-self' links to '<pid>/task/<tid>' for the thread that reads it.
  return Number(readlinkSync('/proc/thread-self').split('/').at(-1));
}

/** CPU milliseconds the thread `tid` of this process has run so far (the caller's own without one). */
export function threadCpuMs(tid?: number): number {
  const path = tid === undefined ? '/proc/thread-self/schedstat' : `/proc/self/task/${tid}/schedstat`;
  return Number(readFileSync(path, 'utf8').split(' ')[0]) / 1e6;
}
