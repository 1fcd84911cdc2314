/**
 * Records the exact chat requests the engine sends for a statement, so the
 * yardsticks replay the same HTTP calls. A loopback proxy in front of the
 * simulator keeps every POST body; it is used once per workload and size,
 * before any timing, on a separate engine pointed at it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { createEngine, type Engine } from '../../src/index.js';

export interface CapturedCalls {
  /** Absolute URL of the simulator's chat endpoint. */
  readonly url: string;
  /** Request bodies in arrival order. */
  readonly bodies: readonly string[];
}

export interface Capturer {
  /** An engine whose LLM calls go through the proxy. */
  readonly engine: Engine;
  /** Runs `sql` on that engine and returns the chat bodies it sent. */
  capture(sql: string): Promise<CapturedCalls>;
  close(): Promise<void>;
}

/** Starts the proxy to `simUrl` (…/v1) and an engine behind it. */
export async function startCapturer(simUrl: string, cascadeRoots: readonly string[]): Promise<Capturer> {
  const target = new URL(simUrl);
  let bodies: string[] = [];
  let chatPath = `${target.pathname}/chat/completions`;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      if (req.method === 'POST' && path.endsWith('/chat/completions')) {
        bodies.push(body);
        chatPath = path;
      }
      request(new URL(path, target.origin), {
        method: req.method as 'POST',
        headers: { 'content-type': 'application/json' },
        body: req.method === 'POST' ? body : undefined,
      })
        .then(async (up) => {
          const text = await up.body.text();
          res.writeHead(up.statusCode, { 'content-type': 'application/json' });
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: String(err) } }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const engine = await createEngine({
    cascadeRoots,
    provider: {
      baseUrl: `http://127.0.0.1:${port}${target.pathname}`,
      model: 'sim-small',
      maxConcurrency: 1000,
    },
    threads: 2,
    cache: false,
  });
  return {
    engine,
    async capture(sql) {
      bodies = [];
      await engine.query(sql);
      return { url: new URL(chatPath, target.origin).href, bodies: [...bodies] };
    },
    async close() {
      await engine.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
