/**
 * Issue 67's target "adding `-- @ prefilter` to a LIMIT query never raises
 * its calls", on the simulator's counters. A pair join of 200 × 100 reviews
 * under LIMIT 10: without the prefilter the LIMIT is met from the first 10
 * rows of each side, each left asked against the window's rights in one small
 * side call (5 + 10 calls). With `-- @ prefilter: 10` it was 62 calls: the
 * window took the first rows of both sides, which hold few of each left row's
 * 10 kept pairs (the window grew to 40 rows), and the kept pairs went pairwise.
 * Now the window takes the left side's rows alone (each with its 10 kept
 * pairs: limit-window.ts), and the small side is priced in both orientations
 * (one call per left value listing its kept rights: small-side.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine, startSimulator } from '../../src/index.js';
import { REVIEWS_CSV } from './semantic-fixture.js';

const JOIN = (condition: string) => `SELECT l.id AS x, r.id AS y FROM l JOIN r
  ON LLM_FILTER('The two reviews express ${condition} sentiments', l.t, r.t)`;
const OPPOSITE = JOIN('opposite');
const PREFILTER = '-- @ prefilter: 10';
const NO_CACHE = '-- @ cache: false';

async function withEngine(
  body: (engine: Engine, sim: Awaited<ReturnType<typeof startSimulator>>) => Promise<void>,
  packing: { operatorBatch?: number } = { operatorBatch: 1 },
) {
  const sim = await startSimulator({});
  // Pinned unpacked (operatorBatch: 1) unless a test says: these count pairwise and small-side calls; unannotated pair predicates pack since issue 67 (pair-plan.ts prices packed pairs and blocks then)
  const engine = await createEngine({
    provider: { baseUrl: sim.url, model: 'sim-small' },
    threads: 1,
    ...packing,
  });
  try {
    await engine.query(`CREATE TABLE reviews AS SELECT * FROM read_csv('${REVIEWS_CSV}');
      CREATE TABLE l AS SELECT id, review AS t FROM reviews WHERE id <= 200;
      CREATE TABLE r AS SELECT id, review AS t FROM reviews WHERE id > 200`);
    await body(engine, sim);
  } finally {
    await engine.close();
    await sim.close();
  }
}

const keys = (rows: readonly Record<string, unknown>[]) => rows.map((r) => `${r.x}/${r.y}`);

async function explained(engine: Engine, sql: string): Promise<Record<string, string>> {
  const r = await engine.query(`EXPLAIN ${sql}`);
  return Object.fromEntries(r.rows.map((x) => [String(x.property), String(x.value)]));
}

test('a pair join under LIMIT 10: -- @ prefilter: 10 makes fewer calls than without it (62 against 15 before), its rows the unlimited prefiltered answer`s', async () => {
  await withEngine(async (engine, sim) => {
    sim.resetStats();
    const plain = await engine.query(`${NO_CACHE}\n${OPPOSITE} LIMIT 10`);
    assert.is(sim.stats().requests, 15);
    assert.equal(keys(plain.rows), [
      '1/206',
      '2/206',
      '3/206',
      '4/206',
      '5/206',
      '6/206',
      '7/206',
      '8/206',
      '9/206',
      '10/206',
    ]);
    sim.resetStats();
    const pre = await engine.query(`${NO_CACHE}\n${PREFILTER}\n${OPPOSITE} LIMIT 10`);
    const s = sim.stats();
    // Before: 62 calls, the window grown to the first 40 rows of each side, every kept pair its own call.
    // Now the first 2, 4 and 8 left rows, one call per left row listing its 10 kept rights: 2 + 2 + 4.
    assert.is(s.requests, 8);
    assert.is(s.embeddingRequests, 1);
    assert.ok(s.requests <= 15);
    assert.equal(keys(pre.rows).sort(), [
      '1/232',
      '1/267',
      '2/217',
      '2/259',
      '3/206',
      '3/223',
      '3/242',
      '3/261',
      '7/206',
      '7/223',
    ]);
    const strategy = await engine.query(
      `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
    );
    assert.is(strategy.rows[0]!.strategy, 'batch (LIMIT met from the first 8 rows)');
    // Issue 51's rule: a LIMIT answer is rows of the unlimited prefiltered statement.
    const whole = new Set(keys((await engine.query(`${NO_CACHE}\n${PREFILTER}\n${OPPOSITE}`)).rows));
    assert.ok(keys(pre.rows).every((k) => whole.has(k)));
  });
});

test('a prefiltered pair join without LIMIT: its kept pairs in one small side call per right value (1870 pairwise calls before)', async () => {
  await withEngine(async (engine, sim) => {
    sim.resetStats();
    const rows = await engine.query(`${NO_CACHE}\n${PREFILTER}\n${OPPOSITE}`);
    const s = sim.stats();
    // Before: 1870 calls, one per kept pair (no side of 187 × 96 values is within small_side). Each right value's
    // kept lefts are within it: one call per right value listing them.
    assert.is(s.requests, 96);
    assert.is(s.embeddingRequests, 1);
    assert.is(rows.rows.length, 207);
  });
});

test('vectors not cached: EXPLAIN counts the calls the run makes, from k and the sides` sizes (1,871 before)', async () => {
  await withEngine(async (engine, sim) => {
    const e = await explained(engine, `${NO_CACHE}\n${PREFILTER}\n${OPPOSITE}`);
    assert.is(sim.stats().requests, 0);
    sim.resetStats();
    await engine.query(`${NO_CACHE}\n${PREFILTER}\n${OPPOSITE}`);
    const s = sim.stats();
    // 187 × 96 distinct values, 10 kept per left value: 1,870 kept pairs, about 19 kept lefts per right value,
    // within the small side: one call per right value (96), as the run plans them once embedded (1 request).
    assert.is(s.requests, 96);
    assert.is(s.embeddingRequests, 1);
    assert.is(Number(e.est_calls), s.requests + s.embeddingRequests);
  });
});

test('vectors cached: EXPLAIN prices the plans the run takes; est_calls and est_calls_window are the run`s calls', async () => {
  await withEngine(async (engine, sim) => {
    // Another condition over the same values embeds them all (cached); its answers are not this statement's.
    await engine.query(`${PREFILTER}\n${JOIN('similar')}`);
    sim.resetStats();
    const whole = await explained(engine, `${PREFILTER}\n${OPPOSITE}`);
    const limited = await explained(engine, `${PREFILTER}\n${OPPOSITE} LIMIT 10`);
    const first = await explained(engine, `${PREFILTER}\n${OPPOSITE} LIMIT 2`);
    assert.is(sim.stats().requests, 0);
    // Before: 1870 (pairwise), and a window of the first 10 rows of each side, 9 calls (the run made 62).
    assert.is(whole.est_calls, '96');
    assert.is(
      whole.pair_plans,
      // The small side's answers at a third of its candidates listed (cost/expected-matches.ts), every one at most.
      // ~64639 in before the calls were listed in code-unit order (small-side.ts): an unpacked small side's prompt
      // beyond its values is priced by its first call's, numbering included (` n="…"` a candidate), and the first
      // call is now another right value's, listing other kept lefts.
      'llm_filter: l.t × r.t (1870 pairs): small side 96 calls, ~66271 in + 1599 out tokens, ~$0.010900 (at most 96 calls, ~66271 in + 4028 out tokens, ~$0.012357) (chosen: fewest dollars, expected); pairwise 1870 calls, ~225924 in + 9350 out tokens, ~$0.039499',
    );
    assert.is(limited.est_calls_window, '2');
    assert.match(
      limited.limit_window!,
      /^LIMIT 10 over the first 2 rows of l \(more rows than that\): est_calls_window calls if 10 of them pass; else 4, 8, … rows/,
    );
    assert.is(first.est_calls_window, '1');
    // LIMIT 2: the first window (1 left row) meets it, in the 1 call EXPLAIN counted.
    sim.resetStats();
    assert.is((await engine.query(`${PREFILTER}\n${OPPOSITE} LIMIT 2`)).rows.length, 2);
    assert.is(sim.stats().requests, 1);
    // LIMIT 10: the windows of 2, 4 and 8 rows, as the line says: 2 calls, then the rows each adds (answers carry over).
    sim.resetStats();
    assert.is((await engine.query(`${PREFILTER}\n${OPPOSITE} LIMIT 10`)).rows.length, 10);
    assert.is(sim.stats().requests, 8 - 1);
    // The whole statement: the calls EXPLAIN counted. The 8 left rows' pairs the LIMIT runs asked are cached, but
    // each right value still has kept pairs not asked: one call each, as before.
    sim.resetStats();
    await engine.query(`${PREFILTER}\n${OPPOSITE}`);
    assert.is(sim.stats().requests, Number(whole.est_calls));
    assert.is(sim.stats().embeddingRequests, 0);
  });
});

/** The left rows of the window a LIMIT was met from (the statement's strategy in rvbbit.queries). */
async function metFrom(engine: Engine): Promise<number> {
  const r = await engine.query(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  const m = /LIMIT met from the first (\d+) rows/.exec(String(r.rows[0]!.strategy));
  assert.ok(m, String(r.rows[0]!.strategy));
  return Number(m[1]);
}

test('packed by default: adding the prefilter raises no LIMIT`s calls at 2, 10 and 30 (1, 2 and 8 before), and EXPLAIN counts every window`s calls as the run makes them', async () => {
  await withEngine(async (engine, sim) => {
    // Without the prefilter the windows of w × w rows go in one prompt each (the small side packed: the window's
    // rights stated once, each left a task; or a block). With it, each window holds the left rows that window
    // holds (or w²/k, more), each with its 10 kept rights scattered over the right side, rounded up to whole
    // prompts of 16 left rows' candidate lists (batch-passes.ts windowRows): the first 16 rows' kept pairs are one
    // call and hold LIMIT 2's and 10's matches (the first 1 and 7 left rows hold them), and the 10 reviews nearest a
    // review by embedding rarely express the opposite sentiment, so 30 matches take the first 29 left rows: the
    // windows of 16 and 32 rows, one call each. Before: windows of 3, 10 and 8, 26, 103 rows (1, 2 and 1 + 2 + 5
    // calls), their last prompts part-filled.
    for (const [limit, without, withPrefilter, rows] of [
      [2, 2, 1, 16],
      [10, 2, 1, 16],
      [30, 2, 2, 32],
    ] as const) {
      sim.resetStats();
      assert.is((await engine.query(`${NO_CACHE}\n${OPPOSITE} LIMIT ${limit}`)).rows.length, limit);
      assert.is(sim.stats().requests, without, `LIMIT ${limit} without the prefilter`);
      const sql = `${NO_CACHE}\n${PREFILTER}\n${OPPOSITE} LIMIT ${limit}`;
      const e = await explained(engine, sql);
      sim.resetStats();
      assert.is((await engine.query(sql)).rows.length, limit);
      const s = sim.stats();
      assert.is(s.embeddingRequests, 1);
      assert.is(s.requests, withPrefilter, `LIMIT ${limit}`);
      assert.ok(s.requests <= without);
      assert.is(await metFrom(engine), rows);
      // EXPLAIN = run: the calls it lists for the window the run met the LIMIT from (vectors not cached: the
      // window's left rows each with k kept pairs, packed as the run packs them).
      assert.ok(
        e.est_calls_windows!.split('; ').includes(`${rows} rows: ${withPrefilter}`),
        e.est_calls_windows,
      );
      assert.is(Number(e.est_calls_window), 1, `LIMIT ${limit}`);
    }
    const e = await explained(engine, `${NO_CACHE}\n${PREFILTER}\n${OPPOSITE} LIMIT 30`);
    assert.is(
      e.est_calls_windows,
      `16 rows: 1; 32 rows: 2; 112 rows: 7; then the statement whole: est_calls more at most`,
    );
  }, {});
});

test.run();
