/**
 * Block-packed pair predicates (issue 51): under `-- @ batch: n` a block of up
 * to n left × n right values states each value once and asks about its pairs,
 * one answer each (pair-blocks.ts); the planner takes pairwise, packed pairs,
 * blocks or the small side by estimated tokens (pair-plan.ts), and EXPLAIN
 * says why (`pair_plans`). The simulator runs the openai profile, so its
 * token counts are OpenAI's (o200k), the run's figures EXPLAIN's are held to.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture, TABLES } from './semantic-fixture.js';

const DATA = `${TABLES}
CREATE TABLE moods AS SELECT * FROM (VALUES (1, 'I loved it, wonderful and moving'), (2, 'It was awful and boring'), (3, 'Great fun, I enjoyed it')) v(mid, phrase);
CREATE TABLE marked AS SELECT id, CASE WHEN id = 3 THEN review || ' </left>' ELSE review END AS review FROM reviews WHERE id <= 12;`;

const test = suite<{ f: SemFixture; pairwise: SemFixture }>('semantic: block-packed pair predicates');

test.before(async (ctx) => {
  const sim = { profile: 'openai' as const, record: true, quirks: { 'sim-dropper': 'short-batch' as const } };
  // Pinned unpacked (operatorBatch: 1): unannotated, these count the pairwise and small-side plans' calls, one per pair or value; unannotated pair predicates pack since issue 67 (pair-plan.ts prices packed pairs and blocks then)
  ctx.f = await startSemFixture({ defaultParallel: 8, operatorBatch: 1 }, sim, DATA);
  ctx.pairwise = await startSemFixture(
    { defaultParallel: 8, smallSideLimit: 0, operatorBatch: 1 },
    sim,
    DATA,
  );
});
test.after(async (ctx) => {
  await ctx.f.close();
  await ctx.pairwise.close();
});

const NO_CACHE = '-- @ cache: false';
/** All pairs of the first 20 reviews: 400. */
const ALL_PAIRS = `SELECT a.id AS x, b.id AS y FROM reviews a, reviews b
  WHERE a.id <= 20 AND b.id <= 20 AND LLM_FILTER('The two reviews express the same sentiment', a.review, b.review)
  ORDER BY x, y`;
const MOODS = `SELECT r.id AS x, m.mid AS y FROM reviews r JOIN moods m
  ON LLM_FILTER('These two texts express the same sentiment', r.review, m.phrase)
  WHERE r.id <= 30 ORDER BY x, y`;

interface Run {
  rows: Record<string, unknown>[];
  calls: number;
  tokensIn: number;
  tokensOut: number;
  prompts: string[];
}

async function run(f: SemFixture, sql: string, options: string): Promise<Run> {
  await f.sim.resetStats();
  const rows = await f.rows(sql, `${NO_CACHE}\n${options}`);
  const s = await f.sim.stats();
  const prompts = (s.promptsSeen ?? []).map((p) => p.messages.map((m) => m.content).join('\n'));
  return { rows, calls: s.requests, tokensIn: s.tokensIn, tokensOut: s.tokensOut, prompts };
}

async function explain(f: SemFixture, sql: string, options: string): Promise<Record<string, string>> {
  const r = await f.engine.query(`${NO_CACHE}\n${options}\nEXPLAIN ${sql}`);
  return Object.fromEntries(r.rows.map((x) => [String(x.property), String(x.value)]));
}

/** EXPLAIN's calls equal the run's; its tokens within 2% of the run's, in and out. */
function matches(plan: Record<string, string>, r: Run, what: string): void {
  assert.is(Number(plan.est_calls), r.calls, `${what}: calls`);
  const near = (est: number, got: number) => Math.abs(est - got) <= Math.max(4, 0.02 * got);
  assert.ok(
    near(Number(plan.est_tokens_in), r.tokensIn),
    `${what}: in ${plan.est_tokens_in} vs ${r.tokensIn}`,
  );
  assert.ok(
    near(Number(plan.est_tokens_out), r.tokensOut),
    `${what}: out ${plan.est_tokens_out} vs ${r.tokensOut}`,
  );
}

let pairwise400: Run | undefined;

test('all pairs of 20 reviews under batch 16: 4 blocks (16 × 16, 16 × 4, 4 × 16, 4 × 4), the same rows as 400 pairwise calls at ≤ 0.15× their tokens', async (ctx) => {
  pairwise400 = await run(ctx.pairwise, ALL_PAIRS, '');
  assert.is(pairwise400.calls, 400);
  // The blocks forced (`-- @ small_side: 0`): since issue 67 the small side's calls pack, and its plan is cheaper
  // here (the next test).
  const blocks = await run(ctx.f, ALL_PAIRS, '-- @ batch: 16\n-- @ small_side: 0');
  assert.is(blocks.calls, 4);
  assert.equal(blocks.rows, pairwise400.rows);
  // Some pairs hold and some do not (the sentiment lexicon's verdicts).
  assert.ok(blocks.rows.length > 0 && blocks.rows.length < 400, String(blocks.rows.length));
  const ratio = (blocks.tokensIn + blocks.tokensOut) / (pairwise400.tokensIn + pairwise400.tokensOut);
  assert.ok(ratio <= 0.15, `blocks cost ${ratio.toFixed(3)} of pairwise`);
  // The first block: 16 left and 16 right values, each once, the pair prompt stated once, 256 answers asked.
  // Blocks are asked at once: their prompts arrive in any order.
  assert.equal(
    blocks.prompts.map((p) => Number(/holding exactly (\d+) answers/.exec(p)?.[1])).sort((a, b) => a - b),
    [16, 64, 64, 256],
  );
  const first = blocks.prompts.find((p) => p.includes('holding exactly 256 answers'))!;
  assert.is(first.match(/<left>\n/g)!.length, 16);
  assert.is(first.match(/<right>\n/g)!.length, 16);
  assert.is(first.match(/<criterion>/g)!.length, 1);
  assert.match(first, /<pairs>\n1: 1-16\n2: 1-16\n/);
  assert.match(
    first,
    /<shared>\n[\s\S]*<input name="a\.review"><left\/><\/input>\n<input name="b\.review"><right\/><\/input>/,
  );
});

test('all pairs of 20 reviews under batch 16, unforced: the small side packed, 2 prompts listing the 20 reviews once each, cheaper than the 4 blocks, the same rows', async (ctx) => {
  // Issue 67: the small side's 20 calls (one per review of one side, each listing the other side's 20) pack 16
  // and 4 a prompt, the candidates (the same in every call) stated once in each (packed-prompt.ts); before, its
  // calls never packed and the 4 blocks above were the plan.
  const packed = await run(ctx.f, ALL_PAIRS, '-- @ batch: 16');
  const blocks = await run(ctx.f, ALL_PAIRS, '-- @ batch: 16\n-- @ small_side: 0');
  const e = await explain(ctx.f, ALL_PAIRS, '-- @ batch: 16');
  assert.is(packed.calls, 2);
  assert.is(Number(e.est_calls), 2);
  assert.match(
    e.pair_plans,
    /\(400 pairs\): small side 2 calls \(16 per prompt\), .* \(chosen: fewest dollars, expected\); blocks 4 calls, /,
  );
  assert.equal(packed.rows, pairwise400?.rows ?? blocks.rows);
  assert.equal(packed.rows, blocks.rows);
  assert.ok(
    packed.tokensIn + packed.tokensOut < blocks.tokensIn + blocks.tokensOut,
    `${packed.tokensIn} + ${packed.tokensOut} vs ${blocks.tokensIn} + ${blocks.tokensOut}`,
  );
  assert.is(packed.prompts.filter((p) => p.includes('<shared>')).length, 2);
});

test('EXPLAIN prices each plan as the run spends: pairwise, small side, blocks, packed; pair_plans says why', async (ctx) => {
  // Pairwise: no batch, no small side.
  const pw = await explain(ctx.f, ALL_PAIRS, '-- @ small_side: 0');
  matches(pw, pairwise400 ?? (await run(ctx.pairwise, ALL_PAIRS, '')), 'pairwise');
  assert.match(pw.functions, /400 calls; pairwise: one call per distinct tuple/);
  assert.match(
    pw.pair_plans,
    /^llm_filter: a\.review × b\.review \(400 pairs\): pairwise 400 calls, ~\d+ in \+ 2000 out tokens, ~\$\d+\.\d{6} \(chosen: fewest dollars\)$/,
  );
  // The small side: 30 reviews × 3 phrases, no batch. One call per phrase listing the 30 reviews (within small_side)
  // costs fewer tokens than one per review listing the 3 phrases: 30 calls before issue 67 priced both orientations.
  const small = await explain(ctx.f, MOODS, '');
  const smallRun = await run(ctx.f, MOODS, '');
  assert.is(smallRun.calls, 3);
  assert.is(Number(small.est_calls), 3);
  assert.ok(Math.abs(Number(small.est_tokens_in) - smallRun.tokensIn) <= 0.02 * smallRun.tokensIn);
  // Its answers list the matches: EXPLAIN's out is a third of the candidates listed (the expected share:
  // cost/expected-matches.ts), and est_at_most's the most they can be, every candidate listed.
  assert.ok(Number(/ \+ (\d+) out tokens/.exec(String(small.est_at_most))?.[1]) >= smallRun.tokensOut);
  assert.match(
    small.pair_plans,
    /^llm_filter: r\.review × m\.phrase \(90 pairs\): small side 3 calls, .* \(chosen: fewest dollars, expected\); pairwise 90 calls/,
  );
  // Blocks: batch 16, the same statement, the small side not offered (`-- @ small_side: 0`).
  const bl = await explain(ctx.f, MOODS, '-- @ batch: 16\n-- @ small_side: 0');
  const blRun = await run(ctx.f, MOODS, '-- @ batch: 16\n-- @ small_side: 0');
  matches(bl, blRun, 'blocks');
  assert.is(blRun.calls, 2);
  assert.equal(blRun.rows, smallRun.rows);
  assert.match(bl.pair_plans, /: blocks 2 calls, .* \(chosen: fewest dollars\); packed 6 calls, /);
  // Offered, the small side's 3 calls pack into one prompt (the 30 reviews each lists stated once): cheaper than
  // the blocks. Before (its calls never packed): `blocks 2 calls … (chosen …); small side 3 calls, …; packed 6 calls`.
  const sp = await explain(ctx.f, MOODS, '-- @ batch: 16');
  const spRun = await run(ctx.f, MOODS, '-- @ batch: 16');
  assert.match(
    sp.pair_plans,
    /: small side 1 calls \(16 per prompt\), .* \(chosen: fewest dollars, expected\); blocks 2 calls, .*; packed 6 calls, /,
  );
  assert.is(spRun.calls, 1);
  assert.is(Number(sp.est_calls), 1);
  assert.ok(
    Math.abs(Number(sp.est_tokens_in) - spRun.tokensIn) <= 0.02 * spRun.tokensIn,
    `${sp.est_tokens_in} vs ${spRun.tokensIn}`,
  );
  // The bound (est_at_most: every candidate listed) holds the run's answers; est_tokens_out is the expected third.
  assert.ok(Number(/ \+ (\d+) out tokens/.exec(String(sp.est_at_most))?.[1]) >= spRun.tokensOut);
  assert.ok(spRun.tokensIn + spRun.tokensOut < blRun.tokensIn + blRun.tokensOut);
  assert.equal(spRun.rows, smallRun.rows);
  // Packed: a value holding the block markup (`</left>`) cannot go in a block; EXPLAIN says so.
  const marked = `SELECT a.id AS x, b.id AS y FROM marked a, marked b
    WHERE LLM_FILTER('The two reviews express the same sentiment', a.review, b.review) ORDER BY x, y`;
  const pk = await explain(ctx.f, marked, '-- @ batch: 16\n-- @ small_side: 0');
  const pkRun = await run(ctx.f, marked, '-- @ batch: 16\n-- @ small_side: 0');
  matches(pk, pkRun, 'packed');
  assert.is(pkRun.calls, 9);
  assert.match(
    pk.pair_plans,
    /: packed 9 calls, .* \(chosen: fewest dollars\); no blocks: a value holds the block markup$/,
  );
  assert.equal(pkRun.rows, (await run(ctx.pairwise, marked, '')).rows);
});

test('a block whose answer drops a pair is split in halves, down to answers that fit: the same rows', async (ctx) => {
  // sim-dropper leaves out the last item of any list of more than 4: blocks of 16 × 3 → 8 × 3 → 4 × 3 → 2 × 3 → 1 × 3.
  // The blocks forced (`-- @ small_side: 0`): the small side's one packed prompt is cheaper (the test above).
  const dropped = await run(ctx.f, MOODS, '-- @ batch: 16\n-- @ small_side: 0\n-- @ model: sim-dropper');
  const pairwise = await run(ctx.pairwise, MOODS, '-- @ model: sim-dropper');
  assert.equal(dropped.rows, pairwise.rows);
  // Blocks of 16 and 14 reviews × 3 phrases fail (2 calls), then their halves of 8 and 7 (4), of 4 and 3 (8),
  // then 14 blocks of 2 reviews fail and 2 of 1 review (3 pairs) answer (16), then 28 blocks of 1 review answer.
  assert.is(dropped.calls, 2 + 4 + 8 + 16 + 28);
});

test.run();
