import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SyncRunner } from '../../src/semantic/sync-runner.js';
import { createAbortBuffer } from '../../src/thread/abort-flag.js';
import type { ChunkTask } from '../../src/thread/chunk-protocol.js';
import { createSemaphoreBuffer } from '../../src/thread/shared-semaphore.js';

test('a sync worker that dies mid-call fails the call within seconds instead of blocking', async () => {
  const runner = await SyncRunner.start({ baseUrl: 'http://127.0.0.1:9/v1', defaultModel: 'sim-small' });
  // Zero permits: the row waits, so the crash hook fires while the call is in flight.
  const task: ChunkTask = {
    chunkIndex: 0,
    cascadePath: new URL('../fixtures/cascades/engine/label.yaml', import.meta.url).pathname,
    rows: [{ index: 0, inputs: { text: 'x' } }],
    parallelBuffer: createSemaphoreBuffer(0),
    heldBuffer: new SharedArrayBuffer(4),
    abortBuffer: createAbortBuffer(),
    sessionPrefix: 'udf',
    crashOnChunk: 0,
  };
  const t0 = Date.now();
  try {
    runner.run(task);
    assert.unreachable('the call should fail');
  } catch (err) {
    assert.is((err as { code: string }).code, 'SYNC_WORKER_DIED');
  }
  const waited = Date.now() - t0;
  assert.ok(waited >= 3000 && waited < 6000, `failed after ${waited} ms`);
  await runner.close();
});

test.run();
