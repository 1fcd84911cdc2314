/**
 * The handle of a simulator that runs outside the calling thread (a worker
 * thread or a child process): its knobs and counters are reached over its own
 * HTTP routes (GET /stats, POST /stats/reset, POST /options), so they are async.
 */
import { RvbbitError } from '../../base/errors.js';
import type { SimulatorOptions } from './options.js';
import type { SimulatorStats } from './stats.js';

export interface RemoteSimulatorHandle {
  /** Base URL including /v1, e.g. http://127.0.0.1:PORT/v1 */
  readonly url: string;
  readonly port: number;
  stats(): Promise<SimulatorStats>;
  resetStats(): Promise<void>;
  setOptions(partial: SimulatorOptions): Promise<void>;
  close(): Promise<void>;
}

export function remoteSimulatorHandle(url: string, close: () => Promise<void>): RemoteSimulatorHandle {
  const root = url.replace(/(\/openai)?\/v1$/, '');
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(root + path, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    const json: unknown = await res.json();
    if (!res.ok)
      throw new RvbbitError(
        'SIM_BAD_OPTION',
        String((json as { error?: { message?: string } }).error?.message),
      );
    return json;
  };
  return {
    url,
    port: Number(new URL(url).port),
    stats: async () => (await call('GET', '/stats')) as SimulatorStats,
    resetStats: async () => void (await call('POST', '/stats/reset')),
    setOptions: async (partial) => void (await call('POST', '/options', partial)),
    close,
  };
}
