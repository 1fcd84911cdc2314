/**
 * Worker for images-files.test.ts: a chat request with an image file, through
 * a client that shares the test's bound, to a simulator that never answers;
 * once the request is at the simulator (its bytes held), the thread exits
 * without giving them back, like a worker terminated mid-request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLlmClient } from '../../src/llm/client.js';
import { imageBytesHeld } from '../../src/llm/image-files.js';

const { url, folder, inFlight, marker } = workerData as {
  url: string;
  folder: string;
  inFlight: SharedArrayBuffer;
  marker: string;
};
const llm = createLlmClient({
  baseUrl: url,
  images: { folders: [folder], inFlight, maxBytes: 20 * 1024 * 1024 },
});
void llm
  .chat({ model: 'sim-small', messages: [{ role: 'user', content: `what is this? ${marker}` }] })
  .catch(() => {});
while (imageBytesHeld(inFlight) === 0) await new Promise((r) => setTimeout(r, 5));
parentPort!.postMessage('holding');
