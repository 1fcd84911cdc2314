/**
 * Budgets that can be counted: `budget_dollars` with a model that has no
 * price is refused when planned (naming the model and the option), unless a
 * token budget bounds the statement; `budget_tokens` stops starting rows once
 * that many tokens (in + out) are spent, and the unstarted rows fail with
 * BUDGET_EXCEEDED.
 */
import * as assert from 'uvu/assert';
import { codeOf, engineSuite } from './engine-fixture.js';

const b = engineSuite('engine: budget_tokens and unpriced budgets');

const sameRows = (n: number) => `SELECT range::INTEGER AS id, 'a blue phone' AS text FROM range(${n})`;
const map = (n: number, parallel: number, extra: string) =>
  `RVBBIT MAP PARALLEL ${parallel} 'label' USING (${sameRows(n)}) WITH (cache = false${extra})`;

b(
  'budget_dollars with an unpriced model is a BUDGET_UNPRICED error at plan time: no call made',
  async ({ f }) => {
    for (const sql of [
      map(5, 2, ", model = 'unpriced-model', budget_dollars = 0.01"),
      `EXPLAIN ${map(5, 2, ", model = 'unpriced-model', budget_dollars = 0.01")}`,
    ]) {
      const e = await codeOf(f.engine.query(sql));
      assert.is(e.code, 'BUDGET_UNPRICED');
      assert.match(e.message, "budget_dollars = 0.01: model 'unpriced-model' has no price");
      assert.match(e.message, /llm\.prices/);
      assert.match(e.message, /budget_tokens/);
    }
    const annotated = await codeOf(
      f.engine.query(
        `-- @ budget_dollars: 0.5\n-- @ model: unpriced-model\nSELECT 'eco bottle' MEANS 'eco' AS m`,
      ),
    );
    assert.is(annotated.code, 'BUDGET_UNPRICED');
    assert.is(f.sim.stats().requests, 0);
  },
);

b('a priced model, or a token budget alongside, lets budget_dollars run', async ({ f }) => {
  const priced = await f.engine.query(map(3, 2, ', budget_dollars = 5'));
  assert.is(priced.rows.length, 3);
  const tokens = await f.engine.query(
    map(3, 2, ", model = 'unpriced-model', budget_dollars = 5, budget_tokens = 100000"),
  );
  assert.equal(
    tokens.rows.map((r) => r._error ?? null),
    [null, null, null],
  );
  assert.is(f.sim.stats().requests, 6);
});

b('budget_tokens stops starting rows once spent: the rest fail with BUDGET_EXCEEDED', async ({ f }) => {
  // One row's tokens, as the simulator counts them (every row asks the same).
  const one = await f.engine.query(map(1, 1, ''));
  assert.is(one.rows.length, 1);
  const s = f.sim.stats();
  const perRow = s.tokensIn + s.tokensOut;
  assert.ok(perRow > 0);
  f.sim.resetStats();
  // PARALLEL 1: rows start one at a time, so exactly three fit under 3 × perRow − 1.
  const r = await f.engine.query(map(12, 1, `, budget_tokens = ${3 * perRow - 1}`));
  assert.is(r.rows.length, 12);
  const ok = r.rows.filter((row) => row._error == null);
  const failed = r.rows.filter((row) => row._error != null);
  assert.is(ok.length, 3);
  assert.is(failed.length, 9);
  for (const row of failed)
    assert.match(String(row._error), /budget_tokens was spent before this row started/);
  assert.is(f.sim.stats().requests, 3);
  const q = await f.engine.query(
    `SELECT query_id FROM rvbbit.queries WHERE kind = 'map' ORDER BY started_at DESC LIMIT 1`,
  );
  const logged = await f.engine.query(
    `SELECT sum(tokens_in + tokens_out)::INTEGER AS tokens FROM rvbbit.unified_logs WHERE query_id = $1`,
    [String(q.rows[0]!.query_id)],
  );
  assert.is(logged.rows[0]!.tokens, 3 * perRow);
});

b.run();
