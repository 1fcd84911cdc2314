/**
 * Liveness of `rvbbit worker` processes, kept in plain Redis keys beside the
 * queue: each worker beats a sorted set every second (score = time), with its
 * description in a hash; a worker that cannot start pushes its error onto a
 * short list the coordinator quotes when nothing takes its jobs. BullMQ's own
 * registry needs CLIENT SETNAME on every connection; this needs nothing.
 */
import {
  WORKER_ERRORS_KEY,
  WORKER_INFO_KEY,
  WORKER_STALE_MS,
  WORKERS_KEY,
  type WorkerInfo,
  type WorkerStartError,
} from './queue-protocol.js';
import { RespClient } from './resp-client.js';

/** Startup errors older than this are not quoted. */
const ERRORS_KEPT_MS = 10 * 60_000;

export async function beat(client: RespClient, info: WorkerInfo): Promise<void> {
  await Promise.all([
    client.send('ZADD', [WORKERS_KEY, String(Date.now()), info.id]),
    client.send('HSET', [WORKER_INFO_KEY, info.id, JSON.stringify(info)]),
  ]);
}

/** Takes the worker out of the registry (a clean exit). */
export async function leave(client: RespClient, id: string): Promise<void> {
  await Promise.all([client.send('ZREM', [WORKERS_KEY, id]), client.send('HDEL', [WORKER_INFO_KEY, id])]);
}

/** Workers that beat within WORKER_STALE_MS. */
export async function liveWorkers(client: RespClient): Promise<WorkerInfo[]> {
  const now = Date.now();
  const ids = (await client.send('ZRANGEBYSCORE', [WORKERS_KEY, String(now - WORKER_STALE_MS), '+inf'])) as
    | string[]
    | null;
  if (!ids || ids.length === 0) return [];
  const infos = (await client.send('HMGET', [WORKER_INFO_KEY, ...ids])) as (string | null)[];
  return infos.filter((s): s is string => typeof s === 'string').map((s) => JSON.parse(s) as WorkerInfo);
}

export async function recentStartErrors(client: RespClient): Promise<WorkerStartError[]> {
  const items = ((await client.send('LRANGE', [WORKER_ERRORS_KEY, '0', '4'])) as string[] | null) ?? [];
  const since = Date.now() - ERRORS_KEPT_MS;
  return items.map((s) => JSON.parse(s) as WorkerStartError).filter((e) => e.at >= since);
}

/**
 * A worker that cannot start tells the coordinators why (best effort: Redis
 * may be the thing that is wrong). Never holds the API key: the message is
 * the worker's own error text.
 */
export async function reportStartError(url: string, report: WorkerStartError): Promise<void> {
  const client = new RespClient(url);
  try {
    await client.connect();
    await client.send('LPUSH', [WORKER_ERRORS_KEY, JSON.stringify(report)]);
    await client.send('LTRIM', [WORKER_ERRORS_KEY, '0', '19']);
    await client.send('PEXPIRE', [WORKER_ERRORS_KEY, String(ERRORS_KEPT_MS)]);
  } catch {
    // Nothing to tell anyone through: the worker's stderr has it.
  } finally {
    client.close();
  }
}

/** "host-a:123: no LLM provider configured…" lines for an error message. */
export function describeStartErrors(errors: readonly WorkerStartError[]): string {
  if (errors.length === 0) return '';
  const lines = errors.map((e) => `worker ${e.id} could not start: ${e.error}`);
  return ` Recent worker errors: ${lines.join('; ')}`;
}
