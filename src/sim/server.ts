/**
 * `startSimulator()`: an OpenAI-compatible chat server on loopback with knobs
 * for latency, rate limits and faults. Everything "random" is seeded: the same
 * seed and the same request order give the same faults, latencies and answers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RvbbitError } from '../errors.js';
import { answerFor, type SimMessage } from './answer.js';
import { mergeSimOptions, SIM_DEFAULTS, type SimulatorOptions } from './options.js';
import { TokenBucket } from './rate-limit.js';
import { hashSeed, mulberry32, normal, type Rng } from './rng.js';
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

const SIM_HEADER = 'x-rvbbit-simulator';
const ANSWER_CACHE_MAX = 4096;

/** Starts the simulator; resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  let opts = mergeSimOptions(SIM_DEFAULTS, options);
  let stats = emptyStats(opts.record);
  let faultRng: Rng = mulberry32(opts.seed);
  let latencyRng: Rng = mulberry32(opts.seed ^ 0x9e3779b9);
  let bucket = opts.rateLimit ? new TokenBucket(opts.rateLimit.rps, opts.rateLimit.burst) : null;
  const answers = new Map<string, { body: string; tokensIn: number; tokensOut: number }>();
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

  const errorBody = (message: string, type: string, param?: string) =>
    JSON.stringify({ error: { message, type, param: param ?? null, code: null } });

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
    let body: { model?: unknown; messages?: unknown; response_format?: unknown };
    try {
      body = JSON.parse(raw);
    } catch {
      send(res, 400, errorBody('request body is not valid JSON', 'invalid_request_error'));
      return;
    }
    const model = typeof body.model === 'string' && body.model.length > 0 ? body.model : undefined;
    const messages = body.messages;
    if (!model || !Array.isArray(messages) || !messages.every(isMessage)) {
      send(
        res,
        400,
        errorBody('model (string) and messages [{role, content}] are required', 'invalid_request_error'),
      );
      return;
    }
    const schema = jsonSchemaOf(body.response_format);
    if (stats.promptsSeen) {
      stats.promptsSeen.push({ model, messages, hasResponseFormat: body.response_format !== undefined });
    }
    const quirk = opts.quirks[model];
    if (quirk === 'reject-response-format' && body.response_format !== undefined) {
      later(latency, () =>
        send(
          res,
          400,
          errorBody(
            `response_format json_schema is not supported for model ${model}`,
            'invalid_request_error',
            'response_format',
          ),
        ),
      );
      return;
    }
    // Fault bands, cumulative: 500, reset, hang, malformed.
    let band = opts.errorRate;
    if (u < band)
      return later(latency, () => send(res, 500, errorBody('simulated server error', 'server_error')));
    band += opts.resetRate;
    if (u < band) {
      return later(latency, () => {
        stats.resets++;
        res.socket?.destroy();
      });
    }
    band += opts.hangRate;
    if (u < band) {
      stats.hangs++;
      return;
    }
    band += opts.malformedRate;
    if (u < band) {
      return later(latency, () => {
        stats.malformed++;
        send(
          res,
          200,
          '{"id":"chatcmpl-sim","object":"chat.completion","choices":[{"index":0,"message":{"rol',
        );
      });
    }
    const cacheKey = quirk ? `${quirk}\n${raw}` : raw;
    let out = answers.get(cacheKey);
    if (out === undefined) {
      out = completion(model, messages as SimMessage[], schema, quirk);
      if (answers.size >= ANSWER_CACHE_MAX) answers.clear();
      answers.set(cacheKey, out);
    }
    const answer = out;
    later(latency, () => {
      if (res.destroyed) return;
      stats.completed++;
      stats.tokensIn += answer.tokensIn;
      stats.tokensOut += answer.tokensOut;
      send(res, 200, answer.body);
    });
  };

  const completion = (
    model: string,
    messages: readonly SimMessage[],
    schema: Record<string, unknown> | undefined,
    quirk: string | undefined,
  ): { body: string; tokensIn: number; tokensOut: number } => {
    let content = answerFor({ model, messages, schema }, opts.seed);
    if (quirk === 'empty') content = '';
    else if (quirk === 'truncated-json')
      content = content.slice(0, Math.max(1, Math.floor(content.length / 2)));
    else if (quirk === 'huge') content = 'x'.repeat(opts.hugeBytes);
    let promptChars = 0;
    for (const m of messages) promptChars += m.content.length;
    const tokensIn = Math.max(1, Math.ceil(promptChars / 4));
    const tokensOut = Math.ceil(content.length / 4);
    const usage: Record<string, number> = {
      prompt_tokens: tokensIn,
      completion_tokens: tokensOut,
      total_tokens: tokensIn + tokensOut,
    };
    if (opts.costPerMillion) {
      usage['cost'] = (tokensIn * opts.costPerMillion.in + tokensOut * opts.costPerMillion.out) / 1e6;
    }
    const id = `chatcmpl-sim-${hashSeed(content + model).toString(16)}`;
    const choices =
      quirk === 'no-choices'
        ? []
        : [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }];
    const body = JSON.stringify({
      id,
      object: 'chat.completion',
      created: 1_700_000_000,
      model,
      choices,
      usage,
    });
    return { body, tokensIn, tokensOut };
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

function isMessage(m: unknown): m is SimMessage {
  if (!m || typeof m !== 'object') return false;
  const r = m as Record<string, unknown>;
  return typeof r['role'] === 'string' && typeof r['content'] === 'string';
}

function jsonSchemaOf(rf: unknown): Record<string, unknown> | undefined {
  if (!rf || typeof rf !== 'object') return undefined;
  const r = rf as { type?: unknown; json_schema?: { schema?: unknown } };
  if (r.type !== 'json_schema') return undefined;
  const schema = r.json_schema?.schema;
  return schema && typeof schema === 'object' ? (schema as Record<string, unknown>) : undefined;
}

/** The value of the header that marks the simulator's answers. */
export const SIMULATOR_HEADER = SIM_HEADER;
