/**
 * Semantic top-k and semantic dedupe against their naive plans, N = 10,000,
 * on the simulator at a fixed latency (calls and wall time, one run):
 *
 *   node --import tsx bench/semantic-topk-dedupe.bench.ts [--n 10000] [--latency 500] [--parallel 64] [--m 100] [--subset 200]
 *
 * Top-k, `ORDER BY body RELEVANCE TO q LIMIT 10`: scoring every row (one call
 * each, and packed 16 per prompt) against `-- @ prefilter: m`. The data is
 * test/fixtures/relevance-items.ts: a known top 10, one of its rows far
 * down the embedding order. The rows must be equal.
 *
 * Dedupe, `ENTITY(name)` over n records with n/5 duplicate groups
 * (test/fixtures/entity-records.ts): blocking by embedding against comparing
 * every pair (`a.name ~ b.name` over a.id < b.id, packed 16 per prompt). Every
 * pair of 10,000 records is 49,995,000 pairs: that plan is run on the first
 * `subset` records and extrapolated by pairs (its clusters, closed here, must
 * equal ENTITY's over the same subset); ENTITY runs on all n and must recover
 * every group.
 */
import { createEngine, type Engine } from '../src/index.js';
import { startSimulatorProcess } from '../src/sim/index.js';
import { entityRecords, entityTableSql } from '../test/fixtures/entity-records.js';
import { itemsTableSql, TOPIC } from '../test/fixtures/relevance-items.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 10_000);
const LATENCY = arg('latency', 500);
const PARALLEL = arg('parallel', 64);
const M = arg('m', 100);
const SUBSET = arg('subset', 200);
const K = 10;

interface Run {
  rows: readonly Record<string, unknown>[];
  chat: number;
  embeddingCalls: number;
  s: number;
}

async function main(): Promise<void> {
  const sim = await startSimulatorProcess({ latencyMs: LATENCY });
  const engine = await createEngine({
    cascadeRoots: [],
    threads: 2,
    defaultParallel: PARALLEL,
    provider: { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 1000 },
  });
  const records = entityRecords(N, N / 5);
  try {
    await engine.query(itemsTableSql(N));
    await engine.query(entityTableSql(records));
    // The dimension probe happens once per engine: outside the figures.
    await engine.query(`SELECT EMBED('warm up') IS NOT NULL`);
    const run = async (sql: string, annotations = '', e: Engine = engine): Promise<Run> => {
      await sim.resetStats();
      const t0 = performance.now();
      const r = await e.query(`-- @ cache: false\n-- @ parallel: ${PARALLEL}\n${annotations}\n${sql}`);
      const s = (performance.now() - t0) / 1000;
      const st = await sim.stats();
      return { rows: r.rows, chat: st.requests, embeddingCalls: st.embeddingRequests, s };
    };
    const ideal = (calls: number) => Math.ceil(calls / PARALLEL) * (LATENCY / 1000);

    // Top-k.
    const topk = `SELECT id FROM items ORDER BY body RELEVANCE TO '${TOPIC}' LIMIT ${K}`;
    const full = await run(topk);
    const packed = await run(topk, '-- @ batch: 16');
    const pruned = await run(topk, `-- @ prefilter: ${M}`);
    const prunedPacked = await run(topk, `-- @ prefilter: ${M}\n-- @ batch: 16`);
    const same = (a: Run) => JSON.stringify(a.rows) === JSON.stringify(full.rows);

    // Dedupe: ENTITY on all n; every pair on the subset, closed here, against ENTITY on the subset.
    const entity = await run('SELECT id, ENTITY(name) AS e FROM records');
    const strategy = String(
      (
        await engine.query(
          `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
        )
      ).rows[0]?.['strategy'],
    );
    const compared = Number(/(\d+) of \d+ pairs compared/.exec(strategy)?.[1]);
    const byEntity = partition(entity.rows.map((r) => [Number(r['id']), String(r['e'])]));
    const truth = partition(records.map((r) => [r.id, String(r.entity)]));
    const sub = `(SELECT * FROM records WHERE id < ${SUBSET})`;
    const pairs = await run(
      `SELECT a.id AS a, b.id AS b FROM ${sub} a, ${sub} b WHERE a.id < b.id AND a.name ~ b.name`,
      '-- @ batch: 16',
    );
    const subEntity = await run(`SELECT id, ENTITY(name) AS e FROM records WHERE id < ${SUBSET}`);
    const closed = closure(
      SUBSET,
      pairs.rows.map((r) => [Number(r['a']), Number(r['b'])]),
    );
    const subSame = closed === partition(subEntity.rows.map((r) => [Number(r['id']), String(r['e'])]));
    const allPairs = (N * (N - 1)) / 2;
    const subPairs = (SUBSET * (SUBSET - 1)) / 2;
    const scale = allPairs / subPairs;

    const fmt = (x: number) => x.toLocaleString('en-US');
    const table = [
      '| plan | chat calls | embedding calls | wall (ideal) | same result |',
      '| --- | --- | --- | --- | --- |',
      `| top-k: every row scored | ${fmt(full.chat)} | 0 | ${full.s.toFixed(1)} s (${ideal(full.chat).toFixed(1)} s) | — |`,
      `| top-k: every row, \`-- @ batch: 16\` | ${fmt(packed.chat)} | 0 | ${packed.s.toFixed(1)} s (${ideal(packed.chat).toFixed(1)} s) | ${same(packed)} |`,
      `| top-k: \`-- @ prefilter: ${M}\` | ${fmt(pruned.chat)} | ${pruned.embeddingCalls} | ${pruned.s.toFixed(1)} s (${ideal(pruned.chat).toFixed(1)} s) | ${same(pruned)} |`,
      `| top-k: \`-- @ prefilter: ${M}\`, \`-- @ batch: 16\` | ${fmt(prunedPacked.chat)} | ${prunedPacked.embeddingCalls} | ${prunedPacked.s.toFixed(1)} s (${ideal(prunedPacked.chat).toFixed(1)} s) | ${same(prunedPacked)} |`,
      `| dedupe: every pair, packed 16 (measured on ${SUBSET} records, × ${fmt(Math.round(scale))}) | ${fmt(Math.round(pairs.chat * scale))} | 0 | ${fmt(Math.round(pairs.s * scale))} s (${fmt(Math.round(ideal(pairs.chat * scale)))} s) | ${subSame} (on the subset) |`,
      `| dedupe: \`ENTITY(name)\`, ${fmt(compared)} of ${fmt(allPairs)} pairs compared (${((100 * compared) / allPairs).toFixed(3)}%) | ${fmt(entity.chat)} | ${entity.embeddingCalls} | ${entity.s.toFixed(1)} s (${ideal(entity.chat).toFixed(1)} s) | ${byEntity === truth} (every group) |`,
    ];
    console.log(`N = ${fmt(N)}, latency ${LATENCY} ms, PARALLEL ${PARALLEL}, cache off\n`);
    console.log(table.join('\n'));
    const ok = same(packed) && same(pruned) && same(prunedPacked) && subSame && byEntity === truth;
    if (!ok || pruned.chat + pruned.embeddingCalls > M + K * Math.log2(M)) process.exitCode = 1;
  } finally {
    await engine.close();
    await sim.close();
  }
}

/** A partition of ids as comparable text: the sorted list of sorted groups. */
function partition(pairs: readonly (readonly [number, string])[]): string {
  const groups = new Map<string, number[]>();
  for (const [id, key] of pairs) groups.set(key, [...(groups.get(key) ?? []), id]);
  return JSON.stringify(
    [...groups.values()].map((g) => g.sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!),
  );
}

/** The partition of ids 0..n-1 that the same-pairs close to. */
function closure(n: number, same: readonly (readonly [number, number])[]): string {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i]!;
    return i;
  };
  for (const [a, b] of same) parent[find(a)] = find(b);
  return partition(Array.from({ length: n }, (_, i) => [i, String(find(i))]));
}

await main();
