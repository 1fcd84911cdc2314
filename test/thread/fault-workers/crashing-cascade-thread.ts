/**
 * A cascade pool worker entry for tests: workers/cascade-thread.ts, except
 * that a task carrying `crashes` (a shared Int32 counter the test's runner
 * adds, test/thread/runner-faults.ts) makes the worker die mid-chunk while the
 * counter is above zero, one death per attempt.
 */
import type { ChunkTask, PackedChunkResult } from '../../../src/thread/chunk-protocol.js';
import runPackedChunk from '../../../workers/cascade-thread.js';

export default async function crashingChunk(
  task: ChunkTask & { readonly crashes?: SharedArrayBuffer },
): Promise<PackedChunkResult> {
  if (task.crashes && Atomics.sub(new Int32Array(task.crashes), 0, 1) > 0) {
    setTimeout(() => process.exit(70), 5);
  }
  return runPackedChunk(task);
}
