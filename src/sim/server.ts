/**
 * `startSimulator()`: an OpenAI-compatible chat server on loopback with knobs
 * for latency, rate limits and faults. Everything "random" is seeded: the same
 * seed and the same request order give the same faults, latencies and answers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RvbbitError } from '../errors.js';
import { SIM_HEADER } from '../llm/http.js';
import { readChatRequest } from './chat-request.js';
import { type Completion, completionFor, errorBody, faultFor, MALFORMED_BODY } from './completion.js';
import { mergeSimOptions, SIM_DEFAULTS, type SimulatorOptions } from './options.js';
import { TokenBucket } from './rate-limit.js';
import { mulberry32, normal, type Rng } from './rng.js';
import { emptyStats, type SimulatorStats } from './stats.js';

export interface SimulatorHandle {
  /** Base URL including /v1, e.g. http://127.0.0.1:PORT/v1 */
  readonly url: string;
  readonly port: number;
  stats(): SimulatorStats;
  resetStats(): void;
  /** Changes knobs at run time (port and host are fixed once started). */
  setOptions(partial: SimulatorOptions): void;
  close(): Promise<void>;
}

const ANSWER_CACHE_MAX = 4096;

/** Starts the simulator; resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  let opts = mergeSimOptions(SIM_DEFAULTS, options);
  let stats = emptyStats(opts.record);
  let faultRng: Rng = mulberry32(opts.seed);
  let latencyRng: Rng = mulberry32(opts.seed ^ 0x9e3779b9);
  let bucket = opts.rateLimit ? new TokenBucket(opts.rateLimit.rps, opts.rateLimit.burst) : null;
  const answers = new Map<string, Completion>();
  const timers = new Set<NodeJS.Timeout>();

  const count = (status: number) => {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
  };

  /** Sends a response; only chat answers (`chat`) count in byStatus. */
  const send = (
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
    chat = true,
  ) => {
    if (res.destroyed) return;
    if (chat) count(status);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      [SIM_HEADER]: '1',
      ...headers,
    });
    res.end(body);
  };

  const later = (ms: number, fn: () => void) => {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const sampleLatency = (): number => {
    const l = opts.latency;
    if (l) return l.medianMs * Math.exp(l.sigma * normal(latencyRng));
    return opts.latencyMs;
  };

  const handleChat = (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    stats.inFlight++;
    if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      stats.inFlight--;
    };
    res.on('close', finish);
    // One draw per request, in arrival order, whatever happens next.
    const u = faultRng();
    const latency = sampleLatency();

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > opts.maxBodyBytes) {
      send(res, 413, errorBody(`request body over ${opts.maxBodyBytes} bytes`, 'invalid_request_error'), {
        connection: 'close',
      });
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > opts.maxBodyBytes) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      if (tooBig) {
        send(res, 413, errorBody(`request body over ${opts.maxBodyBytes} bytes`, 'invalid_request_error'));
        return;
      }
      const raw = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      respond(raw, u, latency, res);
    });
  };

  const respond = (raw: string, u: number, latency: number, res: ServerResponse) => {
    if (bucket) {
      const take = bucket.take();
      if (!take.ok) {
        const seconds = Math.max(1, Math.ceil(take.waitMs / 1000));
        const retryAfter =
          opts.retryAfterFormat === 'date'
            ? new Date(Date.now() + seconds * 1000).toUTCString()
            : String(seconds);
        send(res, 429, errorBody('rate limit exceeded', 'rate_limit_error'), { 'retry-after': retryAfter });
        return;
      }
    }
    const req = readChatRequest(raw);
    if (typeof req === 'string') {
      send(res, 400, errorBody(req, 'invalid_request_error'));
      return;
    }
    const { model } = req;
    if (stats.promptsSeen) {
      stats.promptsSeen.push({ model, messages: req.messages, hasResponseFormat: req.hasResponseFormat });
    }
    const quirk = opts.quirks[model];
    if (quirk === 'reject-response-format' && req.hasResponseFormat) {
      const message = `response_format json_schema is not supported for model ${model}`;
      later(latency, () => send(res, 400, errorBody(message, 'invalid_request_error', 'response_format')));
      return;
    }
    switch (faultFor(u, opts)) {
      case 'error':
        return later(latency, () => send(res, 500, errorBody('simulated server error', 'server_error')));
      case 'reset':
        return later(latency, () => {
          stats.resets++;
          res.socket?.destroy();
        });
      case 'hang':
        stats.hangs++;
        return;
      case 'malformed':
        return later(latency, () => {
          stats.malformed++;
          send(res, 200, MALFORMED_BODY);
        });
      case undefined:
        break;
    }
    const cacheKey = quirk ? `${quirk}\n${raw}` : raw;
    let answer = answers.get(cacheKey);
    if (answer === undefined) {
      answer = completionFor(req, quirk, opts);
      if (answers.size >= ANSWER_CACHE_MAX) answers.clear();
      answers.set(cacheKey, answer);
    }
    const done = answer;
    later(latency, () => {
      if (res.destroyed) return;
      stats.completed++;
      stats.tokensIn += done.tokensIn;
      stats.tokensOut += done.tokensOut;
      send(res, 200, done.body);
    });
  };

  const readJson = (req: IncomingMessage, then: (value: unknown) => void, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        then(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {});
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        send(res, 400, errorBody(message, 'invalid_request_error'), {}, false);
      }
    });
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
      handleChat(req, res);
    } else if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      const data = opts.models.map((id) => ({
        id,
        object: 'model',
        created: 0,
        owned_by: 'rvbbit-simulator',
      }));
      send(res, 200, JSON.stringify({ object: 'list', data }), {}, false);
    } else if (req.method === 'GET' && path === '/stats') {
      send(res, 200, JSON.stringify(handle.stats()), {}, false);
    } else if (req.method === 'POST' && path === '/stats/reset') {
      req.resume();
      handle.resetStats();
      send(res, 200, '{"ok":true}', {}, false);
    } else if (req.method === 'POST' && path === '/options') {
      readJson(
        req,
        (patch) => {
          try {
            handle.setOptions(patch as SimulatorOptions);
            send(res, 200, '{"ok":true}', {}, false);
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            send(res, 400, errorBody(message, 'invalid_request_error'), {}, false);
          }
        },
        res,
      );
    } else {
      req.resume();
      send(res, 404, errorBody(`no route ${req.method} ${path}`, 'not_found'), {}, false);
    }
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Hung requests must not be cut by the server's own request timeout.
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new RvbbitError('SIM_LISTEN', `simulator cannot listen on ${opts.host}:${opts.port}: ${err.message}`),
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  const handle: SimulatorHandle = {
    url: `http://${hostInUrl}:${port}/v1`,
    port,
    stats: () => structuredClone(stats),
    resetStats: () => {
      const inFlight = stats.inFlight;
      stats = emptyStats(opts.record);
      stats.inFlight = inFlight;
      stats.maxInFlight = inFlight;
    },
    setOptions: (partial) => {
      const { port: _p, host: _h, ...rest } = partial;
      const next = mergeSimOptions(opts, rest);
      if (next.seed !== opts.seed) {
        faultRng = mulberry32(next.seed);
        latencyRng = mulberry32(next.seed ^ 0x9e3779b9);
      }
      if (partial.rateLimit !== undefined) {
        bucket = next.rateLimit ? new TokenBucket(next.rateLimit.rps, next.rateLimit.burst) : null;
      }
      if (next.record && !stats.promptsSeen) stats.promptsSeen = [];
      if (
        partial.quirks !== undefined ||
        partial.hugeBytes !== undefined ||
        partial.costPerMillion !== undefined
      ) {
        answers.clear();
      }
      if (next.seed !== opts.seed) answers.clear();
      opts = next;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
  return handle;
}

/** The value of the header that marks the simulator's answers. */
export const SIMULATOR_HEADER = SIM_HEADER;
