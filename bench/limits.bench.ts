/**
 * Pacing by the provider's announced budget (issue 52): a semantic filter
 * over N rows against a simulator under OpenAI's tokens-per-minute limit
 * (its `tpm`: x-ratelimit-* headers, 429s without Retry-After), with the
 * client pacing by the headers and without. Ratios from one run.
 *
 *   node --import tsx bench/limits.bench.ts [--n 2000] [--latency 100] [--parallel 50] [--chars 600]
 *     [--tpm 100000,300000,1000000] [--threads 2] [--pacing on,off]
 *
 * The token ideal is the run's tokens as the limit counts them (OpenAI's
 * rule, characters / 4 per request: the simulator's own admissionTokens over
 * the prompts an unlimited run sent) ÷ TPM. The limit's bucket starts full,
 * so a run can finish below it: the floor is (tokens − TPM) ÷ TPM, printed
 * too. Each run has a fresh simulator (a full bucket) and a fresh engine (no
 * learned budget); the worker threads are warmed on an unlimited simulator
 * first, outside the figures.
 */
import { createEngine } from '../src/index.js';
import { startSimulatorProcess } from '../src/sim/index.js';
import { admissionTokens } from '../src/sim/openai-rate-limits.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const N = Number(arg('n', '2000'));
const LATENCY = Number(arg('latency', '100'));
const PARALLEL = Number(arg('parallel', '50'));
const CHARS = Number(arg('chars', '600'));
const TPMS = arg('tpm', '100000,300000,1000000').split(',').map(Number);
const THREADS = Number(arg('threads', '2'));
const PACING = arg('pacing', 'on,off').split(',') as ('on' | 'off')[];

const TOPICS = ['eco bottle', 'running shoe', 'phone battery', 'kitchen knife', 'yoga mat'];
const TABLE = `CREATE TABLE items AS SELECT range::INTEGER AS id,
    'product ' || range || ' is a ' || ['${TOPICS.join("', '")}'][range % 5 + 1] || ': '
      || repeat('spec ', ${Math.max(0, Math.round((CHARS - 40) / 5))}) AS text
  FROM range(${N})`;
const FILTER = `-- @ cache: false\n-- @ parallel: ${PARALLEL}\nSELECT id FROM items WHERE text MEANS 'eco friendly bottle' ORDER BY id`;

interface Run {
  readonly tpm: number;
  readonly pacing: 'on' | 'off';
  readonly rows: number;
  readonly sameRows: boolean;
  readonly wallS: number;
  readonly idealS: number;
  readonly floorS: number;
  readonly wallOverIdeal: number;
  readonly requests: number;
  readonly answered: number;
  readonly refused429: number;
  readonly share429: string;
}

async function filterOnce(url: string, paceByHeaders: boolean): Promise<{ ids: number[]; ms: number }> {
  const engine = await createEngine({
    cascadeRoots: [],
    threads: THREADS,
    provider: { baseUrl: url, model: 'sim-small', maxConcurrency: 1000, paceByHeaders },
  });
  try {
    await engine.query(TABLE);
    const t0 = performance.now();
    const r = await engine.query(FILTER);
    const ms = performance.now() - t0;
    return { ids: r.rows.map((row) => Number((row as { id: number }).id)), ms };
  } finally {
    await engine.close();
  }
}

async function main(): Promise<void> {
  // The unlimited run: the rows every run must return, and the tokens the limit counts.
  const free = await startSimulatorProcess({ latencyMs: LATENCY, record: true });
  await filterOnce(free.url, true); // warm-up: the OS page cache, DuckDB, tsx's compile cache
  await free.resetStats();
  const baseline = await filterOnce(free.url, true);
  const seen = await free.stats();
  const tokens = (seen.promptsSeen ?? []).reduce((sum, p) => sum + admissionTokens(p.messages, undefined), 0);
  const calls = seen.completed;
  await free.close();
  console.log(
    `filter over ${N} rows (${CHARS} characters each), latency ${LATENCY} ms, parallel ${PARALLEL}: ` +
      `${calls} calls, ${tokens} tokens as the limit counts them, ${baseline.ids.length} rows, unlimited ${(baseline.ms / 1000).toFixed(1)} s`,
  );

  const runs: Run[] = [];
  for (const tpm of TPMS) {
    for (const pacing of PACING) {
      const sim = await startSimulatorProcess({ latencyMs: LATENCY, tpm });
      const { ids, ms } = await filterOnce(sim.url, pacing === 'on');
      const s = await sim.stats();
      await sim.close();
      const idealS = (tokens / tpm) * 60;
      const floorS = (Math.max(0, tokens - tpm) / tpm) * 60;
      runs.push({
        tpm,
        pacing,
        rows: ids.length,
        sameRows: JSON.stringify(ids) === JSON.stringify(baseline.ids),
        wallS: Math.round(ms / 100) / 10,
        idealS: Math.round(idealS * 10) / 10,
        floorS: Math.round(floorS * 10) / 10,
        wallOverIdeal: Math.round((ms / 1000 / idealS) * 100) / 100,
        requests: s.requests,
        answered: s.completed,
        refused429: s.rateLimitedTokens + s.rateLimitedRequests,
        share429: `${((100 * (s.rateLimitedTokens + s.rateLimitedRequests)) / Math.max(1, s.requests)).toFixed(1)}%`,
      });
      console.error(`  tpm ${tpm} pacing ${pacing}: ${(ms / 1000).toFixed(1)} s`);
    }
  }
  console.table(runs);
  for (const tpm of TPMS) {
    const on = runs.find((r) => r.tpm === tpm && r.pacing === 'on');
    const off = runs.find((r) => r.tpm === tpm && r.pacing === 'off');
    if (!on || !off) continue;
    console.log(
      `TPM ${tpm}: pacing on ${on.wallS} s (${on.wallOverIdeal}× tokens÷TPM, ${on.refused429} 429s), ` +
        `off ${off.wallS} s (${off.wallOverIdeal}×, ${off.refused429} 429s); on/off wall ${(on.wallS / off.wallS).toFixed(2)}`,
    );
  }
  console.log(
    JSON.stringify({
      bench: 'limits',
      n: N,
      latencyMs: LATENCY,
      parallel: PARALLEL,
      chars: CHARS,
      calls,
      tokens,
      runs,
    }),
  );
}

await main();
