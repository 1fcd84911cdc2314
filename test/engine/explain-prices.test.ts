/**
 * Prices from the config's `llm:` section reach EXPLAIN: the one price table
 * (aliases resolved, as the LLM client resolves them before a call) prices
 * EXPLAIN's estimate and the run's logged cost. The simulator reports no cost
 * of its own here, so every logged dollar comes from the table.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { providerOptionFromConfig } from '../../src/engine/provider.js';
import { createEngine, type Engine, resolveLlmConfig } from '../../src/index.js';
import { simulatorEnv } from '../../src/llm/config.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { ENGINE_CASCADES, productsSql } from './engine-fixture.js';

const IN = 3;
const OUT = 12;

const test = suite<{ engine: Engine; sim: SimulatorHandle }>('engine: EXPLAIN prices from the config');

test.before(async (ctx) => {
  ctx.sim = await startSimulator({ costPerMillion: null });
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-prices-'));
  const file = join(dir, 'rvbbit.config.yaml');
  writeFileSync(
    file,
    `llm:
  base_url: ${ctx.sim.url}
  model: sim-small
  aliases: { small-fast: sim-large }
  prices: { sim-large: { in: ${IN}, out: ${OUT} } }
`,
  );
  const provider = providerOptionFromConfig(
    resolveLlmConfig({ ...simulatorEnv(), RVBBIT_CONFIG: file }, dir),
  );
  ctx.engine = await createEngine({ cascadeRoots: [ENGINE_CASCADES], provider, threads: 1 });
});
test.after(async (ctx) => {
  await ctx.engine.close();
  await ctx.sim.close();
});

const value = (rows: readonly Record<string, unknown>[], key: string) =>
  String(rows.find((r) => r.property === key)?.value);
const dollars = (tokensIn: number, tokensOut: number) => (tokensIn * IN + tokensOut * OUT) / 1e6;
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

test('EXPLAIN of a MAP prices an aliased model from the table; the run logs price × tokens per call', async ({
  engine,
  sim,
}) => {
  const map = `RVBBIT MAP 'label' USING (SELECT id, product_name AS text FROM (${productsSql(6)}))
    WITH (model = 'small-fast', cache = false)`;
  const e = (await engine.query(`EXPLAIN ${map}`)).rows;
  assert.is(value(e, 'models'), 'small-fast');
  assert.is(value(e, 'llm_calls'), '6');
  const expected = dollars(Number(value(e, 'est_tokens_in')), Number(value(e, 'est_tokens_out')));
  assert.ok(expected > 0);
  assert.ok(close(Number(value(e, 'est_dollars')), expected), value(e, 'est_dollars'));
  assert.is(sim.stats().requests, 0);

  await engine.query(map);
  assert.is(sim.stats().requests, 6);
  const q = await engine.query(
    `SELECT query_id, calls::INTEGER AS calls, cost FROM rvbbit.queries WHERE kind = 'map' ORDER BY started_at DESC LIMIT 1`,
  );
  const { query_id, calls, cost } = q.rows[0] as { query_id: string; calls: number; cost: number };
  const logs = await engine.query(
    `SELECT model, tokens_in, tokens_out, cost FROM rvbbit.unified_logs WHERE query_id = $1`,
    [query_id],
  );
  assert.is(calls, 6);
  assert.is(logs.rows.length, 6);
  let sum = 0;
  for (const r of logs.rows as { model: string; tokens_in: number; tokens_out: number; cost: number }[]) {
    assert.is(r.model, 'sim-large');
    assert.ok(close(r.cost, dollars(r.tokens_in, r.tokens_out)), `${r.cost}`);
    sum += r.cost;
  }
  assert.ok(close(cost, sum), `${cost} vs ${sum}`);
});

test('EXPLAIN of a semantic SELECT prices the -- @ model the same way', async ({ engine }) => {
  await engine.query(
    `CREATE OR REPLACE TABLE notes AS SELECT * FROM (VALUES (1, 'eco bottle'), (2, 'running shoe')) v(id, body)`,
  );
  const e = (
    await engine.query(`-- @ model: small-fast\nEXPLAIN SELECT id FROM notes WHERE body MEANS 'eco'`)
  ).rows;
  // 1 call (was 2 before issue 67): the two tuples go packed in one prompt, unannotated statements pack.
  assert.is(value(e, 'est_calls'), '1');
  const expected = dollars(Number(value(e, 'est_tokens_in')), Number(value(e, 'est_tokens_out')));
  assert.ok(expected > 0);
  assert.ok(close(Number(value(e, 'est_dollars')), expected), value(e, 'est_dollars'));
  // The default model has no price in this config: unknown, never a guess.
  const plain = (await engine.query(`EXPLAIN SELECT id FROM notes WHERE body MEANS 'eco'`)).rows;
  assert.is(value(plain, 'est_dollars'), 'unknown');
});

test.run();
