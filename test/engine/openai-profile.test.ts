/**
 * The engine against the simulator's `openai` profile (OpenAI's strict
 * structured-output rules): a boolean-root cascade round-trips through MAP,
 * and the shipped operators run with no response_format refusal.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { ENGINE_CASCADES } from './engine-fixture.js';

test('openai profile: a boolean root through MAP, and operators, with 0 refusals', async () => {
  const sim = await startSimulator({ profile: 'openai' });
  const engine = await createEngine({
    cascadeRoots: [ENGINE_CASCADES],
    provider: { baseUrl: sim.url, apiKey: 'sk-test-key', model: 'gpt-4o-mini', prices: {} },
    threads: 2,
    onWarning: () => undefined,
  });
  try {
    const map = await engine.query(
      `RVBBIT MAP 'is_fruit' USING (SELECT * FROM (VALUES ('an apple'), ('a truck')) v(text))`,
    );
    // The answer is the boolean itself, unwrapped from the {"value": …} strict mode asked for.
    assert.equal(
      map.rows.map((r) => typeof JSON.parse(String(r.result))),
      ['boolean', 'boolean'],
    );
    const ops = await engine.query(`
      SELECT t,
             t MEANS 'a fruit' AS fruit,
             t ABOUT 'food' AS food,
             t ALIGNS 'fruit is healthy' AS aligned,
             t IMPLIES 'it can be eaten' AS edible,
             t CONTRADICTS 'it is a vehicle' AS not_vehicle,
             t ~ 'an apple' AS same
      FROM (VALUES ('a ripe apple'), ('a red truck')) v(t) ORDER BY t`);
    assert.is(ops.rows.length, 2);
    const agg = await engine.query(
      `SELECT LLM_CLASSIFY(t, 'fruit, vehicle') AS kind, LLM_SENTIMENT(t) AS mood, LLM_SUMMARIZE(t, 'one line') AS s,
              LLM_THEMES(t, 2) AS th, LLM_AGG(t, 'list them') AS listed
       FROM (VALUES ('apples'), ('pears')) v(t)`,
    );
    assert.is(agg.rows.length, 1);
    const dims = await engine.query(
      `SELECT TOPICS(t, 2) AS topic, count(*) AS n FROM (VALUES ('apples'), ('pears'), ('trucks')) v(t) GROUP BY 1`,
    );
    assert.ok(dims.rows.length >= 1);
    assert.is(sim.stats().responseFormatRefusals, 0);
    assert.is(sim.stats().byStatus['400'], undefined);
    const modes = (
      await engine.query(
        `SELECT DISTINCT response_format FROM rvbbit.unified_logs WHERE response_format IS NOT NULL`,
      )
    ).rows;
    assert.equal(modes, [{ response_format: 'json_schema' }]);
  } finally {
    await engine.close();
    await sim.close();
  }
});

test('azure-openai profile through the engine: deployment paths, api-version, api-key; MAP and an operator', async () => {
  const sim = await startSimulator({ profile: 'azure-openai', azureApiKey: 'azure-key-123' });
  const engine = await createEngine({
    cascadeRoots: [ENGINE_CASCADES],
    provider: {
      baseUrl: `http://127.0.0.1:${sim.port}`,
      apiKey: 'azure-key-123',
      azureApiVersion: '2024-10-21',
      model: 'my-gpt4o-deployment',
      prices: {},
    },
    threads: 1,
    onWarning: () => undefined,
  });
  try {
    const map = await engine.query(
      `RVBBIT MAP 'brand' AS (brand VARCHAR) USING (SELECT 'Canon EOS R5' AS product_name)`,
    );
    assert.equal(map.rows, [{ product_name: 'Canon EOS R5', brand: 'Canon' }]);
    const op = await engine.query(
      `SELECT count(*)::INTEGER AS n FROM (VALUES ('a ripe apple')) v(t) WHERE t MEANS 'fruit'`,
    );
    assert.is(op.rows.length, 1);
    const s = sim.stats();
    assert.equal([s.responseFormatRefusals, s.byStatus['401'], s.byStatus['404']], [0, undefined, undefined]);
    assert.equal(s.byModel, { 'my-gpt4o-deployment': 2 });
  } finally {
    await engine.close();
    await sim.close();
  }
});

test.run();
