/**
 * The host channel: a worker's `sql_data` cell asks the main thread, which
 * owns DuckDB, to run a read-only query, over a MessagePort made for one chunk
 * attempt. Requests carry an id; an answer is the result or the error's code
 * and message (an Error loses its properties crossing a thread).
 */
import type { MessagePort } from 'node:worker_threads';
import { type ErrorCode, errorMessage, RvbbitError } from '../../base/errors.js';
import type { CascadeHost, SqlResult } from '../cascade/host.js';

interface HostRequest {
  readonly id: number;
  readonly query: string;
  readonly limit: number;
}

type HostReply =
  | { readonly id: number; readonly result: SqlResult }
  | { readonly id: number; readonly code: ErrorCode; readonly message: string };

/** Main thread: answers the port's requests with `host` until the port is closed. */
export function serveHost(port: MessagePort, host: CascadeHost): void {
  port.on('message', (req: HostRequest) => {
    host.sqlData(req.query, req.limit).then(
      (result) => port.postMessage({ id: req.id, result } satisfies HostReply),
      (err: unknown) =>
        port.postMessage({
          id: req.id,
          code: err instanceof RvbbitError ? err.code : 'SQL_DATA_FAILED',
          message: errorMessage(err),
        } satisfies HostReply),
    );
  });
}

/** Worker: a CascadeHost whose queries go over `port` to the main thread. */
export function portHost(port: MessagePort): CascadeHost {
  let next = 0;
  const waiting = new Map<number, { resolve(r: SqlResult): void; reject(e: Error): void }>();
  port.on('message', (reply: HostReply) => {
    const w = waiting.get(reply.id);
    if (!w) return;
    waiting.delete(reply.id);
    if ('result' in reply) w.resolve(reply.result);
    else w.reject(new RvbbitError(reply.code, reply.message));
  });
  // Only a pending request keeps the port (and so the thread's event loop) busy.
  port.unref();
  return {
    sqlData(query, limit, signal) {
      signal?.throwIfAborted();
      const id = next++;
      return new Promise<SqlResult>((resolve, reject) => {
        if (waiting.size === 0) port.ref();
        waiting.set(id, {
          resolve: (r) => {
            if (waiting.size === 0) port.unref();
            resolve(r);
          },
          reject: (e) => {
            if (waiting.size === 0) port.unref();
            reject(e);
          },
        });
        port.postMessage({ id, query, limit } satisfies HostRequest);
      });
    },
  };
}
