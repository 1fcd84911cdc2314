/** Worker for shared-gate.test.ts: runs `calls` chats through a gate rebuilt from the shared buffer. */
import { parentPort, workerData } from 'node:worker_threads';
import { createLlmClient } from '../../src/llm/client.js';
import { SharedGate } from '../../src/llm/shared-gate.js';

const { buffer, url, calls, id, grabAndDie } = workerData as {
  buffer: SharedArrayBuffer;
  url: string;
  calls: number;
  id: number;
  grabAndDie?: number;
};
if (grabAndDie) {
  // Take slots and exit without returning them, like a worker that crashes mid-call.
  const gate = SharedGate.fromBuffer(buffer);
  for (let i = 0; i < grabAndDie; i++) await gate.acquire();
  process.exit(1);
}
const llm = createLlmClient({
  baseUrl: url,
  gate: SharedGate.fromBuffer(buffer),
  retries: 10,
  backoff: { baseMs: 5, maxMs: 50 },
});
const results = await Promise.all(
  Array.from({ length: calls }, (_, i) =>
    llm.chat({ model: 'sim-small', messages: [{ role: 'user', content: `worker ${id} call ${i}` }] }),
  ),
);
await llm.close();
parentPort!.postMessage({ id, done: results.length });
