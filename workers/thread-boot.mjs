// A worker thread's entry must be JavaScript: on Node 20 an ES import of a .ts
// module fails in a worker even with `--import tsx`, whose loader hooks do not
// reach worker threads. tsx's require hook does (the thread runs with
// `--import tsx`), so the TypeScript entry named in workerData is required,
// as Piscina did.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { workerData } from 'node:worker_threads';

createRequire(import.meta.url)(fileURLToPath(workerData.entry));
