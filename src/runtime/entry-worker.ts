/**
 * Starts a worker thread on one of the package's entry modules (see
 * package-files.ts): the bundled `.js` when built; from source, a small
 * JavaScript boot file that requires the `.ts` entry with tsx's require hook
 * (on Node 20 tsx's ESM hooks do not reach worker threads, its require hook
 * does).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { entryLoaderFlags, entryModule, entryThreadFlags } from './package-files.js';

const SOURCE_BOOT = new URL('../../workers/thread-boot.mjs', import.meta.url);

export interface EntryWorker {
  readonly worker: Worker;
  /** The file the thread runs, for error messages. */
  readonly file: string;
}

/** `sourcePath` is relative to the package root, e.g. 'workers/cascade-thread.ts'. */
export function startEntryWorker(
  sourcePath: string,
  options: WorkerOptions & { workerData?: Record<string, unknown> } = {},
): EntryWorker {
  const entry = entryModule(sourcePath);
  const file = decodeURIComponent(entry.pathname);
  // Given in full, so that nothing else the process was started with reaches the thread.
  const execArgv = [...entryThreadFlags(sourcePath), ...(options.execArgv ?? [])];
  if (entryLoaderFlags(sourcePath).length === 0)
    return { worker: new Worker(entry, { ...options, execArgv }), file };
  const worker = new Worker(SOURCE_BOOT, {
    ...options,
    workerData: { ...options.workerData, entry: entry.href },
    execArgv,
  });
  return { worker, file };
}
