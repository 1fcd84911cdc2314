/**
 * WITH (budget_dollars = …) and (budget_tokens = …) on RVBBIT RUN are refused
 * when planned, naming the option, before any call (as `-- @ budget_dollars`
 * before a RUN is): a budget stops runs not yet started, and a RUN starts one,
 * so it could never stop anything. (They were accepted and ignored.) Real
 * engine, real simulator.
 */
import * as assert from 'uvu/assert';
import { codeOf, engineSuite } from './engine-fixture.js';

const t = engineSuite('engine: a budget on RVBBIT RUN');

const RUN = `RVBBIT RUN 'summarize_table' USING (SELECT 'toys' AS category FROM range(3))`;

t(
  'WITH (budget_dollars / budget_tokens) on a RUN, or its EXPLAIN, is refused naming the option, before any call',
  async (ctx) => {
    const cases: [string, string][] = [
      [`${RUN} WITH (budget_dollars = 0.000001, cache = false)`, 'budget_dollars'],
      [`${RUN} WITH (cache = false, budget_tokens = 1)`, 'budget_tokens'],
      [`EXPLAIN ${RUN} WITH (budget_tokens = 1)`, 'budget_tokens'],
    ];
    for (const [sql, key] of cases) {
      const e = await codeOf(ctx.f.engine.query(sql));
      assert.is(e.code, 'E_WITH_KEY_NOT_ALLOWED', sql);
      assert.match(
        e.message,
        `WITH (${key} = …) does not apply to RVBBIT RUN: a budget stops runs not yet started, and RVBBIT RUN starts one; bound the run with WITH (timeout = …)`,
      );
      assert.is(e.detail.key, key);
      assert.is(e.detail.line, 1);
    }
    assert.is(ctx.f.sim.stats().requests, 0);
  },
);

t('the same RUN without a budget runs: one call', async (ctx) => {
  const r = await ctx.f.engine.query(`${RUN} WITH (cache = false)`);
  assert.is(r.rows[0]!.status, 'success');
  assert.is(ctx.f.sim.stats().requests, 1);
});

t.run();
