/**
 * The scale-out code's Redis connections, all ioredis. Two kinds:
 *
 * - plain clients (INFO/run_id checks, the worker registry, the rate bucket,
 *   cancel pub/sub): no offline queue, so a command sent while Redis is away
 *   fails at once and the health check or the next heartbeat decides what
 *   that means, instead of commands piling up until a reconnect;
 * - BullMQ connections (`maxRetriesPerRequest: null`, which BullMQ requires
 *   for its blocking commands): one per Queue/Worker/QueueEvents. BullMQ
 *   duplicates the one given to a blocking Worker or QueueEvents and closes
 *   its duplicates itself; a Queue uses the given one as is, and its owner
 *   disconnects it.
 *
 * Both reconnect for ever, at most a second apart: how long a statement waits
 * for Redis is the queue link's redisDownMs, not the driver's. Every client
 * has an 'error' listener, since ioredis emits one per failed reconnect and an
 * unheard 'error' would end the process.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { withTimeout } from './wait-helpers.js';

/** A host that drops packets would leave a connect waiting for minutes. */
const CONNECT_TIMEOUT_MS = 5_000;
const RECONNECT_MAX_MS = 1_000;

const SHARED: RedisOptions = {
  lazyConnect: true,
  connectTimeout: CONNECT_TIMEOUT_MS,
  retryStrategy: (times) => Math.min(times * 100, RECONNECT_MAX_MS),
};

/** The URL without its password, for messages and EXPLAIN. */
export function redisUrlForDisplay(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'redis://(invalid URL)';
  }
}

function checkedUrl(url: string): string {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error(`not a Redis URL: ${redisUrlForDisplay(url)}`);
  }
  if (protocol !== 'redis:') throw new Error(`a Redis URL starts with redis://, got '${protocol}'`);
  return url;
}

/** A plain client, connected (or a rejection within the connect timeout, the client closed). */
export async function openRedis(url: string): Promise<Redis> {
  const client = new Redis(checkedUrl(url), {
    ...SHARED,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  client.on('error', () => undefined);
  try {
    await withTimeout(client.connect(), CONNECT_TIMEOUT_MS + 500);
    return client;
  } catch (err) {
    client.disconnect();
    throw err;
  }
}

/** A not-yet-connected client for one BullMQ object (BullMQ connects it, or a duplicate of it). */
export function bullmqConnection(url: string): Redis {
  const client = new Redis(checkedUrl(url), { ...SHARED, maxRetriesPerRequest: null });
  client.on('error', () => undefined);
  return client;
}

/** Whether the client can take a command now. */
export function isReady(client: Redis | undefined): client is Redis {
  return client?.status === 'ready';
}
