/**
 * One HTTP attempt: POST a JSON body over an undici Pool (not fetch: several
 * times faster), read the body within a size cap, and
 * turn transport failures into data the retry layer understands.
 */
import type { Dispatcher, Pool } from 'undici';
import { SIM_HEADER } from '../runtime/simulator-mark.js';
import { AttemptAbort } from './attempt-abort.js';
import { LLM_ERROR, llmError, RetryableFailure } from './errors.js';
import { RATE_LIMIT_HEADERS } from './rate-headers.js';
import type { HttpAttempt, HttpReply, Send } from './send.js';

/** Response headers the client reads; the others are never decoded. */
const WANTED = new Set<string>([
  'content-length',
  'retry-after',
  SIM_HEADER,
  'content-type',
  ...RATE_LIMIT_HEADERS,
]);
const WANTED_LENGTHS = new Set([...WANTED].map((h) => h.length));

/** The reason an attempt's own deadline aborts it with. */
const DEADLINE = new Error('attempt deadline');

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

/**
 * An undici Pool made when the first request goes out: undici is imported then, so importing the
 * client (the package's index exports createLlmClient) does not load it. It was ~3 MB of the main
 * thread's live heap in every process, one that streams a MAP included, whose calls all go out
 * from the workers (issue 66).
 */
export class LazyPool {
  private pool: Pool | undefined;
  private opening: Promise<Pool> | undefined;

  constructor(
    private readonly origin: string,
    private readonly options: Pool.Options,
  ) {}

  /** The pool, or the promise of it while undici loads (once made: no extra turn per call). */
  get(): Pool | Promise<Pool> {
    if (this.pool) return this.pool;
    this.opening ??= import('undici').then(({ Pool }) => {
      this.pool = new Pool(this.origin, this.options);
      return this.pool;
    });
    return this.opening;
  }

  /** Closes the pool; one still being made is closed once made, so no socket stays open. */
  async close(): Promise<void> {
    await (this.pool ?? (await this.opening?.catch(() => undefined)))?.close();
  }
}

/**
 * A Send over `pool`; bodies above `maxBytes` fail with LLM_RESPONSE_TOO_LARGE.
 *
 * It drives undici's `dispatch()` with a handler of its own instead of
 * `request()`: no body stream, no promise per stage, headers read only as far
 * as needed. Measured against a bare loopback server: 11–13 µs of CPU per
 * call against 15–22 µs for `request()` (the client's largest cost at
 * latency 0).
 */
export function httpSend(lazy: LazyPool, maxBytes: number): Send {
  const sendOn = (pool: Pool, attempt: HttpAttempt) =>
    new Promise<HttpReply>((resolve, reject) => {
      const exchange = new Exchange(attempt, maxBytes, resolve, reject);
      if (exchange.abort.aborted) return exchange.onError(exchange.abort.reason);
      try {
        pool.dispatch(
          { path: attempt.path, method: 'POST', headers: attempt.headers, body: attempt.body },
          exchange,
        );
      } catch (err) {
        exchange.onError(err);
      }
    });
  return (attempt) => {
    const pool = lazy.get();
    return pool instanceof Promise ? pool.then((p) => sendOn(p, attempt)) : sendOn(pool, attempt);
  };
}

/**
 * One request and its answer, as undici's dispatch handler: one object per
 * call, its methods on the prototype (a handler of closures allocated six
 * functions per call).
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly abort: AttemptAbort;
  private cancel: ((reason: Error) => void) | undefined;
  private settled = false;
  private status = 0;
  private readonly headers: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly attempt: HttpAttempt,
    private readonly maxBytes: number,
    private readonly resolve: (reply: HttpReply) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    // Aborted while still queued for a socket: settle now, and drop the
    // request as soon as undici hands it a connection.
    this.abort = new AttemptAbort(attempt.timeoutMs, DEADLINE, attempt.signal, () => {
      const reason = this.abort.reason instanceof Error ? this.abort.reason : new Error('aborted');
      this.cancel?.(reason);
      this.onError(reason);
    });
  }

  onConnect(abortRequest: (reason: Error) => void): void {
    this.cancel = abortRequest;
    if (this.settled) abortRequest(new Error('aborted'));
  }

  onHeaders(statusCode: number, raw: Buffer[]): boolean {
    this.status = statusCode;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      // Only the headers the client reads are decoded (by name length first: this runs per call).
      if (!WANTED_LENGTHS.has(name.length)) continue;
      const key = String(name).toLowerCase();
      if (WANTED.has(key)) this.headers[key] = String(raw[i + 1]);
    }
    if (Number(this.headers['content-length'] ?? 0) > this.maxBytes) {
      this.cancel?.(tooLarge(this.maxBytes));
      return false;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      this.cancel?.(tooLarge(this.maxBytes));
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    this.settled = true;
    this.abort.dispose();
    const chunks = this.chunks;
    const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    this.resolve({ status: this.status, headers: this.headers, text });
  }

  onError(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.abort.dispose();
    const { signal, timeoutMs } = this.attempt;
    if (signal?.aborted) this.reject(signal.reason);
    else if (this.abort.reason === DEADLINE) {
      this.reject(
        new RetryableFailure(LLM_ERROR.TIMEOUT, `no answer within the ${timeoutMs} ms deadline`, null),
      );
    } else this.reject(transportError(err, this.maxBytes));
  }
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
