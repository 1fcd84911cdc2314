/**
 * Entry of the pool's worker threads (src/exec/thread-pool.ts): every
 * `{ id, task }` message is one chunk, run at once alongside the others, and
 * answered with `{ id, result }`. runChunk never throws (rows fail as data);
 * if it somehow does, the error goes back as `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../src/errors.js';
import type { TaskReply } from '../src/exec/thread-pool.js';
import type { ChunkTask } from '../src/thread/chunk-protocol.js';
import runChunk from './cascade-worker.js';

const port = parentPort!;
port.on('message', (msg: { id: number; task: ChunkTask }) => {
  runChunk(msg.task).then(
    (result) => port.postMessage({ id: msg.id, result } satisfies TaskReply),
    (err: unknown) => port.postMessage({ id: msg.id, error: errorMessage(err) } satisfies TaskReply),
  );
});
// The module loaded: from here on, an exit is a crash, not a build that cannot start.
port.postMessage({ ready: true } satisfies TaskReply);
