/**
 * Entry of the cascade pool's worker threads (src/thread/cascade-pool.ts, on
 * Piscina): every task is one chunk, run at once alongside the others. The
 * result goes back packed, as its JSON text in an envelope (see
 * cascade-pool.ts). runChunk never throws: rows fail as data.
 */
import type { ChunkTask, PackedChunkResult } from '../src/thread/chunk-protocol.js';
import { announceLoaded } from '../src/thread/worker-entry.js';
import runChunk from './cascade-worker.js';

export default async function runPackedChunk(task: ChunkTask): Promise<PackedChunkResult> {
  return { json: JSON.stringify(await runChunk(task)) };
}

// The module loaded: from here on, a worker that goes away crashed.
announceLoaded();
