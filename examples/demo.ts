/**
 * `npm start`: the main demo. In-memory DuckDB, the sample products in
 * examples/data, the cascades in examples/cascades, and the built-in LLM
 * simulator (with a realistic 40 ms latency) unless a provider is configured
 * (RVBBIT_BASE_URL or an API key), in which case it says so and uses it.
 * Written as a user would, against the package ('rvbbit'); paths are from the
 * repository's root, where `npm start` runs.
 */
import { createEngine, type ProviderOption, resolveLlmConfig } from 'rvbbit';
import { printTable } from './print-table.js';

const realProvider = resolveLlmConfig(process.env).baseUrl !== undefined;
// The example cascade asks for `small-fast` (an alias a real provider's config maps, docs/configuration.md):
// on the simulator it is priced as its sim-small, so EXPLAIN's estimate and the logged cost both have dollars.
const provider: ProviderOption | undefined = realProvider
  ? undefined
  : { simulator: { latencyMs: 40 }, prices: { 'small-fast': { in: 0.15, out: 0.6, batch_discount: 0.5 } } };
const engine = await createEngine({ cascadeRoots: ['examples/cascades'], provider });

console.log(
  realProvider
    ? `LLM answers come from the configured provider: ${engine.answeredBy}`
    : 'LLM answers come from the built-in simulator (no API key set), with 40 ms of simulated latency per call.',
);

async function step(title: string, sql: string, show = true, maxRows = 12) {
  console.log(`\n── ${title}\n${sql.trim()}\n`);
  const t0 = performance.now();
  const result = await engine.query(sql);
  const ms = performance.now() - t0;
  if (show) printTable(result, maxRows);
  const last = await engine.query(
    'SELECT calls, cache_hits FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1',
  );
  const { calls, cache_hits } = last.rows[0] as { calls: bigint; cache_hits: bigint };
  const rows = `${result.rows.length} row${result.rows.length === 1 ? '' : 's'}`;
  console.log(`(${rows} in ${ms.toFixed(0)} ms; ${calls} LLM calls, ${cache_hits} cache hits)`);
  return ms;
}

try {
  await engine.query(`CREATE TABLE products AS SELECT * FROM read_csv_auto('examples/data/products.csv')`);
  const map = (
    parallel: string,
  ) => `RVBBIT MAP ${parallel}'traits/extract_brand.yaml' AS (brand VARCHAR, confidence DOUBLE)
USING (SELECT id, product_name FROM products ORDER BY id LIMIT 60)
WITH (cache = false)`;
  // Said, not left to the default: an unannotated MAP runs min(8, the provider's concurrency cap) calls at once.
  const sequential = await step('MAP, one call at a time (PARALLEL 1)', map('PARALLEL 1 '), false);
  const parallel = await step(
    'The same MAP with PARALLEL 20: 20 calls in flight, rows still in input order',
    map('PARALLEL 20 '),
  );
  console.log(`speedup: ${(sequential / parallel).toFixed(1)}x (ideal for 60 rows at PARALLEL 20: 20x)`);

  const distinct = `RVBBIT MAP PARALLEL 20 DISTINCT 'traits/extract_brand.yaml' AS (brand VARCHAR, confidence DOUBLE)
USING (SELECT regexp_replace(product_name, ' - .*$', '') AS product_name FROM products)`;
  await step('DISTINCT: 242 products, one call per distinct name (colour variants dropped)', distinct);
  await step('The same statement again: every row comes from the result cache, no LLM call', distinct, false);
  await step(
    'RUN: one cascade over a whole table (the cascade reads it with sql_data)',
    `RVBBIT RUN 'traits/analyze_batch.yaml'
USING (SELECT * FROM products WHERE category = 'electronics')
WITH (as_table = 'electronics_batch')`,
  );
  await step(
    'EXPLAIN: what a MAP would cost, with no paid call',
    `EXPLAIN RVBBIT MAP PARALLEL 10 'traits/extract_brand.yaml' USING (SELECT product_name FROM products)`,
    true,
    20,
  );
  await step(
    'Every LLM call is logged: rvbbit.unified_logs, by statement',
    `SELECT q.kind, count(*) AS calls, round(avg(l.duration_ms), 1) AS avg_ms,
       sum(l.tokens_in) AS tokens_in, sum(l.tokens_out) AS tokens_out, round(sum(l.cost), 6) AS dollars
FROM rvbbit.unified_logs l JOIN rvbbit.queries q USING (query_id)
WHERE NOT l.cache_hit
GROUP BY q.kind, q.started_at ORDER BY q.started_at`,
  );
} finally {
  await engine.close();
}
