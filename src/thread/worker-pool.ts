/**
 * The worker pool: Piscina, with many tasks in flight per thread (a worker's
 * work is async HTTP), per-engine configuration sent once in `workerData`,
 * and the two ways a task can fail told apart: a worker that dies mid-task
 * (the caller may re-run the task on a fresh worker) and an entry module that
 * cannot load (WORKER_START, naming the file; re-running would only fail again).
 */
import { createRequire } from 'node:module';
import type { TransferListItem } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { RvbbitError } from '../../base/errors.js';
import { entryModule, entryThreadFlags, poolBootFile } from '../runtime/package-files.js';
import { isLoadedAnnouncement } from './worker-entry.js';

export interface WorkerPoolOptions {
  /** The entry module, from the package root (see package-files.ts); it calls announceLoaded(). */
  readonly entry: string;
  readonly threads: number;
  readonly execArgv?: readonly string[];
  /** Given to every worker as its `workerData`, with `entry` (the entry module's URL) added. */
  readonly workerData?: Readonly<Record<string, unknown>>;
  /** Called with the threadId of a worker that went away, before its tasks are failed. */
  readonly onThreadGone?: (threadId: number) => void;
}

/**
 * Tasks one worker may hold. The callers bound what they dispatch (the row
 * dispatcher's window); this only has to be above it.
 */
const TASKS_PER_WORKER = 4096;

/** A worker entry that could not be loaded (see WorkerPool). */
export function isWorkerStartFailure(err: unknown): boolean {
  return err instanceof RvbbitError && err.code === 'WORKER_START';
}

/**
 * Piscina, required when the first pool is made, not imported: a start that
 * runs no chunk (plain SQL, EXPLAIN, a cached statement) never pays its load
 * (~45 ms of CPU). Its CommonJS build, so the load is synchronous.
 */
const loadPiscina = (): typeof Piscina =>
  (createRequire(import.meta.url)('piscina') as { Piscina: typeof Piscina }).Piscina;

/**
 * Piscina starts its first workers in its constructor: an option node refuses for a worker
 * (an execArgv flag it cannot take) throws there, before any task. That is a start failure too.
 */
function startPiscina(file: string, options: ConstructorParameters<typeof Piscina>[0]): Piscina {
  try {
    return new (loadPiscina())(options);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new RvbbitError('WORKER_START', `the worker threads for ${file} could not start: ${message}`, {
      file,
    });
  }
}

export class WorkerPool {
  private readonly piscina: Piscina;
  /** The entry file the workers run, for error messages. */
  readonly file: string;
  private loaded = false;
  private closed = false;

  constructor(options: WorkerPoolOptions) {
    const entry = entryModule(options.entry);
    this.file = decodeURIComponent(entry.pathname);
    this.piscina = startPiscina(this.file, {
      // Not the entry itself: Piscina would require() it (workers/pool-boot.cjs says why not).
      filename: poolBootFile(),
      minThreads: options.threads,
      maxThreads: options.threads,
      concurrentTasksPerWorker: TASKS_PER_WORKER,
      // Idle workers wait on messages, not in Atomics.wait: a worker with
      // timers or sockets still open (keep-alive) must keep its event loop.
      atomics: 'disabled',
      // Per-task run and wait histograms: nobody reads them.
      recordTiming: false,
      // From source, workers load TypeScript through tsx's require hook (see entry-worker.ts).
      execArgv: [...entryThreadFlags(options.entry), ...(options.execArgv ?? [])],
      workerData: { ...options.workerData, entry: entry.href },
    });
    this.piscina.on('message', (message: unknown) => {
      if (isLoadedAnnouncement(message)) this.loaded = true;
    });
    // A worker's threadId reads -1 once it has exited, and Piscina's event
    // gives no other name: the gone thread is the known id no longer live.
    const known = new Set<number>();
    const live = () => this.piscina.threads.map((t) => t.threadId).filter((id) => id >= 0);
    this.piscina.on('workerCreate', () => {
      for (const id of live()) known.add(id);
    });
    this.piscina.on('workerDestroy', () => {
      const now = new Set(live());
      for (const id of known) {
        if (now.has(id)) continue;
        known.delete(id);
        options.onThreadGone?.(id);
      }
    });
    // A worker error with no task to fail is reported here; tasks see theirs.
    this.piscina.on('error', () => undefined);
  }

  /** Runs `task` on the least busy worker; rejects if that worker dies or the entry cannot load. */
  async run<T>(task: unknown, transferList?: readonly TransferListItem[]): Promise<T> {
    if (this.closed) throw new Error('the worker pool is closed');
    try {
      return (await this.piscina.run(task, transferList ? { transferList: [...transferList] } : {})) as T;
    } catch (err) {
      throw this.classify(err);
    }
  }

  threadIds(): number[] {
    return this.piscina.threads.map((t) => t.threadId);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.piscina.destroy();
  }

  /** A task error from a pool whose workers never loaded their entry is a start failure. */
  private classify(err: unknown): unknown {
    if (this.closed) return new Error('the worker pool is closed');
    const message =
      err instanceof Error ? `${err.name === 'Error' ? 'Error' : err.name}: ${err.message}` : String(err);
    if (this.loaded || /worker exited with code/.test(message)) return err;
    return new RvbbitError('WORKER_START', `a worker thread could not load ${this.file}: ${message}`, {
      file: this.file,
    });
  }
}
