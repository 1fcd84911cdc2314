/**
 * A proxy with targets where the provider gives no logprobs (the simulator's `logprobs: false`,
 * standing for a provider that ignores the parameter: src/sim/chat-request.ts) falls back to the
 * model's own stated confidence (cascade/confidence.ts), end to end: the library and
 * node-postgres through `rvbbit serve`'s server give the same rows, the same calls per model
 * (the simulator's counters, cache off) and a strategy in rvbbit.queries that says which
 * confidence scored the proxy, for a filter's recall and precision targets and a
 * classification's accuracy target.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ServerFixture, startServerFixture } from './helpers.js';

// 400 distinct texts each, written inline.
const ITEMS = `(SELECT range::INTEGER AS id, CASE WHEN range % 5 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body FROM range(400)) t`;
const TICKETS = `(SELECT range::INTEGER AS id, 'ticket ' || range || ' asks about ' || CASE range % 3 WHEN 0 THEN 'billing' WHEN 1 THEN 'shipping' ELSE 'refund' END AS body FROM range(400)) t`;

// One call per tuple (-- @ batch: 1): each model's calls are counted as the split's tuples;
// issue 67 packs unannotated statements, 16 tuples a call.
const CASES = {
  'recall and precision': {
    sql: `-- @ cache: false\n-- @ batch: 1\n-- @ proxy: small-fast recall 0.9 precision 0.9\nSELECT id FROM ${ITEMS} WHERE body MEANS 'eco friendly' ORDER BY id`,
    split:
      /^batch; semantic_means: proxy small-fast targets recall 0\.9 precision 0\.9 delta 0\.05 \(SUPG\), self-reported confidence \(the provider gave no logprobs\); sample (\d+) draws, (\d+) tuples to sim-small \(\d+ true\); thresholds: false under [\d.]+, true at or above [\d.]+; proxy answered (\d+) of 400, (\d+) more went to sim-small$/,
  },
  accuracy: {
    sql: `-- @ cache: false\n-- @ batch: 1\n-- @ proxy: small-fast accuracy 0.9\nSELECT id, CLASSIFY(body, 'billing,shipping,refund') AS topic FROM ${TICKETS} ORDER BY id`,
    split:
      /^batch; classify: proxy small-fast targets accuracy 0\.9 delta 0\.05 \(Clopper-Pearson, fixed-sequence thresholds\), self-reported confidence \(the provider gave no logprobs\); sample (\d+) draws, (\d+) tuples to sim-small \(the proxy agreed on \d+\); threshold: the proxy's label kept at or above [\d.]+ \(error bound [\d.]+%\); proxy answered (\d+) of 400, (\d+) more went to sim-small$/,
  },
} as const;
type Case = keyof typeof CASES;

const LAST = `SELECT strategy, proxy_answered::INTEGER AS answered, big_model_tuples::INTEGER AS big
  FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`;

interface Run {
  readonly rows: string[];
  readonly byModel: Record<string, number>;
  readonly strategy: string;
  readonly answered: number;
  readonly big: number;
}

let f: ServerFixture;
const library = {} as Record<Case, Run>;
const line = (r: Record<string, unknown>) => Object.values(r).map(String).join('|');

test.before(async () => {
  f = await startServerFixture({}, { profiles: { 'small-fast': { accuracy: 0.85 } }, logprobs: false });
  for (const kind of Object.keys(CASES) as Case[]) {
    f.sim.resetStats();
    const rows = (await f.engine.query(CASES[kind].sql)).rows.map(line);
    const byModel = { ...f.sim.stats().byModel };
    const q = (await f.engine.query(LAST)).rows[0]!;
    library[kind] = {
      rows,
      byModel,
      strategy: String(q.strategy),
      answered: Number(q.answered),
      big: Number(q.big),
    };
  }
});
test.after(async () => {
  await f.close();
});

for (const kind of Object.keys(CASES) as Case[]) {
  test(`library, ${kind}: scored by self-reported confidence, said so; the proxy answers every tuple, sim-small the sample and band`, () => {
    const lib = library[kind];
    const m = CASES[kind].split.exec(lib.strategy);
    assert.ok(m, lib.strategy);
    if (kind === 'accuracy') assert.is(lib.rows.length, 400);
    assert.is(lib.byModel['small-fast'], 400);
    assert.is(lib.byModel['sim-small'], lib.big);
    assert.is(lib.answered + lib.big, 400);
    // The self-reported scores rank well enough that thresholds were learnt and the proxy's answers kept
    // (seeded: the same every run); the strategy's figures are the columns': the sample and the band are the big model's.
    assert.ok(lib.answered > 0, lib.strategy);
    assert.is(Number(m![3]), lib.answered);
    assert.is(Number(m![2]) + Number(m![4]), lib.big);
  });

  test(`node-postgres through the server, ${kind}: the library's rows, calls and strategy`, async () => {
    const c = await f.client();
    f.sim.resetStats();
    const r = await c.query(CASES[kind].sql);
    assert.equal(r.rows.map(line), library[kind].rows);
    assert.equal(f.sim.stats().byModel, library[kind].byModel);
    const q = (await c.query(LAST)).rows[0]!;
    assert.is(String(q.strategy), library[kind].strategy);
    assert.equal([Number(q.answered), Number(q.big)], [library[kind].answered, library[kind].big]);
  });
}

test.run();
