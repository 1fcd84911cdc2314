import { Pool } from 'undici';
import { createLlmClient } from './src/llm/index.ts';
import { startSimulatorProcess } from './src/sim/index.ts';
const sim = await startSimulatorProcess({});
const request = { model: 'sim-small', messages: [{ role: 'user' as const, content: 'What brand makes "Apple iPhone 15 Pro"? Answer with the brand.' }] };
const body = JSON.stringify(request);
const base = new URL(sim.url); const path = base.pathname + '/chat/completions';
const pool = new Pool(base.origin, { connections: 64 });
const headers = { 'content-type': 'application/json' };
async function drive(n: number, call: () => Promise<unknown>) { let left = n; const t = performance.now(); await Promise.all(Array.from({ length: 64 }, async () => { while (left-- > 0) await call(); })); return Math.round(n / (performance.now() - t) * 1000); }
const raw = async () => { const r = await pool.request({ path, method: 'POST', headers, body }); JSON.parse(await r.body.text()); };
const rawT = async () => { const r = await pool.request({ path, method: 'POST', headers, body, signal: AbortSignal.timeout(120000) }); JSON.parse(await r.body.text()); };
const rawC = async () => { const ac = new AbortController(); const t = setTimeout(() => ac.abort(), 120000); try { const r = await pool.request({ path, method: 'POST', headers, body, signal: ac.signal }); JSON.parse(await r.body.text()); } finally { clearTimeout(t); } };
const llm = createLlmClient({ baseUrl: sim.url, maxConcurrency: 64 });
const cl = () => llm.chat(request);
for (let i = 0; i < 2; i++) {
  console.log('raw', await drive(20000, raw), 'rawTimeoutSignal', await drive(20000, rawT), 'rawController', await drive(20000, rawC), 'client', await drive(20000, cl));
}
await llm.close(); await pool.close(); await sim.close();
