/**
 * Sync-over-async from the main thread (the synckit technique): a DuckDB
 * function cannot await, so it posts a chunk task to a dedicated worker
 * thread, blocks in Atomics.wait on a shared flag (allowed on Node's main
 * thread), and reads the reply with receiveMessageOnPort. While it waits the
 * event loop is stopped: the sequential strategies are slow by design.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { RvbbitError } from '../../../../base/errors.js';
import { startEntryWorker } from '../../../runtime/entry-worker.js';
import type { ChunkResult, ChunkTask, WorkerLlmConfig } from '../../../thread/chunk-protocol.js';
import type { EngineWorkerData } from '../../../thread/worker-entry.js';

/** A chunk that takes longer than this is reported instead of hanging the process. */
const DEADLINE_MS = 10 * 60_000;
/**
 * The worker bumps a heartbeat from its event loop (which runs even while it
 * waits on HTTP); no beat for this long means it died, and the blocked main
 * thread fails the call instead of waiting out the deadline.
 */
const SILENCE_MS = 3000;

export class SyncRunner {
  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly flag: Int32Array,
  ) {}

  /** Starts the worker and waits until it listens (asynchronously, before any blocking). */
  static async start(llm: WorkerLlmConfig): Promise<SyncRunner> {
    const { port1, port2 } = new MessageChannel();
    // [0] reply ready, [1] heartbeat counter.
    const flag = new SharedArrayBuffer(8);
    const { worker } = startEntryWorker('workers/semantic-sync-worker.ts', {
      workerData: { port: port2, flag, llm } satisfies EngineWorkerData & Record<string, unknown>,
      transferList: [port2],
    });
    // Polled, not listened for: a 'message' listener would consume the replies run() reads.
    let failure: unknown;
    worker.once('error', (err) => {
      failure = err;
    });
    while (!receiveMessageOnPort(port1)) {
      if (failure !== undefined) throw failure;
      await new Promise((r) => setTimeout(r, 5));
    }
    worker.unref();
    port1.unref();
    return new SyncRunner(worker, port1, new Int32Array(flag));
  }

  /** Runs one chunk task and blocks the calling (main) thread until its result is back. */
  run(task: ChunkTask): ChunkResult {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ task });
    const started = Date.now();
    let beat = Atomics.load(this.flag, 1);
    let beatAt = started;
    for (;;) {
      Atomics.wait(this.flag, 0, 0, 1000);
      const msg = receiveMessageOnPort(this.port);
      if (msg) return (msg.message as { result: ChunkResult }).result;
      const now = Date.now();
      const current = Atomics.load(this.flag, 1);
      if (current !== beat) {
        beat = current;
        beatAt = now;
      } else if (now - beatAt > SILENCE_MS) {
        throw new RvbbitError(
          'SYNC_WORKER_DIED',
          `the sync worker stopped answering (no heartbeat for ${SILENCE_MS} ms) while running chunk ${task.chunkIndex}`,
        );
      }
      if (now - started > DEADLINE_MS) {
        throw new RvbbitError(
          'SYNC_WORKER_TIMEOUT',
          `the sync worker did not answer within ${DEADLINE_MS} ms`,
        );
      }
    }
  }

  async close(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }
}
