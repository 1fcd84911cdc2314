/**
 * The errors that stop a distributed statement when its queue fails under it
 * (queue-link.ts's health check): each says what happened, where, and that
 * no partial result was returned.
 */
import { RvbbitError } from '../errors.js';
import type { WorkerStartError } from './queue-protocol.js';
import { errText } from './wait-helpers.js';
import { describeStartErrors } from './worker-registry.js';

/** A restarted Redis (without persistence) lost the queued jobs: their results will never come. */
export function redisRestarted(display: string, waiting: number): RvbbitError {
  return new RvbbitError(
    'QUEUE_UNAVAILABLE',
    `the chunk queue's Redis at ${display} restarted mid-statement; ` +
      `${waiting} chunk(s) may have been lost with it, so the statement stopped rather than return part of its rows`,
  );
}

export function redisLost(display: string, downMs: number, err: unknown, waiting: number): RvbbitError {
  return new RvbbitError(
    'QUEUE_UNAVAILABLE',
    `lost the chunk queue's Redis at ${display} for ${Math.round(downMs / 100) / 10} s (${errText(err)}); ` +
      `${waiting} chunk(s) had no result, so the statement stopped rather than return part of its rows`,
  );
}

export function noWorker(
  display: string,
  limitMs: number,
  startErrors: readonly WorkerStartError[],
): RvbbitError {
  return new RvbbitError(
    'QUEUE_NO_WORKER',
    `no rvbbit worker took this statement's chunks from ${display} in ${Math.round(limitMs / 100) / 10} s; ` +
      `start one with: rvbbit worker --redis ${display}.${describeStartErrors(startErrors)}`,
  );
}
