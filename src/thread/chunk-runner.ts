/**
 * Where the row dispatcher (row-dispatch.ts) sends a chunk of cache misses:
 * the local Piscina pool (cascade-pool.ts), or, with a queue configured, the
 * BullMQ chunk queue that `rvbbit worker` processes on other hosts consume
 * (scale/queue-runner.ts). One dispatcher either way: the runner only runs
 * chunks; cache, logs, windows and reassembly stay in the dispatcher.
 */
import type { CascadeHost } from '../cascade/host.js';
import type { ChunkResult, ChunkTask } from './chunk-protocol.js';

export interface ChunkRunner {
  /** Worker threads behind the runner; chunk sizes and windows are sized from it. */
  readonly threads: number;
  /** Runs one chunk. With a `host`, the chunk's `sql_data` cells query it. */
  run(task: ChunkTask, host?: CascadeHost): Promise<ChunkResult>;
  /** Rows per chunk at PARALLEL `parallel`, when the runner needs its own (default: dispatch-spec chunkSizeFor). */
  chunkSizeFor?(parallel: number): number;
}

/** EXPLAIN's lines for the distributed path. */
export interface DistributedPlan {
  readonly distributed: string;
  readonly workers: string;
  readonly rate?: string;
  readonly chunk_size: string;
}
