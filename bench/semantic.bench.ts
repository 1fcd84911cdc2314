/**
 * Semantic operators: the four strategies on one filter, and the small-side
 * join against the pairwise plan, ratios from one run.
 *
 *   node --import tsx bench/semantic.bench.ts [--n 1000] [--latency 100] [--parallel 50] [--subset 50]
 *
 * The simulator runs in its own process (its CPU must not hide in the
 * engine's event loop, and the sync strategies block that loop). sequential
 * and union_all take N × latency, so they run on `--subset` rows and are
 * extrapolated linearly to N (they make one blocking call per row; the
 * figure printed says so). Worker threads are warmed up before timing.
 */
import { createEngine, type Engine } from '../src/index.js';
import { startSimulatorProcess } from '../src/sim/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 1000);
const LATENCY = arg('latency', 100);
const PARALLEL = arg('parallel', 50);
const SUBSET = arg('subset', 50);
const JOIN_LEFT = arg('join-left', 500);
const JOIN_RIGHT = arg('join-right', 20);

const TOPICS = ['eco bottle', 'running shoe', 'phone battery', 'kitchen knife', 'yoga mat'];
/** The topics as a DuckDB list literal. */
const TOPIC_LIST = `[${TOPICS.map((t) => `'${t}'`).join(', ')}]`;

async function main(): Promise<void> {
  const sim = await startSimulatorProcess({ latencyMs: LATENCY });
  const opts = { cascadeRoots: [], threads: 2, defaultParallel: PARALLEL };
  const provider = { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 1000 };
  const engine = await createEngine({ ...opts, provider });
  const pairwise = await createEngine({ ...opts, provider, smallSideLimit: 0 });
  const items = `CREATE TABLE items AS SELECT range::INTEGER AS id,
      'product ' || range || ' is a ' || ${TOPIC_LIST}[range % 5 + 1] AS text
    FROM range(${Math.max(N, JOIN_LEFT)});
    CREATE TABLE labels AS SELECT 'label ' || range || ' ' || ${TOPIC_LIST}[range % 5 + 1] AS label
    FROM range(${JOIN_RIGHT});`;
  await engine.query(items);
  await pairwise.query(items);

  const head = `-- @ parallel: ${PARALLEL}\n-- @ cache: false`;
  const filter = (n: number) => `SELECT id FROM items WHERE id < ${n} AND text MEANS 'eco friendly bottle'`;
  const results: { name: string; rows: number; calls: number; ms: number; msAtN: number; note: string }[] =
    [];

  const time = async (
    e: Engine,
    name: string,
    sql: string,
    scaleTo?: number,
    rowsRun?: number,
  ): Promise<void> => {
    await sim.resetStats();
    const t0 = performance.now();
    const r = await e.query(sql);
    const ms = performance.now() - t0;
    const s = await sim.stats();
    const scale = scaleTo && rowsRun ? scaleTo / rowsRun : 1;
    results.push({
      name,
      rows: r.rows.length,
      calls: s.requests,
      ms: Math.round(ms),
      msAtN: Math.round(ms * scale),
      note:
        scale !== 1 ? `measured on ${rowsRun} rows, × ${scale} (linear)` : `max in flight ${s.maxInFlight}`,
    });
  };

  // Warm-up: worker threads (pool and sync worker) start once per engine, outside the figures.
  for (const e of [engine, pairwise])
    for (const strategy of ['batch', 'vectorized'])
      await e.query(`-- @ cache: false\n-- @ strategy: ${strategy}\nSELECT 'warm up' MEANS 'warm'`);

  await time(engine, 'filter: batch', `${head}\n-- @ strategy: batch\n${filter(N)}`);
  await time(engine, 'filter: vectorized', `${head}\n-- @ strategy: vectorized\n${filter(N)}`);
  await time(
    engine,
    'filter: sequential',
    `${head}\n-- @ strategy: sequential\n${filter(SUBSET)}`,
    N,
    SUBSET,
  );
  await time(engine, 'filter: union_all', `${head}\n-- @ strategy: union_all\n${filter(SUBSET)}`, N, SUBSET);
  const join = `SELECT i.id, l.label FROM (SELECT * FROM items WHERE id < ${JOIN_LEFT}) i SEMANTIC JOIN labels l ON i.text ~ l.label`;
  await time(engine, `join ${JOIN_LEFT}×${JOIN_RIGHT}: small side`, `${head}\n${join}`);
  await time(pairwise, `join ${JOIN_LEFT}×${JOIN_RIGHT}: pairwise`, `${head}\n${join}`);

  const by = (n: string) => results.find((r) => r.name.startsWith(n))!;
  console.log(
    `semantic strategies: N=${N}, latency ${LATENCY} ms, parallel ${PARALLEL}, answered by ${engine.answeredBy}`,
  );
  console.table(results);
  const batch = by('filter: batch').msAtN;
  console.log(`batch vs sequential: ${(by('filter: sequential').msAtN / batch).toFixed(1)}× faster`);
  console.log(`batch vs union_all:  ${(by('filter: union_all').msAtN / batch).toFixed(1)}× faster`);
  console.log(`batch vs vectorized: ${(by('filter: vectorized').msAtN / batch).toFixed(2)}× faster`);
  const small = by('join');
  const pairs = results[results.length - 1]!;
  console.log(
    `join small side vs pairwise: ${(pairs.msAtN / small.msAtN).toFixed(1)}× faster, ${small.calls} vs ${pairs.calls} calls`,
  );
  console.log(JSON.stringify({ bench: 'semantic', n: N, latencyMs: LATENCY, parallel: PARALLEL, results }));
  await engine.close();
  await pairwise.close();
  await sim.close();
}

await main();
