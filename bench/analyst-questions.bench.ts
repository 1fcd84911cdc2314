/**
 * Ten analyst questions over `examples/data/reviews.csv` (300 short movie
 * reviews: id, movie, reviewer, stars, review), written directly in the
 * dialect (LLM_FILTER, LLM_SCORE, LLM … RETURNING, MEANS, LLM_SUMMARIZE), each
 * run twice on the simulator (default profile, fixed latency) with the result
 * cache off: once with one call per row (`-- @ batch: 1`) and once with 16
 * rows packed into a prompt (`-- @ batch: 16`), both at `-- @ parallel: P`.
 *
 * Printed per question and mode: rows returned, calls (the simulator's chat
 * requests), input and output tokens (the simulator's stats), dollars (the
 * statement's logged cost, rvbbit.queries.cost, from the engine's price table
 * SIM_PRICES: sim-small at $0.15 in / $0.60 out per 1M tokens), wall time and
 * the ideal wall time (ceil(calls / P) × latency), and whether the batch-16
 * rows equal the per-row ones (compared as a sorted multiset, so row order
 * does not count). Then a totals row per mode and the batch-16 / per-row
 * ratios of calls, input tokens, dollars and wall time.
 *
 *   node --import tsx bench/analyst-questions.bench.ts [--n 300] [--latency 500] [--parallel 16] [--batch 16]
 *
 * --n keeps the first n reviews (`… ORDER BY id LIMIT n`); question 7 looks
 * only at ids ≤ 40 whatever n is.
 */
import { fileURLToPath } from 'node:url';
import { SIM_PRICES } from '../src/engine/provider.js';
import { createEngine, type Engine } from '../src/index.js';
import { costFromTable } from '../src/llm/pricing.js';
import { startSimulator } from '../src/sim/index.js';
import { idealMs } from './metrics.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 300);
const LATENCY_MS = arg('latency', 500);
const PARALLEL = arg('parallel', 16);
const BATCH = arg('batch', 16);
const MODEL = 'sim-small';
const CSV = fileURLToPath(new URL('../examples/data/reviews.csv', import.meta.url));

/**
 * The questions, as an analyst would write them. Aggregates over an LLM function are aliased: unnamed,
 * the column is named after the rewritten call (`avg(json_transform_strict(rvbbit_llm_score(7, review, …`),
 * whose counter changes from one statement to the next.
 */
const QUESTIONS: readonly { readonly name: string; readonly sql: string }[] = [
  {
    name: 'positive reviews (MEANS)',
    sql: `SELECT id FROM reviews WHERE review MEANS 'the reviewer liked the film'`,
  },
  {
    name: 'positive count and ratio per movie',
    sql: `SELECT movie,
        count(*) FILTER (WHERE LLM_FILTER('The reviewer liked the film', review)) AS pos,
        avg(CASE WHEN LLM_FILTER('The reviewer liked the film', review) THEN 1 ELSE 0 END) AS ratio
      FROM reviews GROUP BY movie`,
  },
  {
    name: 'score each review 1–5',
    sql: `SELECT id, LLM_SCORE(review, 'how positive the review is', 1, 5) AS score FROM reviews`,
  },
  {
    name: 'average score per movie',
    sql: `SELECT movie, avg(LLM_SCORE(review, 'how positive the review is', 1, 5)) AS avg_score
      FROM reviews GROUP BY movie ORDER BY 2 DESC`,
  },
  {
    name: 'aspect + liked (STRUCT)',
    sql: `SELECT id, LLM('The aspect discussed and whether it was liked', review
        RETURNING STRUCT(aspect VARCHAR, liked BOOLEAN)) AS a FROM reviews`,
  },
  {
    name: 'same-sentiment pairs, LIMIT 10',
    sql: `SELECT a.id, b.id FROM reviews a JOIN reviews b
        ON a.movie = b.movie AND a.id < b.id
        AND LLM_FILTER('The two reviews express the same sentiment', a.review, b.review)
      LIMIT 10`,
  },
  {
    name: 'opposite-sentiment pairs, ids ≤ 40',
    sql: `SELECT a.id, b.id FROM reviews a JOIN reviews b
        ON a.id < b.id AND a.id <= 40 AND b.id <= 40 AND a.movie = b.movie
        AND LLM_FILTER('The two reviews express opposite sentiments', a.review, b.review)`,
  },
  {
    name: 'stars disagree with text',
    sql: `SELECT id FROM reviews WHERE LLM_FILTER('The star rating disagrees with the text', stars, review)`,
  },
  {
    name: 'top 10 most positive',
    sql: `SELECT id FROM reviews ORDER BY LLM_SCORE(review, 'how positive', 1, 5) DESC, id LIMIT 10`,
  },
  {
    name: 'summary of negatives per movie',
    sql: `SELECT movie, LLM_SUMMARIZE(review) AS summary FROM reviews
      WHERE NOT LLM_FILTER('The reviewer liked the film', review) GROUP BY movie`,
  },
];

const MODES = [
  { name: 'per row', batch: 1 },
  { name: `batch ${BATCH}`, batch: BATCH },
] as const;

interface Measured {
  readonly rows: number;
  readonly calls: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly dollars: number;
  readonly ms: number;
  /** The rows as a sorted list of JSON strings (values only), to compare modes. */
  readonly answers: string;
  readonly error?: string;
}

const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? String(x) : x));

async function main(): Promise<void> {
  const sim = await startSimulator({ latencyMs: LATENCY_MS });
  const engine = await createEngine({
    threads: 1,
    defaultParallel: PARALLEL,
    provider: { baseUrl: sim.url, model: MODEL, prices: SIM_PRICES, maxConcurrency: 256 },
  });
  const t00 = performance.now();
  try {
    await engine.query(`CREATE TABLE reviews AS SELECT * FROM read_csv('${CSV}') ORDER BY id LIMIT ${N}`);
    const n = Number((await engine.query('SELECT count(*) AS n FROM reviews')).rows[0]!['n']);
    // Warm-up (worker thread, operator cascades), so the first measured run's wall time is not its start-up.
    await engine.query(
      `-- @ cache: false\nSELECT count(*) FROM (SELECT 'warm-up ' || range AS t FROM range(4)) WHERE t MEANS 'x'`,
    );

    const run = async (sql: string, batch: number): Promise<Measured> => {
      const text = `-- @ cache: false\n-- @ parallel: ${PARALLEL}\n-- @ batch: ${batch}\n${sql}`;
      const logged = await statementsLogged(engine);
      sim.resetStats();
      const t0 = performance.now();
      let rows: readonly Record<string, unknown>[] = [];
      let error: string | undefined;
      try {
        rows = (await engine.query(text)).rows;
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      const ms = performance.now() - t0;
      const s = sim.stats();
      // An error before the statement was logged leaves no row of its own: nothing to read then.
      const q =
        (await statementsLogged(engine)) > logged ? await lastStatement(engine) : { cost: 0, calls: 0 };
      const fromTokens =
        costFromTable(SIM_PRICES, MODEL, { tokensIn: s.tokensIn, tokensOut: s.tokensOut }) ?? 0;
      if (q.calls !== s.requests)
        console.error(
          `note: ${q.calls} calls in rvbbit.queries, ${s.requests} requests seen by the simulator`,
        );
      if (Math.abs(q.cost - fromTokens) > 1e-9)
        console.error(`note: logged $${q.cost} but the simulator's tokens price at $${fromTokens}`);
      return {
        rows: rows.length,
        calls: s.requests,
        tokensIn: s.tokensIn,
        tokensOut: s.tokensOut,
        dollars: q.cost,
        ms,
        answers: json(rows.map((r) => json(Object.values(r))).sort()),
        ...(error === undefined ? {} : { error }),
      };
    };

    const results: { readonly q: number; readonly mode: number; readonly m: Measured }[] = [];
    for (const [qi, question] of QUESTIONS.entries()) {
      for (const [mi, mode] of MODES.entries()) {
        const m = await run(question.sql, mode.batch);
        results.push({ q: qi, mode: mi, m });
        console.error(
          `Q${qi + 1} ${mode.name}: ${m.error ? `ERROR ${m.error}` : `${m.rows} rows, ${m.calls} calls`} in ${(m.ms / 1000).toFixed(2)} s`,
        );
      }
    }

    const price = SIM_PRICES[MODEL]!;
    console.log(
      `ten analyst questions over examples/data/reviews.csv (${n} reviews), simulator (default profile, ` +
        `${LATENCY_MS} ms per answer), ${MODEL} (in $${price.in}, out $${price.out} per 1M), ` +
        `PARALLEL ${PARALLEL}, cache = false\n`,
    );
    console.log(
      '| # | question | mode | rows | calls | tokens in | tokens out | $ | wall | ideal | same rows |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const sameAsPerRow = (q: number, m: Measured) => {
      const perRow = results.find((r) => r.q === q && r.mode === 0)!.m;
      return m.answers === perRow.answers && !m.error && !perRow.error;
    };
    for (const { q, mode, m } of results) {
      const same = mode === 0 ? '—' : sameAsPerRow(q, m) ? 'same' : 'DIFFER';
      console.log(
        `| ${q + 1} | ${QUESTIONS[q]!.name} | ${MODES[mode]!.name} | ${m.error ? `ERROR: ${m.error}` : m.rows} | ` +
          `${m.calls} | ${m.tokensIn} | ${m.tokensOut} | $${m.dollars.toFixed(6)} | ${secs(m.ms)} | ` +
          `${secs(idealMs(m.calls, PARALLEL, LATENCY_MS))} | ${same} |`,
      );
    }
    const totals = MODES.map((_, mi) => {
      const ms = results.filter((r) => r.mode === mi).map((r) => r.m);
      const sum = (f: (m: Measured) => number) => ms.reduce((a, m) => a + f(m), 0);
      return {
        calls: sum((m) => m.calls),
        tokensIn: sum((m) => m.tokensIn),
        tokensOut: sum((m) => m.tokensOut),
        dollars: sum((m) => m.dollars),
        ms: sum((m) => m.ms),
        ideal: sum((m) => idealMs(m.calls, PARALLEL, LATENCY_MS)),
        same: results.filter((r) => r.mode === mi && sameAsPerRow(r.q, r.m)).length,
      };
    });
    for (const [mi, t] of totals.entries())
      console.log(
        `| | **total** | ${MODES[mi]!.name} | | ${t.calls} | ${t.tokensIn} | ${t.tokensOut} | $${t.dollars.toFixed(6)} | ` +
          `${secs(t.ms)} | ${secs(t.ideal)} | ${mi === 0 ? '—' : `${t.same} / ${QUESTIONS.length} same`} |`,
      );
    const [a, b] = [totals[0]!, totals[1]!];
    const ratio = (x: number, y: number) => (y > 0 ? (x / y).toFixed(3) : '—');
    console.log(
      `\n${MODES[1]!.name} / per row: calls ${ratio(b.calls, a.calls)}, tokens in ${ratio(b.tokensIn, a.tokensIn)}, ` +
        `tokens out ${ratio(b.tokensOut, a.tokensOut)}, dollars ${ratio(b.dollars, a.dollars)}, ` +
        `wall ${ratio(b.ms, a.ms)}`,
    );
    console.log(`bench wall time ${secs(performance.now() - t00)}`);
  } finally {
    await engine.close();
    await sim.close();
  }
}

/** How many semantic statements rvbbit.queries holds. */
async function statementsLogged(engine: Engine): Promise<number> {
  return Number(
    (await engine.readSystem(`SELECT count(*) AS n FROM rvbbit.queries WHERE kind = 'semantic'`))[0]?.['n'] ??
      0,
  );
}

/** The last semantic statement's logged cost and calls (rvbbit.queries). */
async function lastStatement(engine: Engine): Promise<{ cost: number; calls: number }> {
  const q = (
    await engine.readSystem(
      `SELECT cost, calls FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
    )
  )[0];
  return { cost: Number(q?.['cost'] ?? 0), calls: Number(q?.['calls'] ?? 0) };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
