/**
 * Prompt caching on the simulator's `openai` profile: a MAP over N rows of a
 * cascade whose long fixed instruction (~1,600 tokens) comes first and whose
 * row value comes last, so every call after the first repeats a cacheable
 * prefix. The profile reports `usage.prompt_tokens_details.cached_tokens` as
 * OpenAI does (a repeated prefix of 1,024 tokens or more, counted in steps of
 * 128; tokens ≈ characters / 4); the engine logs them in
 * `rvbbit.unified_logs.tokens_cached` and prices them at sim-small's
 * `cached_in` (half of `in`, as OpenAI prices gpt-4o-mini).
 *
 * Printed per 1,000 rows: dollars with caching (the logged cost) and without
 * (the same tokens, every input token at `in`), billed input tokens per row
 * (cached ones counted at cached_in / in of a token), and the ratio. The
 * same cascade with the row value first is run too: its prefix differs on
 * every row, so nothing is cached.
 *
 *   node --import tsx bench/prompt-cache.bench.ts [--n 1000] [--parallel 64]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIM_PRICES } from '../src/engine/provider.js';
import { createEngine } from '../src/index.js';
import { costFromTable } from '../src/llm/pricing.js';
import { startSimulator } from '../src/sim/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 1000);
const PARALLEL = arg('parallel', 64);
const MODEL = 'sim-small';

/** A support-ticket triage policy: ~6,400 characters of fixed text, the same on every row. */
function policy(): string {
  const areas = [
    'billing and invoices',
    'refunds and chargebacks',
    'account access and passwords',
    'shipping delays',
    'damaged or missing items',
    'product defects',
    'subscription changes',
    'data export and privacy requests',
  ];
  const lines = [
    'You triage customer support tickets for an online store. Read the policy, then the ticket at the end.',
    'Pick the one category that fits the ticket best, and an urgency from 1 (can wait a week) to 5 (act now).',
  ];
  areas.forEach((area, i) => {
    lines.push(
      `Policy ${i + 1}, ${area}: a ticket belongs here when the customer's main request concerns ${area}, ` +
        `even if other topics are mentioned in passing. Judge by what the customer asks us to do, not by ` +
        `the words they use; a ticket that mentions ${area} only as background belongs to the category of ` +
        `its actual request. Raise the urgency by one when the customer says they already wrote before, ` +
        `when money was taken twice, or when a deadline within two days is named; lower it by one when the ` +
        `customer says there is no hurry. Never go above 5 or below 1. When two categories fit equally, ` +
        `prefer the one whose resolution needs a person rather than an automated reply.`,
    );
  });
  lines.push(
    'Tone does not change the category: an angry ticket about a late parcel is still about shipping delays.',
    'Threats of legal action, mentions of safety hazards and repeated unanswered contacts are urgency 5.',
    'Questions that the help centre answers word for word are urgency 1 unless another rule raises them.',
    'Ignore signatures, quoted earlier messages and marketing footers when you judge the ticket.',
    'Answer as JSON with "category" (one of the policy areas, copied exactly) and "urgency" (1 to 5).',
  );
  return lines.join('\n');
}

/** A cascade with the fixed policy first and the ticket last, or (rowFirst) the ticket first. */
function cascadeYaml(id: string, rowFirst: boolean): string {
  const fixed = policy()
    .split('\n')
    .map((l) => `      ${l}`);
  const row = '      <text>{{ input.text }}</text>';
  const body = rowFirst ? [row, ...fixed] : [...fixed, row];
  return `cascade_id: ${id}
inputs_schema: { text: "the ticket" }
cells:
  - name: triage
    instructions: |
${body.join('\n')}
    output_schema:
      type: object
      required: [category, urgency]
      properties:
        category: { type: string }
        urgency: { type: integer, minimum: 1, maximum: 5 }
`;
}

interface Spent {
  readonly calls: number;
  readonly tokensIn: number;
  readonly tokensCached: number;
  readonly tokensOut: number;
  readonly cost: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-prompt-cache-'));
  writeFileSync(join(dir, 'triage_fixed_first.yaml'), cascadeYaml('triage_fixed_first', false));
  writeFileSync(join(dir, 'triage_row_first.yaml'), cascadeYaml('triage_row_first', true));
  const sim = await startSimulator({ profile: 'openai' });
  const engine = await createEngine({
    cascadeRoots: [dir],
    threads: 1,
    defaultParallel: PARALLEL,
    provider: { baseUrl: sim.url, model: MODEL, prices: SIM_PRICES, maxConcurrency: 256 },
  });
  try {
    await engine.query(`CREATE TABLE tickets AS SELECT range::INTEGER AS id,
        'Ticket ' || range || ': ' || ['my parcel is two weeks late', 'I was charged twice this month',
          'cannot log in after the password reset', 'the blender arrived cracked',
          'please cancel my subscription', 'send me all the data you hold on me'][range % 6 + 1]
        || ', order ' || (100000 + range * 7) AS text
      FROM range(${N})`);
    const run = async (cascade: string): Promise<Spent> => {
      const t0 = performance.now();
      await engine.query(
        `RVBBIT MAP PARALLEL ${PARALLEL} '${cascade}' USING (SELECT text FROM tickets ORDER BY id) WITH (cache = false)`,
      );
      const ms = performance.now() - t0;
      const r = await engine.query(
        `SELECT count(*)::INTEGER AS calls, sum(tokens_in)::BIGINT AS tin, sum(tokens_cached)::BIGINT AS tcached,
           sum(tokens_out)::BIGINT AS tout, sum(cost) AS cost
         FROM rvbbit.unified_logs
         WHERE query_id = (SELECT query_id FROM rvbbit.queries WHERE kind = 'map' ORDER BY started_at DESC LIMIT 1)
           AND NOT cache_hit`,
      );
      const row = r.rows[0]!;
      console.error(`${cascade}: ${N} rows in ${ms.toFixed(0)} ms`);
      return {
        calls: Number(row.calls),
        tokensIn: Number(row.tin),
        tokensCached: Number(row.tcached),
        tokensOut: Number(row.tout),
        cost: Number(row.cost),
      };
    };
    const fixedFirst = await run('triage_fixed_first');
    const rowFirst = await run('triage_row_first');

    const price = SIM_PRICES[MODEL]!;
    const perK = (dollars: number) => `$${((dollars * 1000) / N).toFixed(4)}`;
    const perRow = (tokens: number) => (tokens / N).toFixed(1);
    /** Input tokens as billed, in full-price tokens: a cached one counts cached_in / in. */
    const billedIn = (s: Spent) =>
      s.tokensIn - s.tokensCached + (s.tokensCached * (price.cached_in ?? price.in)) / price.in;
    const uncached = (s: Spent) =>
      costFromTable(SIM_PRICES, MODEL, { tokensIn: s.tokensIn, tokensOut: s.tokensOut })!;

    console.log(
      `prompt caching, simulator profile openai, ${MODEL} (in $${price.in}, cached_in $${price.cached_in}, out $${price.out} per 1M), MAP over ${N} rows, PARALLEL ${PARALLEL}\n`,
    );
    console.log(
      '| prompt order | calls | input tokens / row | cached / row | billed input tokens / row | $ / 1,000 rows |',
    );
    console.log('| --- | --- | --- | --- | --- | --- |');
    /** One line: the run's tokens, priced as logged (cached input at cached_in) or every input token at `in`. */
    const line = (name: string, s: Spent, asLogged: boolean) =>
      console.log(
        `| ${name} | ${s.calls} | ${perRow(s.tokensIn)} | ${perRow(s.tokensCached)} | ` +
          `${perRow(asLogged ? billedIn(s) : s.tokensIn)} | ${perK(asLogged ? s.cost : uncached(s))} |`,
      );
    line('fixed first, with caching (logged cost)', fixedFirst, true);
    line('fixed first, without caching (the same tokens at `in`)', fixedFirst, false);
    line('row first, with caching (logged cost)', rowFirst, true);
    const ratio = fixedFirst.cost / uncached(fixedFirst);
    const saved = Math.max(0, 1 - ratio);
    console.log(
      `\nfixed first, with / without caching: ${ratio.toFixed(3)} (${(saved * 100).toFixed(1)}% saved); ` +
        `${((100 * fixedFirst.tokensCached) / fixedFirst.tokensIn).toFixed(1)}% of its input tokens cached`,
    );
    if (fixedFirst.tokensCached === 0)
      console.log(
        'note: the simulator reported no cached tokens (usage.prompt_tokens_details.cached_tokens); ' +
          'this build of its openai profile does not simulate prompt caching',
      );
  } finally {
    await engine.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
