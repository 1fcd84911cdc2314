/**
 * EXPLAIN's estimates against the run (issue 67): for each statement shape,
 * EXPLAIN's est_calls, est_tokens_in and est_tokens_out beside the
 * simulator's request and token counters for the same statement run right
 * after (cache off). The simulator runs the openai profile, so tokens are
 * counted as OpenAI counts them (o200k, the chat markup, images at their
 * detail, a json_schema response_format's schema).
 * Target: calls equal where the run is deterministic, tokens within 5%.
 *
 *   node --import tsx bench/explain-accuracy.bench.ts [--n 200] [--batch 16] [--only regex]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type Engine } from '../src/index.js';
import { startSimulatorProcess } from '../src/sim/index.js';
import { IMAGES } from '../test/images/fifty.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const N = Number(arg('n', '200'));
const BATCH = Number(arg('batch', '16'));
const ONLY = new RegExp(arg('only', '.'));
const REVIEWS = fileURLToPath(new URL('../examples/data/reviews.csv', import.meta.url));

/** A statement shape: its annotations and SQL (EXPLAIN is put before the SQL). */
interface Shape {
  readonly name: string;
  readonly annotations?: string;
  readonly sql: string;
  /** Not deterministic in calls (a proxy's escalations, a LIMIT's windows): est_calls is a bound. */
  readonly bound?: boolean;
}

function shapes(): Shape[] {
  const packed = `-- @ batch: ${BATCH}`;
  const means = `SELECT id FROM r WHERE review MEANS 'the reviewer liked the product' ORDER BY id`;
  const about = `SELECT id, review ABOUT 'battery life' AS s FROM r ORDER BY id`;
  const aligns = `SELECT id, review ALIGNS WITH 'the product is worth its price' AS s FROM r ORDER BY id`;
  const pairs = `SELECT a.id AS x, b.id AS y FROM r a, r b
    WHERE a.id <= 24 AND b.id <= 24 AND LLM_FILTER('The two reviews express the same sentiment', a.review, b.review) ORDER BY x, y`;
  const imagePairs = (detail: string) => `SELECT a.id AS x, p.id AS y FROM r a, photos p
    WHERE a.id <= 12 AND LLM_FILTER('The review describes the picture', a.review, IMAGE(p.png, '${detail}')) ORDER BY x, y`;
  return [
    { name: 'MEANS unpacked', sql: means },
    { name: 'MEANS packed', annotations: packed, sql: means },
    { name: 'ABOUT unpacked', sql: about },
    { name: 'ABOUT packed', annotations: packed, sql: about },
    { name: 'ALIGNS unpacked', sql: aligns },
    { name: 'ALIGNS packed', annotations: packed, sql: aligns },
    {
      name: 'LLM RETURNING VARCHAR',
      sql: `SELECT id, LLM('The product named', review) AS p FROM r ORDER BY id`,
    },
    {
      name: 'LLM RETURNING INTEGER',
      sql: `SELECT id, LLM('Stars out of five', review RETURNING INTEGER) AS p FROM r ORDER BY id`,
    },
    {
      name: 'LLM RETURNING ENUM',
      sql: `SELECT id, LLM('The sentiment', review RETURNING ENUM('positive', 'negative', 'neutral')) AS s FROM r ORDER BY id`,
    },
    {
      name: 'LLM RETURNING ENUM packed',
      annotations: packed,
      sql: `SELECT id, LLM('The sentiment', review RETURNING ENUM('positive', 'negative', 'neutral')) AS s FROM r ORDER BY id`,
    },
    {
      name: 'LLM RETURNING VARCHAR[]',
      sql: `SELECT id, LLM('The aspects named', review RETURNING VARCHAR[]) AS a FROM r ORDER BY id`,
    },
    {
      name: 'CLASSIFY',
      sql: `SELECT id, CLASSIFY(review, 'battery,shipping,price,screen') AS c FROM r ORDER BY id`,
    },
    {
      name: 'CLASSIFY packed',
      annotations: packed,
      sql: `SELECT id, CLASSIFY(review, 'battery,shipping,price,screen') AS c FROM r ORDER BY id`,
    },
    { name: 'pairs pairwise', annotations: '-- @ small_side: 0', sql: pairs },
    { name: 'pairs blocks', annotations: `${packed}\n-- @ small_side: 0`, sql: pairs },
    { name: 'pairs small side', annotations: '-- @ small_side: 256', sql: pairs },
    { name: 'pairs IMAGE low', annotations: '-- @ small_side: 0', sql: imagePairs('low') },
    { name: 'pairs IMAGE high', annotations: '-- @ small_side: 0', sql: imagePairs('high') },
    {
      name: 'pairs IMAGE auto blocks',
      annotations: `${packed}\n-- @ small_side: 0`,
      sql: imagePairs('auto'),
    },
    { name: 'pairs IMAGE auto small side', annotations: '-- @ small_side: 256', sql: imagePairs('auto') },
    {
      name: 'prefiltered pairs LIMIT',
      annotations: '-- @ prefilter: 4',
      sql: `SELECT a.id AS x, b.id AS y FROM r a, r b WHERE a.id <= 24 AND b.id <= 24 AND a.review ~ b.review LIMIT 10`,
      bound: true,
    },
    {
      name: 'LLM_SUMMARIZE reduction',
      sql: `SELECT id % 2 AS g, LLM_SUMMARIZE(review) AS s FROM r GROUP BY g ORDER BY g`,
    },
    {
      name: 'TEXT_CHUNKS + MEANS',
      sql: `SELECT count(*) AS n FROM (SELECT unnest(TEXT_CHUNKS(string_agg(review, ' '), 64)) AS chunk FROM r) WHERE chunk MEANS 'a complaint'`,
    },
    {
      name: 'proxy with targets',
      annotations: '-- @ proxy: small-fast accuracy 0.9 delta 0.05',
      sql: `SELECT id, CLASSIFY(review, 'battery,shipping,price,screen') AS c FROM r ORDER BY id`,
      bound: true,
    },
  ];
}

interface Row {
  readonly shape: string;
  readonly estCalls: number;
  readonly calls: number;
  readonly estIn: number;
  readonly tokensIn: number;
  readonly estOut: number;
  readonly tokensOut: number;
  readonly bound: boolean;
}

async function measure(
  engine: Engine,
  sim: Awaited<ReturnType<typeof startSimulatorProcess>>,
  s: Shape,
): Promise<Row> {
  const head = `-- @ cache: false\n${s.annotations ?? ''}`;
  const explained = await engine.query(`${head}\nEXPLAIN ${s.sql}`);
  const prop = (p: string) => Number(explained.rows.find((x) => x.property === p)?.value ?? Number.NaN);
  await sim.resetStats();
  await engine.query(`${head}\n${s.sql}`);
  const st = await sim.stats();
  return {
    shape: s.name,
    // A LIMIT's run makes its first window's calls when that window meets it: est_calls_window.
    estCalls: Number.isNaN(prop('est_calls_window')) ? prop('est_calls') : prop('est_calls_window'),
    calls: st.requests,
    estIn: prop('est_tokens_in'),
    tokensIn: st.tokensIn,
    estOut: prop('est_tokens_out'),
    tokensOut: st.tokensOut,
    bound: s.bound === true,
  };
}

const ratio = (est: number, run: number) =>
  run === 0 ? (est === 0 ? 1 : Number.POSITIVE_INFINITY) : est / run;
const within = (est: number, run: number) => Math.abs(ratio(est, run) - 1) <= 0.05;

function table(rows: readonly Row[]): string {
  const head = [
    'shape',
    'est_calls',
    'calls',
    'est_in',
    'in',
    'in ratio',
    'est_out',
    'out',
    'out ratio',
    'target',
  ];
  const lines = rows.map((r) => {
    // A bound's tokens are the bound's (a LIMIT's whole statement, a proxy's every escalation): at least the run's.
    const ok = r.bound
      ? r.estCalls >= r.calls && r.estIn >= r.tokensIn
      : r.estCalls === r.calls && within(r.estIn, r.tokensIn) && within(r.estOut, r.tokensOut);
    return [
      r.shape,
      String(r.estCalls),
      String(r.calls),
      String(r.estIn),
      String(r.tokensIn),
      ratio(r.estIn, r.tokensIn).toFixed(3),
      String(r.estOut),
      String(r.tokensOut),
      ratio(r.estOut, r.tokensOut).toFixed(3),
      ok ? 'met' : 'MISSED',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const sim = await startSimulatorProcess({
    profile: 'openai',
    profiles: { 'small-fast': { accuracy: 0.85, confidentErrors: 0.2 } },
  });
  const images = mkdtempSync(join(tmpdir(), 'explain-accuracy-'));
  const engine = await createEngine({
    cascadeRoots: [],
    threads: 2,
    defaultParallel: 16,
    smallSideLimit: 256,
    provider: { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 1000 },
  });
  try {
    for (const img of IMAGES.slice(0, 12)) writeFileSync(join(images, `img-${img.id}.png`), img.png);
    await engine.query(`CREATE TABLE r AS SELECT id, review FROM read_csv('${REVIEWS}') WHERE id <= ${N};
      CREATE TABLE photos AS SELECT id, content AS png FROM (
        SELECT regexp_extract(filename, 'img-([0-9]+)', 1)::INTEGER AS id, content FROM read_blob('${images}/*.png'));`);
    const rows: Row[] = [];
    for (const s of shapes()) {
      if (!ONLY.test(s.name)) continue;
      try {
        rows.push(await measure(engine, sim, s));
      } catch (err) {
        console.error(`${s.name}: ${(err as Error).message}`);
      }
    }
    console.log(`n = ${N} reviews, batch ${BATCH}, simulator profile openai (sim-small, o200k)\n`);
    console.log(table(rows));
  } finally {
    await engine.close();
    await sim.close();
    rmSync(images, { recursive: true, force: true });
  }
}

await main();
