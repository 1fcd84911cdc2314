import { createEngine } from './src/index.js';
import { startSimulatorProcess } from './src/sim/index.js';
const sim = await startSimulatorProcess({});
const e = await createEngine({ cascadeRoots: [], provider: { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 1000 }, threads: 2 });
await e.query(`CREATE TABLE t AS SELECT * FROM (VALUES (1, 'recycled eco friendly bottle'), (2, 'plastic toy gun'), (3, 'organic cotton eco shirt'), (4, NULL)) v(id, text)`);
for (const strat of ['batch', 'sequential', 'vectorized', 'union_all']) {
  await sim.resetStats();
  const t0 = Date.now();
  const r = await e.query(`-- @ strategy: ${strat}\n-- @ cache: false\nSELECT id, text ABOUT 'eco' AS s FROM t WHERE text MEANS 'eco friendly'`);
  console.log(strat, Date.now() - t0, JSON.stringify(r.rows), (await sim.stats()).requests);
}
console.log((await e.query(`EXPLAIN SELECT id FROM t WHERE text MEANS 'eco'`)).rows);
console.log((await e.query(`SELECT LLM_SUMMARIZE(text) AS s, LLM_SENTIMENT(text) AS m, LLM_THEMES(text, 2) th FROM t`)).rows);
console.log((await e.query(`SELECT strategy, calls FROM rvbbit.queries`)).rows);
await e.close(); await sim.close();
