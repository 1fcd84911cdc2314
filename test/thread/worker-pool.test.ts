/** The Piscina worker pool: many tasks per thread, a dying worker, an entry that cannot load, close. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * An ES module graph whose instantiation takes most of its load: `export *`
 * chains that every one of many imported names is resolved through (V8 walks
 * the chain per name), in files that are quick to read and compile.
 */
function slowToInstantiate(dir: string): string {
  const chain = 60;
  const names = Array.from({ length: 1500 }, (_, i) => `n${i}`);
  writeFileSync(join(dir, 'leaf.mjs'), names.map((n) => `export const ${n} = 1;`).join('\n'));
  for (let i = 0; i < chain; i++) {
    const next = i + 1 < chain ? `s${i + 1}` : 'leaf';
    writeFileSync(join(dir, `s${i}.mjs`), `export * from './${next}.mjs';\n`);
  }
  const entry = join(dir, 'entry.mjs');
  writeFileSync(
    entry,
    `import { ${names.join(', ')} } from './s0.mjs';\nexport default (task) => task.value + n0 + n1;\n`,
  );
  return entry;
}

test('closing pools while their workers instantiate the entry leaves the process alive (no require(esm) abort)', async () => {
  // Node 20.19+ aborted the process (FATAL ERROR: v8::Module::IsGraphAsync)
  // when a worker was terminated while require() instantiated an ES module,
  // and Piscina require()d the entry: CI lost a test file to it twice. The
  // pool now loads the entry with import() (workers/pool-boot.cjs). Each pool
  // here is closed at a different point of its workers' start, most of which
  // is instantiation; under the old loading this test file ended by SIGABRT.
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-pool-race-'));
  try {
    const entry = slowToInstantiate(dir);
    const began = performance.now();
    const whole = new WorkerPool({ entry, threads: 1 });
    try {
      assert.is(await whole.run({ value: 1 }), 3);
    } finally {
      await whole.close();
    }
    const startMs = performance.now() - began;
    for (const share of [0.2, 0.35, 0.5, 0.65, 0.8]) {
      const pool = new WorkerPool({ entry, threads: 1 });
      await new Promise((r) => setTimeout(r, startMs * share));
      await pool.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an execArgv node refuses for a worker is WORKER_START naming the file, thrown where the pool is made', () => {
  let caught: unknown;
  try {
    new WorkerPool({ entry: ENTRY, threads: 1, execArgv: ['--cpu-prof-interval'] });
  } catch (err) {
    caught = err;
  }
  assert.instance(caught, RvbbitError);
  assert.is((caught as RvbbitError).code, 'WORKER_START');
  assert.match((caught as RvbbitError).message, 'echo-worker.ts could not start');
  assert.match((caught as RvbbitError).message, '--cpu-prof-interval requires an argument');
});

test('close rejects every later run', async () => {
  const pool = new WorkerPool({ entry: ENTRY, threads: 1 });
  await pool.close();
  const later = await pool.run({ value: 2 }).catch((e: unknown) => e);
  assert.is(String(later), 'Error: the worker pool is closed');
});

test.run();
