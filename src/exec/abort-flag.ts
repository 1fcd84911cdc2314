/**
 * A cancellation flag that crosses threads. Piscina's per-task `signal` would
 * limit a worker to one task (design.md), so the executor flips a shared Int32
 * and each worker turns it into an AbortSignal with Atomics.waitAsync: no
 * polling, and in-flight HTTP is aborted at once.
 */
import { setMaxListeners } from 'node:events';

export function createAbortBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

export function raiseAbort(buffer: SharedArrayBuffer): void {
  const flag = new Int32Array(buffer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

export function isAborted(buffer: SharedArrayBuffer): boolean {
  return Atomics.load(new Int32Array(buffer), 0) !== 0;
}

const signals = new WeakMap<SharedArrayBuffer, AbortSignal>();

/** One AbortSignal per buffer in this thread, fired when the flag is raised. */
export function signalFor(buffer: SharedArrayBuffer): AbortSignal {
  let signal = signals.get(buffer);
  if (signal) return signal;
  const controller = new AbortController();
  signal = controller.signal;
  // Every row of the statement in this thread listens to it: no listener cap.
  setMaxListeners(0, signal);
  signals.set(buffer, signal);
  const flag = new Int32Array(buffer);
  const fire = () => controller.abort(new Error('statement cancelled'));
  if (Atomics.load(flag, 0) !== 0) fire();
  else {
    const waiter = Atomics.waitAsync(flag, 0, 0);
    if (waiter.async) {
      // A pending waitAsync keeps nothing alive: unref is not needed.
      void waiter.value.then(fire);
    } else fire();
  }
  return signal;
}
