/**
 * A counting semaphore in a SharedArrayBuffer: PARALLEL n is an exact bound on
 * cascade runs in flight across every worker thread of a statement.
 */
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

  /** Waits for a permit; rejects if `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const available = Atomics.load(this.cells, 0);
      if (available > 0) {
        if (Atomics.compareExchange(this.cells, 0, available, available - 1) === available) return;
        continue;
      }
      const waiter = Atomics.waitAsync(this.cells, 0, available);
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

  release(): void {
    Atomics.add(this.cells, 0, 1);
    Atomics.notify(this.cells, 0, 1);
  }
}
