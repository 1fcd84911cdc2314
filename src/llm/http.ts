/**
 * One HTTP attempt: POST a JSON body over an undici Pool with `request()`
 * (not fetch: several times faster), read the body within a size cap, and
 * turn transport failures into data the retry layer understands.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { Pool } from 'undici';
import { AttemptAbort } from './attempt-abort.js';
import { LLM_ERROR, llmError, RetryableFailure } from './errors.js';

/** The reason an attempt's own deadline aborts it with. */
const DEADLINE = new Error('attempt deadline');

export interface HttpAttempt {
  readonly path: string;
  readonly body: string;
  readonly headers: Record<string, string>;
  /** The caller's signal: aborts the attempt (and is re-thrown as is). */
  readonly signal?: AbortSignal;
  /** Deadline of this attempt; starts when the attempt starts (after any gate wait). */
  readonly timeoutMs: number;
}

export interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export type Send = (attempt: HttpAttempt) => Promise<HttpReply>;

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** A Send over `pool`; bodies above `maxBytes` fail with LLM_RESPONSE_TOO_LARGE. */
export function httpSend(pool: Pool, maxBytes: number): Send {
  return async ({ path, body, headers, signal, timeoutMs }) => {
    const abort = new AttemptAbort(timeoutMs, DEADLINE, signal);
    try {
      const res = await pool.request({
        path,
        method: 'POST',
        headers,
        body,
        signal: abort as unknown as EventEmitter,
      });
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > maxBytes) {
        res.body.destroy();
        throw tooLarge(maxBytes);
      }
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, text };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (abort.reason === DEADLINE) {
        throw new RetryableFailure(LLM_ERROR.TIMEOUT, `no answer within the ${timeoutMs} ms deadline`, null);
      }
      throw transportError(err, maxBytes);
    } finally {
      abort.dispose();
    }
  };
}

function tooLarge(maxBytes: number) {
  return llmError(LLM_ERROR.RESPONSE_TOO_LARGE, `LLM response body over ${maxBytes} bytes`, { maxBytes });
}

/** Maps undici/socket errors; abort errors pass through for the caller to classify. */
function transportError(err: unknown, maxBytes: number): unknown {
  const code = (err as { code?: unknown })?.code;
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return tooLarge(maxBytes);
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) {
    return new RetryableFailure(LLM_ERROR.CONNECTION, `connection failed (${code})`, null);
  }
  return err;
}
