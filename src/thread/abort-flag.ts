/**
 * A cancellation flag that crosses threads: the executor flips a shared Int32
 * and each worker turns it into an AbortSignal with Atomics.waitAsync. No
 * polling, no message per task, and in-flight HTTP is aborted at once.
 * (Piscina's per-task `signal`, in the first pool, limited a worker to one
 * task: design.md.)
 */
import { setMaxListeners } from 'node:events';
import { addStopPoll } from '../cascade/render-bounds.js';
import { bufferId, bufferWithId } from './shared-buffer-id.js';

export function createAbortBuffer(): SharedArrayBuffer {
  return bufferWithId(1);
}

export function raiseAbort(buffer: SharedArrayBuffer): void {
  const flag = new Int32Array(buffer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

export function isAborted(buffer: SharedArrayBuffer): boolean {
  return Atomics.load(new Int32Array(buffer), 0) !== 0;
}

/** By the buffer's id (see shared-buffer-id.ts); dropped when the flag is raised. */
const signalsById = new Map<string, AbortSignal>();
/** Buffers made without an id. */
const signalsByBuffer = new WeakMap<SharedArrayBuffer, AbortSignal>();

/** One AbortSignal per statement in this thread, fired when the flag is raised. */
export function signalFor(buffer: SharedArrayBuffer): AbortSignal {
  const id = bufferId(buffer, 1);
  let signal = id === undefined ? signalsByBuffer.get(buffer) : signalsById.get(id);
  if (signal) return signal;
  const controller = new AbortController();
  signal = controller.signal;
  // Every row of the statement in this thread listens to it: no listener cap.
  setMaxListeners(0, signal);
  if (id === undefined) signalsByBuffer.set(buffer, signal);
  else signalsById.set(id, signal);
  const flag = new Int32Array(buffer, 0, 1);
  // A template render holds this thread without yielding to the event loop, so
  // the waitAsync below cannot fire during it: the render polls the flag itself.
  addStopPoll(signal, () => Atomics.load(flag, 0) !== 0);
  const fire = () => {
    // The statement is over (or cancelled): nothing will ask for this signal again.
    if (id !== undefined) signalsById.delete(id);
    controller.abort(new Error('statement cancelled'));
  };
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
