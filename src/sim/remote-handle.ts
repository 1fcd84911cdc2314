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
  const send = (method: string, path: string, body?: unknown) =>
    fetch(root + path, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await send(method, path, body);
    } catch {
      // Every route is idempotent, so a request that found no answer is sent once more: at load ~7
      // one failed as a bare "fetch failed" (habits.test.ts, 2026-11-27), its cause not kept. A
      // second failure names its cause.
      res = await send(method, path, body).catch((err: unknown) => {
        const cause = (err as { cause?: { message?: string } }).cause?.message;
        throw new Error(`the simulator at ${root} did not answer ${method} ${path}: ${cause ?? String(err)}`);
      });
    }
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
