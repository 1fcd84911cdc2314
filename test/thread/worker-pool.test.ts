/** The Piscina worker pool: many tasks per thread, a dying worker, an entry that cannot load, close. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RvbbitError } from '../../base/errors.js';
import { WorkerPool } from '../../src/thread/worker-pool.js';

const ENTRY = 'test/fixtures/workers/echo-worker.ts';

test('many tasks at once on two threads: every answer goes back to its own task', async () => {
  const pool = new WorkerPool({ entry: ENTRY, threads: 2 });
  try {
    const values = Array.from({ length: 200 }, (_, i) => i);
    // Reversed delays: answers arrive in the opposite order of the requests.
    const results = await Promise.all(values.map((v) => pool.run({ value: v, delayMs: (200 - v) % 7 })));
    assert.equal(
      results,
      values.map((v) => v * 2),
    );
    assert.is(pool.threadIds().length, 2);
  } finally {
    await pool.close();
  }
});

test('a worker that exits fails the tasks it held, is reported once, and the next task runs on a fresh worker', async () => {
  const gone: number[] = [];
  const pool = new WorkerPool({ entry: ENTRY, threads: 1, onThreadGone: (id) => gone.push(id) });
  try {
    assert.is(await pool.run({ value: 1 }), 2);
    const [first] = pool.threadIds();
    const slow = pool.run({ value: 1, delayMs: 500 });
    const dying = pool.run({ value: 2, exit: 70 });
    const outcomes = await Promise.allSettled([slow, dying]);
    for (const o of outcomes) {
      assert.is(o.status, 'rejected');
      assert.match(String((o as PromiseRejectedResult).reason), 'worker exited with code: 70');
    }
    assert.equal(gone, [first]);
    assert.is(await pool.run({ value: 21 }), 42);
    const [second] = pool.threadIds();
    assert.is.not(second, first);
  } finally {
    await pool.close();
  }
});

test('a task that throws rejects that task only', async () => {
  const pool = new WorkerPool({ entry: ENTRY, threads: 1 });
  try {
    const [bad, good] = await Promise.allSettled([
      pool.run({ value: 1, throw: 'no such row' }),
      pool.run({ value: 4 }),
    ]);
    assert.is(bad.status, 'rejected');
    assert.match(String((bad as PromiseRejectedResult).reason), 'no such row');
    assert.equal(good, { status: 'fulfilled', value: 8 });
  } finally {
    await pool.close();
  }
});

test('an entry that cannot load fails tasks with WORKER_START naming the file, and does not respawn forever', async () => {
  const gone: number[] = [];
  const pool = new WorkerPool({
    entry: 'test/exec/no-such-worker.ts',
    threads: 1,
    onThreadGone: (id) => gone.push(id),
  });
  try {
    const err = await pool.run({ value: 1 }).catch((e: unknown) => e);
    assert.instance(err, RvbbitError);
    assert.is((err as RvbbitError).code, 'WORKER_START');
    assert.match(String(err), /a worker thread could not load \/\S+\/test\/exec\/no-such-worker\.ts: /);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(gone.length <= 2, `${gone.length} workers started and died`);
  } finally {
    await pool.close();
  }
});

test('close rejects every later run', async () => {
  const pool = new WorkerPool({ entry: ENTRY, threads: 1 });
  await pool.close();
  const later = await pool.run({ value: 2 }).catch((e: unknown) => e);
  assert.is(String(later), 'Error: the worker pool is closed');
});

test.run();
