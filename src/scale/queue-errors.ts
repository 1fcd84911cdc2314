/**
 * The errors that stop a distributed statement when its queue fails under it
 * (queue-link.ts's health check): each says what happened, where, and that
 * no partial result was returned.
 */
import { RvbbitError } from '../../base/errors.js';
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

/** The coordinator's own lease (chunks run here) lost its tokens or Redis: the rows it ran stopped. */
export function leaseLost(display: string, why: 'gone' | 'away', awayMs: number): RvbbitError {
  const what =
    why === 'gone'
      ? `the statement's PARALLEL tokens vanished from the chunk queue's Redis at ${display} (it restarted mid-statement)`
      : `lost the chunk queue's Redis at ${display} for ${Math.round(awayMs / 100) / 10} s`;
  return new RvbbitError(
    'QUEUE_UNAVAILABLE',
    `${what}; the rows running on this host under them stopped, so the statement stopped rather than return part of its rows`,
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
