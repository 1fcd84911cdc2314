/**
 * `delivery = 'batch'` against synchronous delivery on the simulator (default
 * profile): a MAP over N rows, and a `WHERE … MEANS` filter over the same N
 * rows, each run once with one HTTP call per row and once through the
 * simulator's Batch API (/files + /batches, answered after
 * `--batch-ms` ms). The simulator reports no cost of its own (no
 * costPerMillion), so every dollar comes from the engine's price table,
 * SIM_PRICES: sim-small at $0.15 in / $0.60 out per 1M tokens with
 * `batch_discount` 0.5, i.e. a batch answer costs half a synchronous one.
 *
 * Printed: per statement and delivery, the calls (synchronous requests or
 * batch lines, from the simulator's stats), batches created, input tokens,
 * dollars per 1,000 rows (rvbbit.queries.cost) and wall time; then each
 * statement's batch / sync dollar ratio (0.500 expected), and whether the
 * two deliveries saw the same input tokens and gave the same answers.
 *
 *   node --import tsx bench/batch-delivery.bench.ts [--n 1000] [--parallel 64] [--batch-ms 200]
 */
import { fileURLToPath } from 'node:url';
import { SIM_PRICES } from '../src/engine/provider.js';
import { createEngine, type Engine } from '../src/index.js';
import { startSimulator } from '../src/sim/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 1000);
const PARALLEL = arg('parallel', 64);
const BATCH_MS = arg('batch-ms', 200);
const MODEL = 'sim-small';
const EXAMPLES = fileURLToPath(new URL('../examples/cascades/', import.meta.url));

interface Measured {
  readonly statement: string;
  readonly delivery: 'sync' | 'batch';
  readonly calls: number;
  readonly batches: number;
  readonly tokensIn: number;
  readonly dollars: number;
  readonly ms: number;
  /** The statement's rows, to check batch answers equal sync ones. */
  readonly answers: string;
}

async function main(): Promise<void> {
  const sim = await startSimulator({ batchCompletionMs: BATCH_MS });
  const engine = await createEngine({
    cascadeRoots: [EXAMPLES],
    threads: 1,
    defaultParallel: PARALLEL,
    provider: { baseUrl: sim.url, model: MODEL, prices: SIM_PRICES, maxConcurrency: 256 },
  });
  try {
    await engine.query(`CREATE TABLE products AS SELECT range::INTEGER AS id,
        ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark'][range % 6 + 1] || ' ' ||
        ['phone', 'kettle', 'drill', 'laptop', 'blender', 'headset', 'camera'][range % 7 + 1] ||
        ' model ' || (1000 + range) AS product_name
      FROM range(${N})`);

    const run = async (statement: string, delivery: 'sync' | 'batch', sql: string): Promise<Measured> => {
      sim.resetStats();
      const t0 = performance.now();
      const rows = (await engine.query(sql)).rows;
      const ms = performance.now() - t0;
      const s = sim.stats();
      const q = await lastStatement(engine);
      const m: Measured = {
        statement,
        delivery,
        calls: delivery === 'batch' ? s.batchLines + s.requests : s.requests,
        batches: s.batchesCreated,
        tokensIn: q.tokensIn,
        dollars: q.cost,
        ms,
        answers: JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? String(v) : v)),
      };
      if (q.calls !== m.calls)
        console.error(`note: ${statement} ${delivery}: ${q.calls} calls logged, ${m.calls} seen`);
      console.error(`${statement}, ${delivery}: ${N} rows in ${ms.toFixed(0)} ms`);
      return m;
    };

    const map = (delivery: string) =>
      `RVBBIT MAP PARALLEL ${PARALLEL} 'traits/extract_brand.yaml' USING (SELECT product_name FROM products ORDER BY id)
       WITH (cache = false, limit = 0, model = '${MODEL}'${delivery === 'batch' ? `, delivery = 'batch'` : ''})`;
    const means = (delivery: string) =>
      `-- @ cache: false\n-- @ parallel: ${PARALLEL}\n${delivery === 'batch' ? '-- @ delivery: batch\n' : ''}` +
      `SELECT count(*) AS phones FROM products WHERE product_name MEANS 'a mobile phone'`;

    // Warm-up (worker thread, cascade load), so the first measured run's wall time is not its start-up.
    await engine.query(
      `RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT 'warm-up ' || range AS product_name FROM range(20))
       WITH (cache = false, model = '${MODEL}')`,
    );
    const results = [
      await run('MAP extract_brand', 'sync', map('sync')),
      await run('MAP extract_brand', 'batch', map('batch')),
      await run(`WHERE … MEANS`, 'sync', means('sync')),
      await run(`WHERE … MEANS`, 'batch', means('batch')),
    ];

    const price = SIM_PRICES[MODEL]!;
    console.log(
      `delivery = 'batch' vs sync, simulator (default profile, batches answered after ${BATCH_MS} ms), ` +
        `${MODEL} (in $${price.in}, out $${price.out} per 1M, batch_discount ${price.batch_discount}), ` +
        `${N} rows, PARALLEL ${PARALLEL}, cache = false\n`,
    );
    console.log('| statement | delivery | calls | batches | input tokens | $ / 1,000 rows | wall |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const r of results)
      console.log(
        `| ${r.statement} | ${r.delivery} | ${r.calls} ${r.delivery === 'batch' ? 'lines' : 'requests'} | ` +
          `${r.batches} | ${r.tokensIn} | $${((r.dollars * 1000) / N).toFixed(6)} | ${(r.ms / 1000).toFixed(2)} s |`,
      );
    console.log('');
    const expected = 1 - (price.batch_discount ?? 0);
    for (let i = 0; i < results.length; i += 2) {
      const [sync, batch] = [results[i]!, results[i + 1]!];
      const ratio = batch.dollars / sync.dollars;
      console.log(
        `${sync.statement}: batch / sync dollars = ${ratio.toFixed(3)}` +
          (Math.abs(ratio - expected) > 1e-9 ? ` (expected ${expected.toFixed(3)})` : '') +
          `; same input tokens: ${batch.tokensIn === sync.tokensIn ? 'yes' : `no, ${batch.tokensIn} vs ${sync.tokensIn}`}` +
          `; same answers: ${batch.answers === sync.answers ? 'yes' : 'no'}`,
      );
    }
  } finally {
    await engine.close();
    await sim.close();
  }
}

/** The last statement's cost (rvbbit.queries) and its calls' input tokens (rvbbit.unified_logs). */
async function lastStatement(engine: Engine): Promise<{ cost: number; calls: number; tokensIn: number }> {
  const q = (
    await engine.readSystem(
      `SELECT query_id, cost FROM rvbbit.queries WHERE kind IN ('map', 'semantic') ORDER BY started_at DESC LIMIT 1`,
    )
  )[0]!;
  const logs = (
    await engine.readSystem(
      `SELECT count(*) AS calls, sum(tokens_in) AS tin FROM rvbbit.unified_logs
       WHERE query_id = '${String(q['query_id'])}' AND NOT cache_hit`,
    )
  )[0]!;
  return { cost: Number(q['cost']), calls: Number(logs['calls']), tokensIn: Number(logs['tin']) };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
