/**
 * `startSimulator()`: an OpenAI-compatible chat server on loopback with knobs
 * for latency, rate limits and faults. Everything "random" is seeded: the same
 * seed and the same request order give the same faults, latencies and answers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RvbbitError } from '../../base/errors.js';
import { BatchApi } from './batch-api.js';
import { handleChat } from './chat-handler.js';
import { errorBody } from './completion.js';
import { handleEmbeddings } from './embeddings.js';
import { limitsOf } from './model-limits.js';
import type { SimulatorOptions } from './options.js';
import { providerRoute } from './routes.js';
import { SimState } from './sim-state.js';
import type { SimulatorStats } from './stats.js';

export interface SimulatorHandle {
  /**
   * Base URL including /v1, e.g. http://127.0.0.1:PORT/v1 (on the azure-openai
   * profile Azure's v1 API base, http://127.0.0.1:PORT/openai/v1).
   */
  readonly url: string;
  readonly port: number;
  stats(): SimulatorStats;
  resetStats(): void;
  /** Changes knobs at run time (port and host are fixed once started). */
  setOptions(partial: SimulatorOptions): void;
  close(): Promise<void>;
}

/** Starts the simulator; resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const state = new SimState(options);
  const send = state.send.bind(state);
  const batchApi = new BatchApi(state);

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
    if (batchApi.handle(req, res)) return;
    const path = (req.url ?? '/').split('?')[0]!;
    // Chat, embeddings and models where the profile answers them (routes.ts).
    const route = providerRoute(req, state.opts);
    if (route?.kind === 'chat') {
      handleChat(state, req, res, route);
    } else if (route?.kind === 'embeddings') {
      handleEmbeddings(state, req, res, route);
    } else if (route?.kind === 'reply') {
      req.resume();
      send(res, route.status, route.body, {}, false);
    } else if (route?.kind === 'models') {
      const data = state.opts.models.map((id) => {
        // vLLM lists each model's window (ModelCard.max_model_len, vllm/entrypoints/openai/protocol.py).
        const window = state.opts.profile === 'vllm' ? limitsOf(id, state.opts).contextWindow : null;
        return {
          id,
          object: 'model',
          created: 0,
          owned_by: 'rvbbit-simulator',
          ...(window === null ? {} : { max_model_len: window }),
        };
      });
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
        new RvbbitError(
          'SIM_LISTEN',
          `simulator cannot listen on ${state.opts.host}:${state.opts.port}: ${err.message}`,
        ),
      ),
    );
    server.listen(state.opts.port, state.opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = state.opts.host;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;

  const outage = new OutageSwitch(server, port, host, state);
  const handle: SimulatorHandle = {
    // Azure's v1 API base on the azure-openai profile (its deployment paths are under /openai/deployments).
    get url() {
      return `http://${hostInUrl}:${port}${state.opts.profile === 'azure-openai' ? '/openai/v1' : '/v1'}`;
    },
    port,
    stats: () => structuredClone(state.stats),
    resetStats: () => state.resetStats(),
    setOptions: (partial) => {
      state.setOptions(partial);
      if (partial.outage !== undefined) outage.apply();
    },
    close: async () => {
      state.clearTimers();
      await outage.close();
    },
  };
  outage.apply();
  return handle;
}

/**
 * The `outage` option's listening side: a `refuse` outage closes the
 * listening socket and drops every connection (clients get ECONNREFUSED),
 * and listens again on the same port when it ends (after `forMs`, or when
 * set to null). An `error` outage only needs the timer (chat-handler.ts answers 503).
 */
class OutageSwitch {
  private listening = true;
  private timer: NodeJS.Timeout | undefined;
  /** The last close or listen, so a quick off-on-off runs in order. */
  private step: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly server: Server,
    private readonly port: number,
    private readonly host: string,
    private readonly state: SimState,
  ) {}

  apply(): void {
    clearTimeout(this.timer);
    const o = this.state.opts.outage;
    const refuse = o?.mode === 'refuse';
    if (refuse && this.listening) {
      this.listening = false;
      this.step = this.step.then(() => this.stop());
    } else if (!refuse && !this.listening && !this.closed) {
      this.listening = true;
      this.step = this.step.then(
        () => new Promise<void>((resolve) => this.server.listen(this.port, this.host, () => resolve())),
      );
    }
    if (o?.forMs) {
      this.timer = setTimeout(() => {
        this.state.setOptions({ outage: null });
        this.apply();
      }, o.forMs);
    }
  }

  private stop(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return stopped;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.step;
    if (this.listening) await this.stop();
  }
}
