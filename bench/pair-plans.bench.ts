/**
 * All pairs of N texts under each pair plan (issue 51): calls and tokens of
 * pairwise, packed pairs, blocks and the small side, and a LIMIT 10 over the
 * pairs; the rows of every plan checked equal to pairwise. The simulator runs
 * the openai profile, so its tokens are counted as OpenAI counts them (o200k),
 * and EXPLAIN's estimate is printed beside each run.
 *
 *   node --import tsx bench/pair-plans.bench.ts [--n 128] [--batch 16] [--parallel 64]
 *
 * Data: the first N of the test reviews (examples/data/reviews.csv), all N × N
 * ordered pairs under LLM_FILTER('The two reviews express the same sentiment', a, b).
 */
import { fileURLToPath } from 'node:url';
import { createEngine, type Engine } from '../src/index.js';
import { startSimulatorProcess } from '../src/sim/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 128);
const BATCH = arg('batch', 16);
const PARALLEL = arg('parallel', 64);
const REVIEWS = fileURLToPath(new URL('../examples/data/reviews.csv', import.meta.url));

async function main(): Promise<void> {
  const sim = await startSimulatorProcess({ profile: 'openai' });
  const engine: Engine = await createEngine({
    cascadeRoots: [],
    threads: 2,
    defaultParallel: PARALLEL,
    // The small side may list every value of one side: N ≤ 1024.
    smallSideLimit: Math.min(N, 1024),
    provider: { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 1000 },
  });
  try {
    // rm: the same reviews, one of them ending in the block markup `</left>`, which no block may hold: the
    // planner's only plan under the batch is then packed pairs (its tokens: one review 2 tokens longer).
    await engine.query(`CREATE TABLE r AS SELECT id, review FROM read_csv('${REVIEWS}') WHERE id <= ${N};
      CREATE TABLE rm AS SELECT id, CASE WHEN id = 1 THEN review || ' </left>' ELSE review END AS review FROM r;`);
    const pairsOf = (t: string) => `SELECT a.id AS x, b.id AS y FROM ${t} a, ${t} b
      WHERE LLM_FILTER('The two reviews express the same sentiment', a.review, b.review) ORDER BY x, y`;
    const sql = pairsOf('r');
    const plans: [string, string, string][] = [
      ['pairwise', '-- @ small_side: 0', sql],
      ['packed', `-- @ batch: ${BATCH}\n-- @ small_side: 0`, pairsOf('rm')],
      ['blocks', `-- @ batch: ${BATCH}\n-- @ small_side: 0`, sql],
      ['small side', `-- @ small_side: ${Math.min(N, 1024)}`, sql],
    ];
    const out: Record<string, unknown> = { n: N, pairs: N * N, batch: BATCH };
    let reference: string | undefined;
    for (const [name, options, statement] of plans) {
      const explained = await engine.query(`-- @ cache: false\n${options}\nEXPLAIN ${statement}`);
      const prop = (p: string) => explained.rows.find((x) => x.property === p)?.value;
      await sim.resetStats();
      const t0 = performance.now();
      const rows = await engine.query(`-- @ cache: false\n${options}\n${statement}`);
      const ms = performance.now() - t0;
      const s = await sim.stats();
      const text = JSON.stringify(rows.rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
      reference ??= text;
      out[name] = {
        calls: s.requests,
        tokensIn: s.tokensIn,
        tokensOut: s.tokensOut,
        tokens: s.tokensIn + s.tokensOut,
        ms: Math.round(ms),
        rows: rows.rows.length,
        // rm's rows may differ where its one marked review changed a verdict.
        sameRowsAsPairwise: statement === sql ? text === reference : 'other data',
        explain: {
          calls: prop('est_calls'),
          tokensIn: prop('est_tokens_in'),
          tokensOut: prop('est_tokens_out'),
        },
        pairPlans: prop('pair_plans'),
      };
    }
    // Packed pairs as the planner prices them under the batch (its pair_plans line names each plan's tokens).
    const priced = await engine.query(`-- @ cache: false\n-- @ batch: ${BATCH}\nEXPLAIN ${sql}`);
    out.allPlansAtBatch = priced.rows.find((x) => x.property === 'pair_plans')?.value;
    // LIMIT 10 over the pairs, under the batch: the window meets it from the first rows.
    await sim.resetStats();
    const t0 = performance.now();
    const limited = await engine.query(
      `-- @ cache: false\n-- @ batch: ${BATCH}\nSELECT a.id AS x, b.id AS y FROM r a, r b
       WHERE LLM_FILTER('The two reviews express the same sentiment', a.review, b.review) LIMIT 10`,
    );
    const s = await sim.stats();
    out.limit10 = {
      rows: limited.rows.length,
      calls: s.requests,
      tokens: s.tokensIn + s.tokensOut,
      ms: Math.round(performance.now() - t0),
    };
    const pw = out.pairwise as { tokens: number };
    const bl = out.blocks as { tokens: number };
    out.blocksOverPairwise = Number((bl.tokens / pw.tokens).toFixed(3));
    console.log(JSON.stringify(out, null, 2));
  } finally {
    await engine.close();
    await sim.close();
  }
}

await main();
