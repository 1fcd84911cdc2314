/**
 * A counting semaphore in a SharedArrayBuffer: PARALLEL n is an exact bound on
 * cascade runs in flight across every worker thread of a statement.
 *
 * Waiters of one thread queue here, locally and in FIFO order; only one of them
 * (the pump) waits on the shared word. A release in a thread with waiters hands
 * the permit straight to the next of them, never touching the shared count. At
 * latency 0 a MAP keeps hundreds of rows waiting for permits: one Atomics wait,
 * one promise and one abort listener each (EventTarget removal scans the list)
 * made the semaphore the largest cost of a chunk after HTTP itself.
 *
 * The hand-over stops while another thread's pump waits (the PUMPS cell): the
 * permit goes to the shared count instead, where that pump takes it. Without
 * this, a thread with a queue kept every permit it had until its queue ran
 * dry, and the other thread's rows waited that long: a streamed MAP's row 0
 * sat in the starved thread while the other ran 256 of 300 rows, so the first
 * rows came out only near the end (test/server/map-streams.test.ts).
 *
 * A leased semaphore (createLeasedSemaphoreBuffer) is fed from outside the
 * threads: on an `rvbbit worker`, the permits are tokens of the statement's
 * PARALLEL that the process leases from Redis (scale/permit-lease.ts). Its
 * threads count the rows they have waiting and hand a released permit to
 * their next row only while the leaseholder allows it (REUSE: the process is
 * within its share of PARALLEL); otherwise it goes into a `returned` cell for
 * the leaseholder to give back to Redis, where the longest-waiting host gets it.
 */
import { bufferId, bufferWithId, bytesWithId } from './shared-buffer-id.js';

const WAIT_MS = 100;
/** Statements whose semaphore a thread keeps; older ones are long finished. */
const KEPT = 64;

/** The cells of a leased buffer: permits available now, then the ones below. */
const LEASED_CELLS = 5;
/** Permits released by runs, for the leaseholder to give back. */
export const RETURNED = 1;
/** Runs waiting for a permit. */
export const WAITING = 2;
/** Bumped (and notified) whenever RETURNED or WAITING changes: the leaseholder waits on it. */
export const CHANGED = 3;
/** 1 while a released permit may go straight to the thread's next waiting row (the leaseholder is within its share). */
export const REUSE = 4;
const LEASED_BYTES = bytesWithId(LEASED_CELLS);

/** The cells of a plain buffer: permits available now, then PUMPS. */
const PLAIN_CELLS = 2;
/** Threads whose pump waits on the shared count: while another thread's does, a release does not hand over locally. */
export const PUMPS = 1;

export function createSemaphoreBuffer(permits: number): SharedArrayBuffer {
  const buffer = bufferWithId(PLAIN_CELLS);
  new Int32Array(buffer)[0] = permits; // permits available now
  return buffer;
}

/** A semaphore with no permits of its own: a leaseholder grants them (see the file comment). */
export function createLeasedSemaphoreBuffer(): SharedArrayBuffer {
  return bufferWithId(LEASED_CELLS);
}

function isLeased(buffer: SharedArrayBuffer): boolean {
  return buffer.byteLength === LEASED_BYTES;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly held: Int32Array | undefined;
  readonly signal: AbortSignal | undefined;
}

const RESOLVED = Promise.resolve();
/** By the buffer's id (see shared-buffer-id.ts), oldest first. */
const semaphoresById = new Map<string, SharedSemaphore>();
/** Buffers made without an id. */
const semaphoresByBuffer = new WeakMap<SharedArrayBuffer, SharedSemaphore>();

export class SharedSemaphore {
  private readonly cells: Int32Array;
  private waiters: Waiter[] = [];
  private head = 0;
  private pumping = false;
  /** Whether this thread's pump is counted in PUMPS (waiting on the shared count). */
  private pumpWaits = false;
  private readonly watched = new WeakSet<AbortSignal>();

  /** This thread's semaphore over `buffer` (one per thread, so its waiters share a queue). */
  static of(buffer: SharedArrayBuffer): SharedSemaphore {
    const id = bufferId(buffer, isLeased(buffer) ? LEASED_CELLS : PLAIN_CELLS);
    let s = id === undefined ? semaphoresByBuffer.get(buffer) : semaphoresById.get(id);
    if (s) return s;
    s = new SharedSemaphore(buffer);
    if (id === undefined) semaphoresByBuffer.set(buffer, s);
    else {
      if (semaphoresById.size >= KEPT) semaphoresById.delete(semaphoresById.keys().next().value!);
      semaphoresById.set(id, s);
    }
    return s;
  }

  private readonly leased: boolean;

  constructor(buffer: SharedArrayBuffer) {
    this.leased = isLeased(buffer);
    this.cells = new Int32Array(buffer, 0, this.leased ? LEASED_CELLS : PLAIN_CELLS);
  }

  /**
   * Waits for a permit; rejects if `signal` aborts first. `held` counts the
   * permits of one chunk attempt, bumped in the same synchronous step as the
   * take, so a worker's exit can never strand a permit between the two.
   */
  acquire(signal?: AbortSignal, held?: Int32Array): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queued() === 0 && this.take(held)) return RESOLVED;
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject, held, signal });
      if (this.leased) this.changeLeased(WAITING, 1);
      if (signal) this.watch(signal);
      void this.pump();
    });
  }

  release(held?: Int32Array, count = 1): void {
    if (count <= 0) return;
    if (held) Atomics.sub(held, 0, count);
    if (this.leased) {
      // Within its share the leaseholder lets the thread hand a permit to its next row itself.
      const handed = Atomics.load(this.cells, REUSE) === 1 ? this.handOver(count) : 0;
      if (handed > 0) Atomics.sub(this.cells, WAITING, handed);
      if (count > handed) this.changeLeased(RETURNED, count - handed);
      return;
    }
    // Another thread's pump waits: the permit is its turn, not this thread's next row's.
    if (Atomics.load(this.cells, PUMPS) - (this.pumpWaits ? 1 : 0) <= 0) count -= this.handOver(count);
    if (count === 0) return;
    Atomics.add(this.cells, 0, count);
    // Every waiting pump is woken: the one of another thread must not sleep through its turn while this thread's takes it.
    Atomics.notify(this.cells, 0);
  }

  /** Local hand-over: up to `count` permits move from one row of this thread to the next; how many did. */
  private handOver(count: number): number {
    let handed = 0;
    while (handed < count) {
      const next = this.next();
      if (!next) break;
      if (next.held) Atomics.add(next.held, 0, 1);
      next.resolve();
      handed++;
    }
    return handed;
  }

  /** Returns every permit a dead worker's chunk still held. */
  reclaim(held: Int32Array): void {
    const stranded = Atomics.exchange(held, 0, 0);
    if (stranded > 0 && this.leased) this.changeLeased(RETURNED, stranded);
    else if (stranded > 0) {
      Atomics.add(this.cells, 0, stranded);
      Atomics.notify(this.cells, 0, stranded);
    }
  }

  /** Adds `by` to a leased buffer's cell and wakes the leaseholder. */
  private changeLeased(cell: number, by: number): void {
    Atomics.add(this.cells, cell, by);
    Atomics.add(this.cells, CHANGED, 1);
    Atomics.notify(this.cells, CHANGED);
  }

  private queued(): number {
    return this.waiters.length - this.head;
  }

  /** The oldest waiter still waiting, removed from the queue. */
  private next(): Waiter | undefined {
    if (this.head >= this.waiters.length) return undefined;
    const w = this.waiters[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
    return w;
  }

  private take(held: Int32Array | undefined): boolean {
    for (;;) {
      const available = Atomics.load(this.cells, 0);
      if (available <= 0) return false;
      if (Atomics.compareExchange(this.cells, 0, available, available - 1) === available) {
        if (held) Atomics.add(held, 0, 1);
        return true;
      }
    }
  }

  /** Serves the local queue from the shared count, waiting on the word when it is empty. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queued() > 0) {
        const head = this.waiters[this.head]!;
        if (this.take(head.held)) {
          this.next();
          // Served: one less to lease for (no wake-up: the leaseholder acts on more demand, not less).
          if (this.leased) Atomics.sub(this.cells, WAITING, 1);
          head.resolve();
          continue;
        }
        this.countPump(true);
        // Bounded wait: a wake-up spent on a thread that just died is never
        // fatal, the next check is at most WAIT_MS away.
        const waiter = Atomics.waitAsync(this.cells, 0, Atomics.load(this.cells, 0), WAIT_MS);
        if (waiter.async) await waiter.value;
      }
    } finally {
      this.countPump(false);
      this.pumping = false;
    }
  }

  /** Counts this thread's pump in PUMPS while it waits on the shared count (plain buffers: a leaseholder serves leased ones). */
  private countPump(waits: boolean): void {
    if (this.leased || this.pumpWaits === waits) return;
    this.pumpWaits = waits;
    Atomics.add(this.cells, PUMPS, waits ? 1 : -1);
  }

  /** One listener per signal: on abort, its waiters leave the queue with the reason. */
  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener(
      'abort',
      () => {
        const keep: Waiter[] = [];
        for (let i = this.head; i < this.waiters.length; i++) {
          const w = this.waiters[i]!;
          if (w.signal === signal) w.reject(signal.reason);
          else keep.push(w);
        }
        const left = this.queued() - keep.length;
        this.waiters = keep;
        this.head = 0;
        if (this.leased && left > 0) this.changeLeased(WAITING, -left);
      },
      { once: true },
    );
  }
}
