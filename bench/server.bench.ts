/**
 * `npm run bench:server`: what the Postgres wire server costs.
 *
 *   1. Round trips: `SELECT 1` one at a time through node-postgres → server,
 *      vs `engine.query` in the same process.
 *   2. Throughput: 10 clients, each running a MAP of ROWS rows with PARALLEL 10
 *      against the simulator at 20 ms latency, vs the same 10 MAPs on 10
 *      in-process sessions. Target: server ≥ 0.9× in-process.
 *
 * Options: --trips <n> (default 2000)  --rows <n> per client (default 200)  --reps <n> (default 3)
 */

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createEngine, type Engine } from '../src/index.js';
import { startServer } from '../src/server/index.js';
import { startSimulator } from '../src/sim/index.js';

const { values } = parseArgs({
  options: { trips: { type: 'string' }, rows: { type: 'string' }, reps: { type: 'string' } },
});
const TRIPS = Number(values.trips ?? 2000);
const ROWS = Number(values.rows ?? 200);
const REPS = Number(values.reps ?? 3);
const CLIENTS = 10;
const CASCADES = fileURLToPath(new URL('../examples/cascades', import.meta.url));

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function roundTrips(engine: Engine, port: number) {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'bench' });
  await c.connect();
  const session = await engine.session();
  const time = async (op: () => Promise<unknown>) => {
    for (let i = 0; i < 100; i++) await op();
    const lat: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < TRIPS; i++) {
      const s = performance.now();
      await op();
      lat.push(performance.now() - s);
    }
    return { perSec: TRIPS / ((performance.now() - t0) / 1000), p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
  };
  const wire = await time(() => c.query('SELECT 1'));
  const wireExt = await time(() => c.query('SELECT $1::INTEGER', [1]));
  const local = await time(() => session.query('SELECT 1'));
  await c.end();
  session.close();
  return { wire, wireExt, local };
}

const mapSql = (rep: number, k: number) =>
  `RVBBIT MAP PARALLEL 10 'traits/extract_brand.yaml' AS brand
   USING (SELECT 'Bench${rep}x${k} item ' || range AS product_name FROM range(${ROWS}))`;

async function throughput(engine: Engine, port: number, rep: number) {
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'bench' });
      await c.connect();
      return c;
    }),
  );
  let t0 = performance.now();
  const wireRows = await Promise.all(
    clients.map((c, k) => c.query(mapSql(rep * 2, k)).then((r) => r.rows.length)),
  );
  const wireSec = (performance.now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  const sessions = await Promise.all(Array.from({ length: CLIENTS }, () => engine.session()));
  t0 = performance.now();
  const localRows = await Promise.all(
    sessions.map((s, k) => s.query(mapSql(rep * 2 + 1, k)).then((r) => r.rows.length)),
  );
  const localSec = (performance.now() - t0) / 1000;
  for (const s of sessions) s.close();
  const total = CLIENTS * ROWS;
  if (wireRows.some((n) => n !== ROWS) || localRows.some((n) => n !== ROWS))
    throw new Error('row count mismatch');
  return { wire: total / wireSec, local: total / localSec };
}

const sim = await startSimulator({ latencyMs: 20 });
const engine = await createEngine({
  cascadeRoots: [CASCADES],
  provider: { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 1000 },
  cache: false,
});
const server = await startServer({ engine, port: 0 });
const rt = await roundTrips(engine, server.port);
const fmt = (x: { perSec: number; p50: number; p99: number }) =>
  `${x.perSec.toFixed(0).padStart(6)} /s  p50 ${x.p50.toFixed(3)} ms  p99 ${x.p99.toFixed(3)} ms`;
console.log(`round trips (${TRIPS} sequential):`);
console.log(`  in-process engine.query('SELECT 1')   ${fmt(rt.local)}`);
console.log(`  server, simple protocol 'SELECT 1'     ${fmt(rt.wire)}`);
console.log(`  server, extended 'SELECT $1::INTEGER'  ${fmt(rt.wireExt)}`);
const runs: { wire: number; local: number }[] = [];
for (let rep = 0; rep < REPS; rep++) runs.push(await throughput(engine, server.port, rep));
const med = (xs: number[]) => pct(xs, 0.5);
const wire = med(runs.map((r) => r.wire));
const local = med(runs.map((r) => r.local));
console.log(
  `MAP throughput, ${CLIENTS} clients × ${ROWS} rows, PARALLEL 10, latency 20 ms (median of ${REPS}):`,
);
console.log(`  in-process, ${CLIENTS} sessions   ${local.toFixed(0)} rows/s`);
console.log(
  `  server, ${CLIENTS} pg clients     ${wire.toFixed(0)} rows/s   ratio ${(wire / local).toFixed(2)}× (target ≥ 0.90×)`,
);
console.log(
  `  runs: ${runs.map((r) => `${r.wire.toFixed(0)}/${r.local.toFixed(0)}`).join(', ')} (server/in-process)`,
);
await server.close();
await engine.close();
await sim.close();
