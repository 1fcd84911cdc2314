/**
 * What a pool worker's entry module and the pool agree on: the per-engine
 * configuration every worker gets once, in `workerData`, and the message an
 * entry posts when its module has loaded (a worker that fails before that
 * could not load its code: a broken build, not a crash to re-run).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerLlmConfig } from './chunk-protocol.js';

/** A pool worker's `workerData`. */
export interface EngineWorkerData {
  readonly llm: WorkerLlmConfig;
}

const LOADED = 'rvbbitWorkerLoaded';

/** Called at the top level of an entry module: it loaded. */
export function announceLoaded(): void {
  parentPort?.postMessage({ [LOADED]: true });
}

export function isLoadedAnnouncement(message: unknown): boolean {
  return typeof message === 'object' && message !== null && LOADED in message;
}

/** The engine's configuration in this worker thread. */
export function engineWorkerData(): EngineWorkerData {
  return workerData as EngineWorkerData;
}
