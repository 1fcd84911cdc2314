/**
 * Chunk runners for tests, wrapping a real one (thread/chunk-runner.ts): what
 * production code does not carry for them. Given to an engine through
 * EngineOptions.wrapRunner, or to a dispatcher as its context's pool.
 */
import type { CascadeHost } from '../../src/cascade/host.js';
import type { CascadePool } from '../../src/thread/cascade-pool.js';
import type { ChunkResult, ChunkTask } from '../../src/thread/chunk-protocol.js';
import type { ChunkRunner } from '../../src/thread/chunk-runner.js';

/** The worker entry whose workers die on a task carrying `crashes` (fault-workers/). */
export const CRASHING_THREAD = 'test/thread/fault-workers/crashing-cascade-thread.ts';

/** Counts the rows handed to `inner` and not back yet; `peak` is the most at once. */
export class CountingRunner implements ChunkRunner {
  peak = 0;
  private rows = 0;

  constructor(private readonly inner: ChunkRunner) {}

  get threads(): number {
    return this.inner.threads;
  }

  async run(task: ChunkTask, host?: CascadeHost): Promise<ChunkResult> {
    const n = task.rows.length;
    this.rows += n;
    this.peak = Math.max(this.peak, this.rows);
    try {
      return await this.inner.run(task, host);
    } finally {
      this.rows -= n;
    }
  }
}

/**
 * A local pool running CRASHING_THREAD: after `crash(chunk)`, the next task
 * of that chunk index has its worker die mid-chunk (on the pool's re-run too
 * if `twice`). `wrap` is what EngineOptions.wrapRunner takes.
 */
export class CrashingRunner implements ChunkRunner {
  private pending: { readonly chunk: number; readonly twice: boolean } | undefined;
  private inner: CascadePool | undefined;

  readonly wrap = (make: (workerEntry?: string) => ChunkRunner): ChunkRunner => {
    this.inner = make(CRASHING_THREAD) as CascadePool;
    return this;
  };

  /** The engine's pool, once the first chunk made it. */
  get pool(): CascadePool {
    if (!this.inner) throw new Error('no chunk has run yet');
    return this.inner;
  }

  get threads(): number {
    return this.pool.threads;
  }

  /** The next chunk `chunk` dies mid-chunk, and its re-run too if `twice`. */
  crash(chunk: number, twice = false): void {
    this.pending = { chunk, twice };
  }

  run(task: ChunkTask, host?: CascadeHost): Promise<ChunkResult> {
    const p = this.pending;
    if (!p || task.chunkIndex !== p.chunk) return this.pool.run(task, host);
    this.pending = undefined;
    const crashes = new SharedArrayBuffer(4);
    new Int32Array(crashes)[0] = p.twice ? 2 : 1;
    return this.pool.run({ ...task, crashes } as ChunkTask, host);
  }
}
