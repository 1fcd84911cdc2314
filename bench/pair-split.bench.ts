/**
 * Pair conditions split into labels (issue 68, src/statements/semantic/pairs/pair-split.ts):
 * "The two reviews express opposite sentiments" over N × N short reviews, the split
 * plan against the blocks plan (`-- @ pair_split: off`), over seeded trials.
 *
 *   node --import tsx bench/pair-split.bench.ts [--trials 100] [--n 128] [--data csv|short] [--accuracy 1] [--parallel 64]
 *
 * Data: `csv` (default), N of the test reviews (examples/data/reviews.csv) joined with
 * themselves, all N × N ordered pairs as in bench/pair-plans.bench.ts (trial 0: the first N,
 * the issue's 192,685-token blocks figure; trial t: N drawn from the 300 by the trial's seed);
 * `short`, 2N one-line reviews drawn from the trial's seed (a tone phrase or none, filler
 * words: shortReviews below), N on each side. The simulator gets the trial's seed. Each
 * trial runs the join twice: with
 * the split (forced, `-- @ pair_split: on`: unsaid, it is taken only where priced under the
 * best pair plan) and with `-- @ pair_split: off` (blocks: every pair answered as
 * the pair plan answers it, the reference). It reports both runs' calls and tokens (the
 * openai profile: tokens as OpenAI counts them), whether the split ran (its sample check
 * may fall back), and the split run's recall and precision against the reference's pairs.
 * `--accuracy a` gives the statement model a profiled accuracy (src/sim/profile.ts): its
 * pairwise answers and its labels then err independently, as two calls of a real model do.
 */
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../base/rng.js';
import { createEngine, type Engine } from '../src/index.js';
import { startSimulatorProcess } from '../src/sim/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRIALS = arg('trials', 100);
const N = arg('n', 128);
const ACCURACY = arg('accuracy', 1);
const PARALLEL = arg('parallel', 64);
const DATA = process.argv.includes('--data') ? process.argv[process.argv.indexOf('--data') + 1] : 'csv';
const REVIEWS = fileURLToPath(new URL('../examples/data/reviews.csv', import.meta.url));
const MODEL = 'sim-small';

const TONES = [
  'I loved it',
  'great acting',
  'wonderful and moving',
  'it was awful',
  'boring and bad',
  'terrible plot',
  'it was fine',
  'not bad',
  '',
];
const FILLER = ['the', 'film', 'story', 'cast', 'ending', 'music', 'scenes', 'today', 'friends', 'cinema'];

/** `n` short reviews from `seed`: a few filler words and a tone phrase (or none: a neutral review). */
export function shortReviews(n: number, seed: number): string[] {
  const rng = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const filler = Array.from({ length: 2 + Math.floor(rng() * 4) }, () => pick(FILLER)).join(' ');
    return [`review ${i}:`, filler, pick(TONES)].filter((s) => s !== '').join(' ');
  });
}

const SQL = `SELECT a.id AS x, b.id AS y FROM lefts a JOIN rights b
  ON LLM_FILTER('The two reviews express opposite sentiments', a.review, b.review) ORDER BY x, y`;

interface Run {
  calls: number;
  tokens: number;
  pairs: Set<string>;
  strategy: string;
  ms: number;
}

async function run(
  engine: Engine,
  sim: {
    resetStats(): Promise<void>;
    stats(): Promise<{ requests: number; tokensIn: number; tokensOut: number }>;
  },
  options: string,
): Promise<Run> {
  await sim.resetStats();
  const t0 = performance.now();
  const r = await engine.query(`-- @ cache: false\n${options}\n${SQL}`);
  const ms = performance.now() - t0;
  const s = await sim.stats();
  const [log] = (
    await engine.query(
      `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
    )
  ).rows;
  return {
    calls: s.requests,
    tokens: s.tokensIn + s.tokensOut,
    pairs: new Set(r.rows.map((x) => `${x['x']} ${x['y']}`)),
    strategy: String(log?.['strategy']),
    ms: Math.round(ms),
  };
}

async function main(): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const seed = 6800 + trial;
    const sim = await startSimulatorProcess({
      profile: 'openai',
      seed,
      ...(ACCURACY < 1 ? { profiles: { [MODEL]: { accuracy: ACCURACY } } } : {}),
    });
    const engine = await createEngine({
      cascadeRoots: [],
      threads: 2,
      defaultParallel: PARALLEL,
      provider: { baseUrl: sim.url, model: MODEL, maxConcurrency: 1000 },
    });
    try {
      if (DATA === 'short') {
        const texts = shortReviews(2 * N, seed);
        const values = (from: number) =>
          texts
            .slice(from, from + N)
            .map((t, i) => `(${i + 1}, '${t.replace(/'/g, "''")}')`)
            .join(', ');
        await engine.query(`CREATE TABLE lefts AS SELECT * FROM (VALUES ${values(0)}) v(id, review);
          CREATE TABLE rights AS SELECT * FROM (VALUES ${values(N)}) v(id, review);`);
      } else {
        // Trial 0: the first N reviews; later trials: N of them in the trial's seeded order.
        const order = trial === 0 ? 'id' : `hash(id, ${seed})`;
        await engine.query(`CREATE TABLE lefts AS SELECT id, review FROM read_csv('${REVIEWS}') ORDER BY ${order} LIMIT ${N};
          CREATE VIEW rights AS SELECT * FROM lefts;`);
      }
      // Forced: unsaid, the split is taken only where priced under the best pair plan (issue 67, split-cost.ts).
      const split = await run(engine, sim, '-- @ pair_split: on');
      const blocks = await run(engine, sim, '-- @ pair_split: off');
      const kept = [...blocks.pairs].filter((p) => split.pairs.has(p)).length;
      const row = {
        trial,
        split: split.strategy.includes(' ran as labels'),
        // The check's sample: pairs asked the function's way (pair-split.ts checkLooks sizes it).
        samplePairs: Number(/sample of (\d+) pairs/.exec(split.strategy)?.[1] ?? 0),
        splitCalls: split.calls,
        splitTokens: split.tokens,
        blocksCalls: blocks.calls,
        blocksTokens: blocks.tokens,
        tokenRatio: Number((split.tokens / blocks.tokens).toFixed(4)),
        truePairs: blocks.pairs.size,
        recall: blocks.pairs.size === 0 ? 1 : kept / blocks.pairs.size,
        precision: split.pairs.size === 0 ? 1 : kept / split.pairs.size,
        splitMs: split.ms,
        blocksMs: blocks.ms,
        ...(trial === 0 ? { strategy: split.strategy } : {}),
      };
      rows.push(row);
      console.error(JSON.stringify(row));
    } finally {
      await engine.close();
      await sim.close();
    }
  }
  const met = rows.filter((r) => (r['recall'] as number) >= 0.9 && (r['precision'] as number) >= 0.9).length;
  const mean = (k: string) => rows.reduce((a, r) => a + (r[k] as number), 0) / rows.length;
  console.log(
    JSON.stringify(
      {
        data: DATA,
        n: N,
        pairs: N * N,
        trials: rows.length,
        accuracy: ACCURACY,
        splitRan: rows.filter((r) => r['split']).length,
        recallAndPrecisionAtLeast09: met,
        meanRecall: Number(mean('recall').toFixed(4)),
        minRecall: Math.min(...rows.map((r) => r['recall'] as number)),
        meanPrecision: Number(mean('precision').toFixed(4)),
        minPrecision: Math.min(...rows.map((r) => r['precision'] as number)),
        meanTokenRatio: Number(mean('tokenRatio').toFixed(4)),
        maxTokenRatio: Math.max(...rows.map((r) => r['tokenRatio'] as number)),
        meanSplitTokens: Math.round(mean('splitTokens')),
        meanBlocksTokens: Math.round(mean('blocksTokens')),
        meanSplitCalls: Number(mean('splitCalls').toFixed(1)),
        meanSamplePairs: Number(mean('samplePairs').toFixed(1)),
        meanBlocksCalls: Number(mean('blocksCalls').toFixed(1)),
        firstTrialStrategy: rows[0]?.['strategy'],
      },
      null,
      2,
    ),
  );
}

await main();
