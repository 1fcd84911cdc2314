/**
 * Long-lived worker threads that each run many tasks at once (their work is
 * async I/O). A task is a message `{ id, task }`; the answer is `{ id, result }`
 * or `{ id, error }`. A thread that exits fails the tasks it held, and a fresh
 * thread takes its place when the next task comes.
 *
 * Why not Piscina (the first pool): its per-task bookkeeping kept results
 * alive long enough that V8 promoted them out of the nursery. The same
 * 100,000 results of 16-row chunks through Piscina 5 and through a bare
 * Worker, in one script: 48–51 MB of 257 MB allocated promoted to the main
 * thread's old generation against 2.7 MB of 233 MB, and the nursery grew to
 * 10 MB against 1.6 MB. Promoted garbage is what grew a 100k-row MAP's heap
 * and peak RSS with N (see README, "Known limits").
 */
import type { Worker } from 'node:worker_threads';
import { RvbbitError } from '../errors.js';
import { startEntryWorker } from '../thread/entry-worker.js';

export interface ThreadPoolOptions {
  /** The worker's entry module, from the package root (see package-files.ts). */
  readonly entry: string;
  readonly threads: number;
  readonly execArgv?: readonly string[];
  /** Called with the threadId of a thread that exited, before its tasks fail. */
  readonly onThreadGone?: (threadId: number) => void;
}

interface Waiter {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** What a thread's entry posts back: `ready` once, when its module has loaded, then task replies. */
export type TaskReply =
  | { readonly ready: true }
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: string };

/**
 * A thread that exits before its entry said `ready` could not load its code
 * (a missing or corrupt build): not a crash to re-run, but the statement's
 * failure, naming the file.
 */
export function isWorkerStartFailure(err: unknown): boolean {
  return err instanceof RvbbitError && err.code === 'WORKER_START';
}

class Thread {
  readonly worker: Worker;
  readonly threadId: number;
  /**
   * Waiters by task id; ids are reused through `free`. An array, not a Map:
   * a Map rehashes its table as tasks come and go, and a dropped table in
   * V8's old generation keeps what it pointed at alive past young GCs.
   */
  private readonly waiters: (Waiter | undefined)[] = [];
  private readonly free: number[] = [];
  running = 0;
  private failure: Error | undefined;
  private ready = false;

  constructor(
    options: ThreadPoolOptions,
    private readonly onExit: (thread: Thread, error: Error) => void,
  ) {
    const { worker, file } = startEntryWorker(options.entry, {
      execArgv: [...(options.execArgv ?? [])],
    });
    this.worker = worker;
    this.threadId = this.worker.threadId;
    // Idle threads do not keep the process alive; see run().
    this.worker.unref();
    this.worker.on('message', (reply: TaskReply) => this.settle(reply));
    this.worker.on('error', (err) => {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
    });
    this.worker.on('exit', (code) => {
      const error = this.ready
        ? new Error(
            `worker thread ${this.threadId} exited (code ${code})${this.failure ? `: ${this.failure.message}` : ''}`,
          )
        : new RvbbitError(
            'WORKER_START',
            `a worker thread could not load ${file}: ${this.failure ?? `exit code ${code}`}`,
            { file },
          );
      // The pool hears first (it returns what the thread held and drops the
      // thread), so a task re-run on rejection goes to a fresh one.
      this.onExit(this, error);
      this.failAll(error);
    });
  }

  run(task: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.free.pop() ?? this.waiters.length;
      this.waiters[id] = { resolve, reject };
      if (this.running++ === 0) this.worker.ref();
      try {
        this.worker.postMessage({ id, task });
      } catch (err) {
        this.release(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  failAll(error: Error): void {
    for (let id = 0; id < this.waiters.length; id++) {
      const waiter = this.waiters[id];
      if (!waiter) continue;
      this.release(id);
      waiter.reject(error);
    }
  }

  private settle(reply: TaskReply): void {
    if ('ready' in reply) {
      this.ready = true;
      return;
    }
    const waiter = this.waiters[reply.id];
    if (!waiter) return;
    this.release(reply.id);
    if ('error' in reply) waiter.reject(new Error(reply.error));
    else waiter.resolve(reply.result);
  }

  private release(id: number): void {
    this.waiters[id] = undefined;
    this.free.push(id);
    if (--this.running === 0) this.worker.unref();
  }
}

export class ThreadPool {
  private readonly threads: Thread[] = [];
  private closed = false;

  constructor(private readonly options: ThreadPoolOptions) {
    for (let i = 0; i < options.threads; i++) this.threads.push(this.spawn());
  }

  /** Runs `task` on the thread with the fewest tasks; rejects if that thread exits first. */
  run(task: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    // Threads that exited are replaced here, on demand: replacing them at
    // exit would loop forever on an entry that cannot start.
    while (this.threads.length < this.options.threads) this.threads.push(this.spawn());
    let best = this.threads[0]!;
    for (const t of this.threads) if (t.running < best.running) best = t;
    return best.run(task);
  }

  /** threadIds of the live threads. */
  threadIds(): number[] {
    return this.threads.map((t) => t.threadId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new Error('the worker pool is closed');
    await Promise.all(
      this.threads.map((t) => {
        t.failAll(error);
        return t.worker.terminate();
      }),
    );
  }

  private spawn(): Thread {
    return new Thread(this.options, (gone) => {
      const at = this.threads.indexOf(gone);
      if (at >= 0) this.threads.splice(at, 1);
      if (!this.closed) this.options.onThreadGone?.(gone.threadId);
    });
  }
}
