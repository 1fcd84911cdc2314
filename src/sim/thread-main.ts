/**
 * Entry of the simulator's worker thread (sim-thread.ts): starts the server
 * with the options in workerData, posts its {url} once it listens, and closes
 * it when the parent posts 'close'. No top-level await: from source a worker
 * entry is loaded through tsx's require hook (runtime/entry-worker.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startSimulator } from './server.js';

const port = parentPort!;
void startSimulator((workerData as { options?: object }).options ?? {}).then((sim) => {
  port.on('message', (msg: unknown) => {
    if (msg === 'close') void sim.close().then(() => port.close());
  });
  port.postMessage({ url: sim.url });
});
