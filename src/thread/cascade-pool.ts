/**
 * The cascade workers: a WorkerPool (Piscina) whose tasks are chunks of rows.
 * A chunk's result crosses back as one packed payload (its JSON text: one
 * string to clone, not thousands of small objects for the main thread's
 * young generation to trace and promote) and is unpacked here. Workers never
 * throw, so a rejected task means the worker itself died: the chunk is re-run
 * once on a fresh worker, and a second death fails its rows with a clear
 * error instead of losing them.
 *
 * The text comes in an envelope that is emptied once read. Piscina resolves
 * a promise it made when the task was sent; by the time a chunk is done that
 * promise (and its task record) has mostly been promoted to V8's old
 * generation, where, dead, it keeps its value alive until a full GC. Resolved with the bare string, every
 * chunk's text was promoted: a 100k-row stream's main heap peaked at 41 MB
 * (old space 24 MB) against 34 MB (18 MB) with the envelope emptied
 * (bench/map.bench.ts memory). A moved ArrayBuffer of UTF-8 instead measured
 * the same RSS, with an encode and a decode more per chunk.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import type { CascadeHost } from '../cascade/host.js';
import type { ChunkResult, ChunkTask, PackedChunkResult, WorkerLlmConfig } from './chunk-protocol.js';
import { failedOutcome } from './chunk-protocol.js';
import type { ChunkRunner } from './chunk-runner.js';
import { serveHost } from './host-channel.js';
import { SharedSemaphore } from './shared-semaphore.js';
import type { EngineWorkerData } from './worker-entry.js';
import { isWorkerStartFailure, WorkerPool } from './worker-pool.js';

const WORKER_ENTRY = 'workers/cascade-thread.ts';

export interface CascadePoolOptions {
  /** How the workers reach the LLM: sent to each worker once. */
  readonly llm: WorkerLlmConfig;
  readonly threads?: number;
  /** The workers' entry module (default workers/cascade-thread.ts); tests give one that wraps it. */
  readonly entry?: string;
  /**
   * Called with the threadId of every worker that goes away, before its tasks
   * are failed: the engine returns the LLM gate slots that thread still held.
   */
  readonly onWorkerGone?: (threadId: number) => void;
}

export class CascadePool implements ChunkRunner {
  private readonly pool: WorkerPool;
  readonly threads: number;

  constructor(options: CascadePoolOptions) {
    this.threads = options.threads ?? defaultThreads();
    this.pool = new WorkerPool({
      entry: options.entry ?? WORKER_ENTRY,
      threads: this.threads,
      workerData: { llm: options.llm } satisfies EngineWorkerData,
      onThreadGone: options.onWorkerGone,
    });
  }

  /**
   * Runs one chunk, again on a fresh worker if the first one dies. With a
   * `host`, the chunk's `sql_data` cells query it over a channel of their own
   * (thread/host-channel.ts).
   */
  async run(task: ChunkTask, host?: CascadeHost): Promise<ChunkResult> {
    try {
      return await this.attempt(task, host);
    } catch (first) {
      // A build that cannot load fails the statement once; re-running would only fail again.
      if (isWorkerStartFailure(first)) throw first;
      try {
        return await this.attempt({ ...task, heldBuffer: new SharedArrayBuffer(4) }, host);
      } catch (second) {
        if (isWorkerStartFailure(second)) throw second;
        const why = `worker thread died twice running chunk ${task.chunkIndex} (${describe(first)}; then ${describe(second)})`;
        return {
          chunkIndex: task.chunkIndex,
          rows: task.rows.map((r) => failedOutcome(r.index, 'WORKER_DIED', why)),
        };
      }
    }
  }

  /** One try on some worker; if that worker dies, the permits its rows held go back. */
  private async attempt(task: ChunkTask, host: CascadeHost | undefined): Promise<ChunkResult> {
    // A port moves to one worker only: every attempt gets a channel of its own.
    const channel = host ? new MessageChannel() : undefined;
    if (channel && host) serveHost(channel.port1, host);
    try {
      const sent = channel ? { ...task, hostPort: channel.port2 } : task;
      const packed = await this.pool.run<PackedChunkResult>(sent, channel ? [channel.port2] : undefined);
      const { json } = packed;
      packed.json = '';
      return JSON.parse(json) as ChunkResult;
    } catch (err) {
      new SharedSemaphore(task.parallelBuffer).reclaim(new Int32Array(task.heldBuffer));
      throw err;
    } finally {
      channel?.port1.close();
    }
  }

  threadIds(): number[] {
    return this.pool.threadIds();
  }

  async close(): Promise<void> {
    await this.pool.close();
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
