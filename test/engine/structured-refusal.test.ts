/**
 * A provider that refuses `response_format: json_schema` (the simulator's
 * json-object-only profile) never degrades structured output silently: the
 * engine says it once (onWarning, with the provider's words), every call's
 * rvbbit.unified_logs row says how the schema went and why, EXPLAIN shows it,
 * and the answers still satisfy the cascade's schema.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { ENGINE_CASCADES, productsSql } from './engine-fixture.js';

test('json-object-only: the fallback to JSON mode is used, said once, logged per call and shown in EXPLAIN', async () => {
  const sim = await startSimulator({ profile: 'json-object-only' });
  const warnings: string[] = [];
  const engine = await createEngine({
    cascadeRoots: [ENGINE_CASCADES],
    provider: { baseUrl: sim.url, model: 'sim-small', backoff: { baseMs: 5, maxMs: 50 } },
    threads: 2,
    onWarning: (m) => warnings.push(m),
  });
  try {
    const MAP = `RVBBIT MAP 'brand' AS (brand VARCHAR, confidence DOUBLE) USING (${productsSql(40, 40)}) WITH (cache = false)`;
    const r = await engine.query(MAP);
    assert.is(r.rows.length, 40);
    assert.ok(r.rows.every((row) => row.brand === 'Acme' && typeof row.confidence === 'number'));
    const structured = warnings.filter((w) => w.startsWith('structured output:'));
    assert.is(structured.length, 1, warnings.join('\n'));
    assert.match(
      structured[0]!,
      /^structured output: json_schema refused by 127\.0\.0\.1 for sim-small: .*response_format/,
    );
    const logs = (
      await engine.query(
        `SELECT response_format, count(*)::INTEGER AS n, count(warning)::INTEGER AS warned
         FROM rvbbit.unified_logs WHERE cascade_id = 'brand' GROUP BY 1 ORDER BY 1`,
      )
    ).rows;
    // Calls in flight when the refusal came were asked again in JSON mode: every answer came that way.
    assert.equal(logs, [{ response_format: 'json_object', n: 40, warned: 40 }]);
    // Refusals are 400s answered before any JSON-mode call: one per call that met one, never more.
    const refused = sim.stats().responseFormatRefusals;
    assert.ok(refused >= 1 && refused <= 40, `refusals ${refused}`);
    const again = sim.stats().responseFormatRefusals;
    await engine.query(MAP);
    assert.is(sim.stats().responseFormatRefusals, again, 'a model moved down stays down');
    const explain = (await engine.query(`EXPLAIN ${MAP}`)).rows;
    const line = explain.find((row) => row.property === 'structured_output');
    assert.ok(line, JSON.stringify(explain));
    assert.match(String(line!.value), /^json_schema refused by 127\.0\.0\.1 for sim-small: /);
  } finally {
    await engine.close();
    await sim.close();
  }
});

test.run();
