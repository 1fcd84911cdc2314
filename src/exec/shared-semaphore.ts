/**
 * A counting semaphore in a SharedArrayBuffer: PARALLEL n is an exact bound on
 * cascade runs in flight across every worker thread of a statement.
 */
const WAIT_MS = 100;

export function createSemaphoreBuffer(permits: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(4);
  new Int32Array(buffer)[0] = permits; // permits available now
  return buffer;
}

export class SharedSemaphore {
  private readonly cells: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.cells = new Int32Array(buffer);
  }

  /**
   * Waits for a permit; rejects if `signal` aborts first. `held` counts the
   * permits of one chunk attempt, bumped in the same synchronous step as the
   * take, so a worker's exit can never strand a permit between the two.
   */
  async acquire(signal?: AbortSignal, held?: Int32Array): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const available = Atomics.load(this.cells, 0);
      if (available > 0) {
        if (Atomics.compareExchange(this.cells, 0, available, available - 1) === available) {
          if (held) Atomics.add(held, 0, 1);
          return;
        }
        continue;
      }
      // Bounded wait: a wake-up spent on a waiter of a worker that just died is
      // never fatal, the next check is at most WAIT_MS away.
      const waiter = Atomics.waitAsync(this.cells, 0, available, WAIT_MS);
      if (!waiter.async) continue;
      if (!signal) {
        await waiter.value;
        continue;
      }
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        void waiter.value.then(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }

  release(held?: Int32Array, count = 1): void {
    if (count <= 0) return;
    if (held) Atomics.sub(held, 0, count);
    Atomics.add(this.cells, 0, count);
    // One waiter per permit: waking all of them cost CPU per release (profiled:
    // vectorized at P=8 with 2,040 waiters). A wake-up lost on a dead worker's
    // waiter costs at most WAIT_MS, since every wait is bounded.
    Atomics.notify(this.cells, 0, count);
  }

  /** Returns every permit a dead worker's chunk still held. */
  reclaim(held: Int32Array): void {
    const stranded = Atomics.exchange(held, 0, 0);
    if (stranded > 0) {
      Atomics.add(this.cells, 0, stranded);
      Atomics.notify(this.cells, 0, stranded);
    }
  }
}
