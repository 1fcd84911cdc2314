/**
 * The host channel: a worker's `sql_data` cell asks the main thread, which
 * owns DuckDB, to run a read-only query, over a MessagePort made for one chunk
 * attempt; `delivery: batch` finds and records its batch ids the same way.
 * Requests carry an id; an answer is the result or the error's code and
 * message (an Error loses its properties crossing a thread).
 */
import type { MessagePort } from 'node:worker_threads';
import { type ErrorCode, errorMessage, RvbbitError } from '../../base/errors.js';
import type { BatchLedgerEntry, CascadeHost, SqlResult } from '../cascade/host.js';

type HostRequest =
  | { readonly id: number; readonly kind: 'sql'; readonly query: string; readonly limit: number }
  | { readonly id: number; readonly kind: 'batch-find'; readonly key: string }
  | { readonly id: number; readonly kind: 'batch-record'; readonly entry: BatchLedgerEntry };

type HostReply =
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly code: ErrorCode; readonly message: string };

/** What a request asks of the host. */
function answer(host: CascadeHost, req: HostRequest): Promise<unknown> {
  switch (req.kind) {
    case 'sql':
      return host.sqlData(req.query, req.limit);
    case 'batch-find':
      return host.batches ? host.batches.find(req.key) : Promise.resolve(undefined);
    case 'batch-record':
      return host.batches ? host.batches.record(req.entry) : Promise.resolve(undefined);
  }
}

/** Main thread: answers the port's requests with `host` until the port is closed. */
export function serveHost(port: MessagePort, host: CascadeHost): void {
  port.on('message', (req: HostRequest) => {
    answer(host, req).then(
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
  const waiting = new Map<number, { resolve(r: unknown): void; reject(e: Error): void }>();
  port.on('message', (reply: HostReply) => {
    const w = waiting.get(reply.id);
    if (!w) return;
    waiting.delete(reply.id);
    if ('result' in reply) w.resolve(reply.result);
    else w.reject(new RvbbitError(reply.code, reply.message));
  });
  // Only a pending request keeps the port (and so the thread's event loop) busy.
  port.unref();
  /** One request; the port keeps the thread alive only while some request waits. */
  function ask<T>(req: HostRequest): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (waiting.size === 0) port.ref();
      waiting.set(req.id, {
        resolve: (r) => {
          if (waiting.size === 0) port.unref();
          resolve(r as T);
        },
        reject: (e) => {
          if (waiting.size === 0) port.unref();
          reject(e);
        },
      });
      port.postMessage(req);
    });
  }
  return {
    sqlData(query, limit, signal) {
      signal?.throwIfAborted();
      return ask<SqlResult>({ id: next++, kind: 'sql', query, limit });
    },
    batches: {
      find: (key) => ask<BatchLedgerEntry | undefined>({ id: next++, kind: 'batch-find', key }),
      record: (entry) => ask<void>({ id: next++, kind: 'batch-record', entry }),
    },
  };
}
