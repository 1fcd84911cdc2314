import type { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SyncRunner } from '../../src/statements/semantic/calls/sync-runner.js';
import { createAbortBuffer } from '../../src/thread/abort-flag.js';
import type { ChunkTask } from '../../src/thread/chunk-protocol.js';
import { createSemaphoreBuffer } from '../../src/thread/shared-semaphore.js';
import { mainThreadClocks, ownWallMs } from '../server/turn-clock.mjs';

test('a sync worker that dies mid-call fails the call within seconds instead of blocking', async () => {
  const runner = await SyncRunner.start({ baseUrl: 'http://127.0.0.1:9/v1', defaultModel: 'sim-small' });
  // Zero permits: the row would wait; its worker is stopped as the call is sent, so no answer ever comes.
  const task: ChunkTask = {
    chunkIndex: 0,
    spec: {
      cascade: { path: new URL('../fixtures/cascades/engine/label.yaml', import.meta.url).pathname },
      limits: { parallel: 0, cache: false },
      sessionPrefix: 'udf',
    },
    rows: [{ index: 0, inputs: { text: 'x' } }],
    parallelBuffer: createSemaphoreBuffer(0),
    heldBuffer: new SharedArrayBuffer(4),
    abortBuffer: createAbortBuffer(),
  };
  const t0 = mainThreadClocks();
  try {
    // The stop is requested at once and carried out on the worker's thread while this one blocks in run().
    void (runner as unknown as { readonly worker: Worker }).worker.terminate();
    runner.run(task);
    assert.unreachable('the call should fail');
  } catch (err) {
    assert.is((err as { code: string }).code, 'SYNC_WORKER_DIED');
  }
  const t1 = mainThreadClocks();
  const waited = t1.wallMs - t0.wallMs;
  // By this thread's own clock (less its waits for a core): the runner's 1 s polls, failing past
  // 3 s of silence, not the machine's load.
  const own = ownWallMs(t0, t1);
  assert.ok(waited >= 3000 && own < 6000, `failed after ${waited} ms (${own} ms on its own clock)`);
  await runner.close();
});

test.run();
