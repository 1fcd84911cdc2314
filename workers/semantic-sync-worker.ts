/**
 * The sync strategies' worker: the main thread, blocked inside a DuckDB
 * function, posts one chunk task and waits on a shared flag; this thread runs
 * the chunk with the same code as the pool's workers (every row under the
 * statement's PARALLEL semaphore), posts the result and wakes the main thread.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import type { ChunkTask } from '../src/thread/chunk-protocol.js';
import runChunk from './cascade-worker.js';

const { port, flag } = workerData as { port: MessagePort; flag: SharedArrayBuffer };
const cell = new Int32Array(flag);

port.on('message', (msg: { task: ChunkTask }) => {
  void runChunk(msg.task).then((result) => {
    port.postMessage({ result });
    Atomics.store(cell, 0, 1);
    Atomics.notify(cell, 0);
  });
});
// Heartbeat: the blocked main thread reads it to tell a slow call from a dead worker.
setInterval(() => Atomics.add(cell, 1, 1), 250).unref();
port.postMessage({ ready: true });
