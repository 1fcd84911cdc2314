/**
 * Pre-filtered SEMANTIC JOIN (`-- @ prefilter: k`) against the pairwise plan:
 * calls and wall time for LEFT × RIGHT, the pairwise plan run on a subset of
 * the left side and extrapolated linearly (it makes one call per pair).
 *
 *   node --import tsx bench/embed-join.bench.ts [--left 2000] [--right 2000] [--k 5] [--subset 10] [--latency 0] [--parallel 64]
 *
 * Data: left i and right i share three words (the true match); every other
 * pair shares none, so the rows of both plans are the same (checked on the subset).
 */
import { createEngine } from '../src/index.js';
import { startSimulatorProcess } from '../src/sim/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const LEFT = arg('left', 2000);
const RIGHT = arg('right', 2000);
const K = arg('k', 5);
const SUBSET = arg('subset', 10);
const LATENCY = arg('latency', 0);
const PARALLEL = arg('parallel', 64);

async function main(): Promise<void> {
  const sim = await startSimulatorProcess({ latencyMs: LATENCY });
  const opts = {
    cascadeRoots: [],
    threads: 2,
    defaultParallel: PARALLEL,
    provider: { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 1000 },
  };
  const engine = await createEngine(opts);
  // smallSideLimit 0: the subset's 10 left values would otherwise take the small-side plan, not pairwise.
  const pairwise = await createEngine({ ...opts, smallSideLimit: 0 });
  try {
    const tables = `
      CREATE TABLE lefts AS SELECT range::INTEGER AS id,
        printf('alpha%05d beta%05d gamma%05d', range, range, range) AS name FROM range(${LEFT});
      CREATE TABLE rights AS SELECT range::INTEGER AS id,
        printf('alpha%05d beta%05d gamma%05d widget', range, range, range) AS label FROM range(${RIGHT});`;
    await engine.query(tables);
    await pairwise.query(tables);
    const join = (where: string) =>
      `SELECT l.id AS l, r.id AS r FROM lefts l SEMANTIC JOIN rights r ON l.name ~ r.label ${where} ORDER BY 1, 2`;
    const run = async (sql: string, e = engine) => {
      await sim.resetStats();
      const t0 = performance.now();
      const r = await e.query(`-- @ cache: false\n-- @ parallel: ${PARALLEL}\n${sql}`);
      const ms = performance.now() - t0;
      const s = await sim.stats();
      return {
        rows: r.rows,
        ms,
        chat: s.requests,
        embeddingCalls: s.embeddingRequests,
        embedded: s.embeddingInputs,
      };
    };
    // The dimension probe happens once per engine: outside the figures.
    await engine.query(`SELECT EMBED('warm up') IS NOT NULL`);
    await pairwise.query(`-- @ cache: false\nSELECT 'warm up' ~ 'warm'`);

    const pre = await run(`-- @ prefilter: ${K}\n${join('')}`);
    const subsetWhere = `WHERE l.id < ${SUBSET}`;
    const pairSub = await run(join(subsetWhere), pairwise);
    const preSub = await run(`-- @ prefilter: ${K}\n${join(subsetWhere)}`);
    const same = JSON.stringify(pairSub.rows) === JSON.stringify(preSub.rows);
    // Every left value's true match (and nothing else) is found by the pruned run.
    const allMatches = pre.rows.length === Math.min(LEFT, RIGHT) && pre.rows.every((r) => r['l'] === r['r']);
    const scale = LEFT / SUBSET;
    const out = {
      pairs: LEFT * RIGHT,
      k: K,
      latencyMs: LATENCY,
      prefilter: {
        rows: pre.rows.length,
        chatCalls: pre.chat,
        bound: LEFT * K,
        embeddingCalls: pre.embeddingCalls,
        textsEmbedded: pre.embedded,
        ms: Math.round(pre.ms),
      },
      pairwise: {
        measuredOnLeft: SUBSET,
        chatCallsMeasured: pairSub.chat,
        chatCallsExtrapolated: pairSub.chat * scale,
        msMeasured: Math.round(pairSub.ms),
        msExtrapolated: Math.round(pairSub.ms * scale),
      },
      subsetRowsEqual: same,
      prefilterFoundEveryMatch: allMatches,
      callRatio: Math.round((pairSub.chat * scale) / Math.max(1, pre.chat)),
    };
    console.log(JSON.stringify(out, null, 2));
    if (!same || !allMatches || pre.chat > LEFT * K) process.exitCode = 1;
  } finally {
    await engine.close();
    await pairwise.close();
    await sim.close();
  }
}

await main();
