/**
 * The PARALLEL semaphore on its own: the bound is exact, waiters are served in
 * order by local hand-over (but never while another thread waits), an abort rejects only its own waiters, and a dead
 * chunk's permits come back. A leased semaphore (the queue workers') counts
 * its waiting rows for the leaseholder and hands a released permit to the
 * next row only while the leaseholder allows it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAbortBuffer, raiseAbort, signalFor } from '../../src/thread/abort-flag.js';
import {
  createLeasedSemaphoreBuffer,
  createSemaphoreBuffer,
  RETURNED,
  REUSE,
  SharedSemaphore,
  WAITING,
} from '../../src/thread/shared-semaphore.js';

const permitsLeft = (buffer: SharedArrayBuffer) => Atomics.load(new Int32Array(buffer), 0);

test('never more than n holders, and every waiter runs, in arrival order', async () => {
  const buffer = createSemaphoreBuffer(3);
  const sem = SharedSemaphore.of(buffer);
  let inside = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      await sem.acquire();
      order.push(i);
      inside++;
      most = Math.max(most, inside);
      await new Promise((r) => setTimeout(r, 1 + (i % 3)));
      inside--;
      sem.release();
    }),
  );
  assert.is(most, 3);
  assert.equal(
    order,
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.is(permitsLeft(buffer), 3);
});

test('one semaphore per buffer in a thread', () => {
  const buffer = createSemaphoreBuffer(1);
  assert.is(SharedSemaphore.of(buffer), SharedSemaphore.of(buffer));
  assert.is.not(SharedSemaphore.of(buffer), SharedSemaphore.of(createSemaphoreBuffer(1)));
});

test('a buffer as a worker receives it (a new object over the same memory) finds the same semaphore and signal', async () => {
  // Every chunk task a worker receives deserialises new buffer objects: keyed by
  // object, each chunk built its own semaphore and abort signal, kept until the statement ended.
  const parallel = createSemaphoreBuffer(2);
  const control = createAbortBuffer();
  const [parallelAgain, controlAgain] = structuredClone([parallel, control]);
  assert.is.not(parallelAgain, parallel);
  assert.is(SharedSemaphore.of(parallelAgain), SharedSemaphore.of(parallel));
  const signal = signalFor(control);
  assert.is(signalFor(controlAgain), signal);
  raiseAbort(controlAgain);
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(signal.aborted);
  // The statement is over: its entry is gone, and asking again gives an aborted signal.
  assert.is.not(signalFor(control), signal);
  assert.ok(signalFor(control).aborted);
});

test('held counts follow a permit handed from one chunk to another', async () => {
  const buffer = createSemaphoreBuffer(1);
  const sem = SharedSemaphore.of(buffer);
  const a = new Int32Array(new SharedArrayBuffer(4));
  const b = new Int32Array(new SharedArrayBuffer(4));
  await sem.acquire(undefined, a);
  const waiting = sem.acquire(undefined, b);
  assert.equal([a[0], b[0]], [1, 0]);
  sem.release(a);
  await waiting;
  assert.equal([a[0], b[0], permitsLeft(buffer)], [0, 1, 0]);
  // Chunk b's worker dies holding the permit: reclaim gives it back.
  sem.reclaim(b);
  assert.equal([b[0], permitsLeft(buffer)], [0, 1]);
});

test('an abort rejects the waiters of that signal only', async () => {
  const buffer = createSemaphoreBuffer(1);
  const sem = SharedSemaphore.of(buffer);
  await sem.acquire();
  const one = new AbortController();
  const other = new AbortController();
  const cancelled = sem.acquire(one.signal).then(
    () => 'acquired',
    (e: Error) => e.message,
  );
  const kept = sem.acquire(other.signal).then(() => 'acquired');
  one.abort(new Error('cancelled'));
  assert.is(await cancelled, 'cancelled');
  sem.release();
  assert.is(await kept, 'acquired');
  sem.release();
  assert.is(permitsLeft(buffer), 1);
  const late = await sem.acquire(one.signal).then(
    () => 'acquired',
    (e: Error) => e.message,
  );
  assert.is(late, 'cancelled');
  assert.is(permitsLeft(buffer), 1);
});

test('a permit released by another thread wakes the waiting thread', async () => {
  const buffer = createSemaphoreBuffer(0);
  const sem = SharedSemaphore.of(buffer);
  let got = false;
  const waiting = sem.acquire().then(() => {
    got = true;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.is(got, false);
  // What a release in another thread does: the shared count goes up and a pump is notified.
  new SharedSemaphore(buffer).release();
  await waiting;
  assert.is(got, true);
  assert.is(permitsLeft(buffer), 0);
});

test("while another thread waits, a release goes to it, not to this thread's next row", async () => {
  // Two semaphores over one buffer stand for two threads. Before, a thread with a
  // queue handed every permit it released to its own next row, and the other
  // thread's rows waited until that queue ran dry (a streamed MAP's row 0 among them).
  const buffer = createSemaphoreBuffer(2);
  const a = SharedSemaphore.of(buffer);
  const b = new SharedSemaphore(buffer);
  await a.acquire();
  await a.acquire();
  const served: string[] = [];
  const bWaits = b.acquire().then(() => served.push('b'));
  await new Promise((r) => setTimeout(r, 10));
  const aWait = Array.from({ length: 5 }, (_, i) => a.acquire().then(() => served.push(`a${i}`)));
  await new Promise((r) => setTimeout(r, 10));
  a.release();
  // Bounded, so the old behaviour fails here instead of hanging: b was never served while a's rows waited.
  await Promise.race([bWaits, new Promise((r) => setTimeout(r, 2000))]);
  assert.equal(served, ['b']);
  // With no other thread waiting, a's releases serve a's rows in order again.
  a.release();
  b.release();
  for (let i = 0; i < 5; i++) {
    await aWait[i];
    a.release();
  }
  assert.equal(served, ['b', 'a0', 'a1', 'a2', 'a3', 'a4']);
  assert.is(permitsLeft(buffer), 2);
});

test('leased: rows wait for granted permits; a release goes back to the leaseholder unless REUSE', async () => {
  const buffer = createLeasedSemaphoreBuffer();
  const cells = new Int32Array(buffer, 0, REUSE + 1);
  const sem = SharedSemaphore.of(buffer);
  const started: number[] = [];
  const controller = new AbortController();
  const rows = [0, 1, 2].map((i) =>
    sem.acquire(i === 2 ? controller.signal : undefined).then(
      () => started.push(i),
      () => started.push(-i),
    ),
  );
  assert.is(Atomics.load(cells, WAITING), 3);
  // The leaseholder grants one: the first row runs.
  Atomics.add(cells, 0, 1);
  Atomics.notify(cells, 0);
  await rows[0];
  assert.equal(started, [0]);
  assert.is(Atomics.load(cells, WAITING), 2);
  // Not within its share: the permit goes back to the leaseholder, no row gets it here.
  sem.release();
  assert.is(Atomics.load(cells, RETURNED), 1);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(started, [0]);
  // Within its share: the next release goes straight to the next row.
  Atomics.store(cells, REUSE, 1);
  Atomics.add(cells, 0, 1);
  Atomics.notify(cells, 0);
  await rows[1];
  sem.release();
  assert.is(Atomics.load(cells, RETURNED), 1);
  await rows[2];
  assert.equal(started, [0, 1, 2]);
  assert.is(Atomics.load(cells, WAITING), 0);
  // An aborted waiter is no longer counted as waiting.
  const late = sem.acquire(controller.signal).catch(() => 'aborted');
  assert.is(Atomics.load(cells, WAITING), 1);
  controller.abort();
  assert.is(await late, 'aborted');
  assert.is(Atomics.load(cells, WAITING), 0);
});

test.run();
