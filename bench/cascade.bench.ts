/**
 * Cascade-layer overhead: runs/s of a one-cell cascade (a template and an
 * output_schema) against the simulator at zero latency, next to the same
 * number of bare client calls, and with an in-process client that answers at
 * once (render + call bookkeeping + parse + validate, no HTTP).
 *
 *   node --import tsx bench/cascade.bench.ts [runs=5000] [concurrency=64]
 */
import { loadCascadeText } from '../src/cascade/load-cascade.js';
import { runCascade } from '../src/cascade/run-cascade.js';
import { createLlmClient } from '../src/llm/client.js';
import type { ChatRequest, LlmClient } from '../src/llm/types.js';
import { startSimulator } from '../src/sim/index.js';

const runs = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 64);

const cascade = loadCascadeText(
  `cascade_id: bench_brand
inputs_schema: { product_name: "title" }
cells:
  - name: extract
    instructions: |
      What brand makes "{{ input.product_name }}"? Category: {{ input.category | upcase }}.
      Answer as JSON with "brand" and "confidence" (0..1).
    output_schema:
      type: object
      required: [brand, confidence]
      properties: { brand: { type: string }, confidence: { type: number, minimum: 0, maximum: 1 } }
`,
  'bench.yaml',
);

async function pool(n: number, width: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await one(next++);
    }),
  );
  return performance.now() - started;
}

function report(label: string, ms: number, failed = 0): void {
  const perS = Math.round((runs / ms) * 1000);
  console.log(
    `${label.padEnd(44)} ${String(perS).padStart(8)} runs/s  ${(ms / runs).toFixed(3)} ms/run${failed ? `  (${failed} failed)` : ''}`,
  );
}

const sim = await startSimulator({ latencyMs: 0 });
const llm = createLlmClient({ baseUrl: sim.url, maxConcurrency: concurrency, retries: 1 });
const input = (i: number) => ({ product_name: `Gadget ${i % 500} by Acme`, category: 'electronics' });

// Warm up sockets, JIT and the simulator's answer cache for both kinds of call.
await pool(500, concurrency, async (i) => {
  await runCascade(cascade, input(i), { llm, defaultModel: 'sim-small' });
});

const request = (i: number): ChatRequest => ({
  model: 'sim-small',
  messages: [{ role: 'user', content: `What brand makes "${input(i).product_name}"?` }],
  responseFormat: {
    name: 'extract_output',
    schema: (cascade.cells[0] as { outputSchema: Record<string, unknown> }).outputSchema,
  },
});
await pool(500, concurrency, async (i) => {
  await llm.chat(request(i));
});
const bare = await pool(runs, concurrency, async (i) => {
  await llm.chat(request(i));
});
report(`bare client calls to the simulator (x${concurrency})`, bare);

let failed = 0;
const viaSim = await pool(runs, concurrency, async (i) => {
  const r = await runCascade(cascade, input(i), { llm, defaultModel: 'sim-small' });
  if (r.status !== 'success') failed++;
});
report(`cascade runs against the simulator (x${concurrency})`, viaSim, failed);

const instant: LlmClient = {
  chat: async (req) => ({
    content: '{"brand":"Acme","confidence":0.9}',
    model: req.model,
    usage: { tokensIn: 40, tokensOut: 9, cost: null },
    durationMs: 0,
    attempts: 1,
    answeredBy: 'bench',
  }),
  close: async () => {},
};
failed = 0;
const local = await pool(runs, concurrency, async (i) => {
  const r = await runCascade(cascade, input(i), { llm: instant, defaultModel: 'm' });
  if (r.status !== 'success') failed++;
});
report('cascade runs, in-process client (layer only)', local, failed);

await llm.close();
await sim.close();
