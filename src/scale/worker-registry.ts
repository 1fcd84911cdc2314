/**
 * Liveness of `rvbbit worker` processes, kept in plain Redis keys beside the
 * queue: each worker beats a sorted set every second (score = time), with its
 * description in a hash; a worker that cannot start pushes its error onto a
 * short list the coordinator quotes when nothing takes its jobs. BullMQ's own
 * registry needs CLIENT SETNAME on every connection; this needs nothing.
 */
import type { Redis } from 'ioredis';
import {
  WORKER_ERRORS_KEY,
  WORKER_INFO_KEY,
  WORKER_STALE_MS,
  WORKERS_KEY,
  type WorkerInfo,
  type WorkerStartError,
} from './queue-protocol.js';
import { openRedis } from './redis-clients.js';

/** Startup errors older than this are not quoted. */
const ERRORS_KEPT_MS = 10 * 60_000;

export async function beat(client: Redis, info: WorkerInfo): Promise<void> {
  await Promise.all([
    client.zadd(WORKERS_KEY, Date.now(), info.id),
    client.hset(WORKER_INFO_KEY, info.id, JSON.stringify(info)),
  ]);
}

/** Takes the worker out of the registry (a clean exit). */
export async function leave(client: Redis, id: string): Promise<void> {
  await Promise.all([client.zrem(WORKERS_KEY, id), client.hdel(WORKER_INFO_KEY, id)]);
}

/** Workers that beat within WORKER_STALE_MS. */
export async function liveWorkers(client: Redis): Promise<WorkerInfo[]> {
  const now = Date.now();
  const ids = await client.zrangebyscore(WORKERS_KEY, now - WORKER_STALE_MS, '+inf');
  if (ids.length === 0) return [];
  const infos = await client.hmget(WORKER_INFO_KEY, ...ids);
  return infos.filter((s): s is string => typeof s === 'string').map((s) => JSON.parse(s) as WorkerInfo);
}

export async function recentStartErrors(client: Redis): Promise<WorkerStartError[]> {
  const items = await client.lrange(WORKER_ERRORS_KEY, 0, 4);
  const since = Date.now() - ERRORS_KEPT_MS;
  return items.map((s) => JSON.parse(s) as WorkerStartError).filter((e) => e.at >= since);
}

/**
 * A worker that cannot start tells the coordinators why (best effort: Redis
 * may be the thing that is wrong). Never holds the API key: the message is
 * the worker's own error text.
 */
export async function reportStartError(url: string, report: WorkerStartError): Promise<void> {
  const client = await openRedis(url).catch(() => undefined);
  // No client: nothing to tell anyone through; the worker's stderr has it.
  if (!client) return;
  try {
    await client
      .multi()
      .lpush(WORKER_ERRORS_KEY, JSON.stringify(report))
      .ltrim(WORKER_ERRORS_KEY, 0, 19)
      .pexpire(WORKER_ERRORS_KEY, ERRORS_KEPT_MS)
      .exec();
  } catch {
    // Best effort, as above.
  } finally {
    client.disconnect();
  }
}

/** "host-a:123: no LLM provider configured…" lines for an error message. */
export function describeStartErrors(errors: readonly WorkerStartError[]): string {
  if (errors.length === 0) return '';
  const lines = errors.map((e) => `worker ${e.id} could not start: ${e.error}`);
  return ` Recent worker errors: ${lines.join('; ')}`;
}
