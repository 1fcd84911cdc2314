/**
 * The LLM client against raw undici `request()`, same body, same simulator.
 * The simulator runs in its own process at zero latency, so its CPU does not
 * hide in this event loop. Interleaved rounds; prints req/s of both and the
 * ratio (target: client ≥ 0.8 × raw).
 *
 *   node --import tsx bench/llm-client.bench.ts [requests=20000] [concurrency=64] [rounds=3]
 */
import { Pool } from 'undici';
import { createLlmClient } from '../src/llm/client.js';
import { startSimulatorProcess } from '../src/sim/index.js';

const total = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 64);
const rounds = Number(process.argv[4] ?? 3);

const sim = await startSimulatorProcess({ latencyMs: 0 });
const request = {
  model: 'sim-small',
  messages: [
    { role: 'user' as const, content: 'What brand makes "Apple iPhone 15 Pro"? Answer with the brand.' },
  ],
};
const body = JSON.stringify(request);
const base = new URL(sim.url);
const path = `${base.pathname}/chat/completions`;

/** Runs `total` calls with `concurrency` loops; returns calls per second. */
async function drive(call: () => Promise<unknown>): Promise<number> {
  let left = total;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await call();
    }),
  );
  return (total / (performance.now() - started)) * 1000;
}

const pool = new Pool(base.origin, { connections: concurrency, pipelining: 1 });
const raw = async () => {
  const res = await pool.request({
    path,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  JSON.parse(await res.body.text());
};
const llm = createLlmClient({ baseUrl: sim.url, maxConcurrency: concurrency });
const client = () => llm.chat(request);

// Warm up both paths (connections, JIT, the simulator's answer cache).
total > 2000 && (await Promise.all([drive(raw), drive(client)]).catch(() => undefined));
const rows: { round: number; raw: number; client: number }[] = [];
for (let round = 1; round <= rounds; round++) {
  const r = await drive(raw);
  const c = await drive(client);
  rows.push({ round, raw: Math.round(r), client: Math.round(c) });
  console.log(
    `round ${round}: raw undici ${Math.round(r)} req/s, client ${Math.round(c)} calls/s, ratio ${(c / r).toFixed(2)}`,
  );
}
const sum = (k: 'raw' | 'client') => rows.reduce((n, r) => n + r[k], 0) / rows.length;
console.log(
  `mean over ${rounds} rounds of ${total} requests at concurrency ${concurrency}: raw ${Math.round(sum('raw'))} req/s, ` +
    `client ${Math.round(sum('client'))} calls/s, ratio ${(sum('client') / sum('raw')).toFixed(2)}`,
);
const stats = await sim.stats();
console.log(
  `simulator: ${stats.requests} requests, ${stats.completed} answered, max in flight ${stats.maxInFlight}`,
);
await llm.close();
await pool.close();
await sim.close();
