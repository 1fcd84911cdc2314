import { createLlmClient } from './src/llm/index.ts';
import { startSimulatorProcess } from './src/sim/index.ts';
const sim = await startSimulatorProcess({});
const request = { model: 'sim-small', messages: [{ role: 'user' as const, content: 'What brand makes "Apple iPhone 15 Pro"? Answer with the brand.' }] };
const llm = createLlmClient({ baseUrl: sim.url, maxConcurrency: 64 });
async function drive(n: number) { let left = n; const t = performance.now(); await Promise.all(Array.from({ length: 64 }, async () => { while (left-- > 0) await llm.chat(request); })); return n / (performance.now() - t) * 1000; }
await drive(5000);
console.log(Math.round(await drive(40000)));
await llm.close(); await sim.close();
