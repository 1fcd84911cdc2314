/**
 * The worker pool: Piscina threads that each hold many chunk tasks at once
 * (async I/O). Workers never throw, so a rejected task means the worker itself
 * died: the chunk is re-run once on a fresh worker, and a second death fails
 * its rows with a clear error instead of losing them.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { ChunkResult, ChunkTask } from './chunk-protocol.js';
import { SharedSemaphore } from './shared-semaphore.js';

const WORKER_FILE = new URL('../../workers/cascade-worker.ts', import.meta.url).href;

export interface CascadePoolOptions {
  readonly threads?: number;
  /** Chunk tasks one worker holds at once; rows inside a chunk also run concurrently. */
  readonly tasksPerWorker?: number;
  /**
   * Called with the threadId of every worker that goes away, before its tasks
   * are failed: the engine returns the LLM gate slots that thread still held.
   */
  readonly onWorkerGone?: (threadId: number) => void;
}

/** The cascade workers' young generation (V8's default is 48 MB); see the pool's options. */
const WORKER_YOUNG_GENERATION_MB = 64;

export class CascadePool {
  private readonly piscina: Piscina;
  readonly threads: number;

  constructor(options: CascadePoolOptions = {}) {
    this.threads = options.threads ?? defaultThreads();
    this.piscina = new Piscina({
      filename: WORKER_FILE,
      minThreads: this.threads,
      maxThreads: this.threads,
      concurrentTasksPerWorker: options.tasksPerWorker ?? 64,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Workers load TypeScript through tsx, like the main thread; profiling
      // flags given to the process (--cpu-prof…) reach the workers too.
      execArgv: ['--import', 'tsx', ...process.execArgv.filter((a) => a.startsWith('--cpu-prof'))],
      // A worker allocates ~20 KB per row and keeps each row's state for a few
      // ms: with V8's default nursery (48 MB young generation) it scavenged
      // every ~18 ms and promoted rows still in flight, which then cost full
      // GCs. 64 MB: measured 6% more rows/s and 6% less CPU per row at
      // latency 0 (A/B in one process, 5 trials), peak RSS of a 100k-row
      // stream 359 MB against 348.
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    const onGone = options.onWorkerGone;
    if (onGone) {
      // A dead Worker reports threadId -1, so remember ids while they are alive
      // and, when one goes, report every known id that is no longer running.
      const known = new Set<number>();
      this.piscina.on('workerCreate', (w: { id: number }) => known.add(w.id));
      this.piscina.on('workerDestroy', () => {
        const live = new Set(this.piscina.threads.map((t) => t.threadId).filter((id) => id >= 0));
        for (const id of known) {
          if (live.has(id)) continue;
          known.delete(id);
          onGone(id);
        }
      });
    }
  }

  /** Runs one chunk; `retryTask` is what to send if the first worker dies (tests drop the crash hook). */
  async run(task: ChunkTask, retryTask: ChunkTask = task): Promise<ChunkResult> {
    try {
      return await this.attempt(task);
    } catch (first) {
      try {
        return await this.attempt({ ...retryTask, heldBuffer: new SharedArrayBuffer(4) });
      } catch (second) {
        const why = `worker thread died twice running chunk ${task.chunkIndex} (${describe(first)}; then ${describe(second)})`;
        return {
          chunkIndex: task.chunkIndex,
          rows: task.rows.map((r) => ({
            index: r.index,
            ok: false,
            sessionId: '',
            errorCode: 'WORKER_DIED',
            error: why,
            calls: [],
            cost: 0,
          })),
        };
      }
    }
  }

  /** One try on some worker; if that worker dies, the permits its rows held go back. */
  private async attempt(task: ChunkTask): Promise<ChunkResult> {
    try {
      return (await this.piscina.run(task)) as ChunkResult;
    } catch (err) {
      new SharedSemaphore(task.parallelBuffer).reclaim(new Int32Array(task.heldBuffer));
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}

/**
 * One core is left to the main thread (DuckDB, reassembly, appends): on the
 * 2-core machines here, two workers plus the main thread fought for the cores
 * and MAP at latency 0 ran 15–20% slower than with one worker (bench/map.bench.ts).
 * A worker holds hundreds of calls in flight, so one is plenty for I/O-bound work.
 */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
