/**
 * Yardstick: the ceiling. undici `request()` on a keep-alive Pool with one
 * connection per loop, the body read and JSON-parsed, nothing else; the same
 * approach as bench/llm-client.bench.ts.
 */
import { Pool } from 'undici';
import type { YardstickRun } from './promise-pool.js';

/** Keep-alive pools by width, reused across runs like a long-lived client would. */
export class RawUndici {
  private readonly pools = new Map<string, Pool>();

  private pool(origin: string, width: number): Pool {
    const key = `${origin} ${width}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(origin, { connections: width, pipelining: 1 });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** POSTs every body to `url` with `width` loops. */
  async run(url: string, bodies: readonly string[], width: number): Promise<YardstickRun> {
    const target = new URL(url);
    const pool = this.pool(target.origin, width);
    const contents: string[] = new Array(bodies.length);
    const started = performance.now();
    let firstMs: number | null = null;
    let next = 0;
    const loop = async () => {
      while (next < bodies.length) {
        const i = next++;
        const res = await pool.request({
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: bodies[i]!,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text}`);
        contents[i] = (JSON.parse(text) as { choices: { message: { content: string } }[] })
          .choices[0]!.message.content;
        firstMs ??= performance.now() - started;
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, bodies.length) }, loop));
    return { contents, firstMs };
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}
