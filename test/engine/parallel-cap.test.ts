/**
 * PARALLEL above the provider's concurrency cap is said out loud: EXPLAIN
 * has a `parallel_capped` row and the statement a warning notice, both
 * naming the two numbers; at most the cap is ever in flight.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { SHIPPED_CASCADES } from '../../src/runtime/package-files.js';
import { startSimulator } from '../../src/sim/index.js';
import { ENGINE_CASCADES } from './engine-fixture.js';

const map = (parallel: number) =>
  `RVBBIT MAP PARALLEL ${parallel} 'label' USING (SELECT range AS id, 'item ' || range AS text FROM range(40)) WITH (cache = false)`;

test('PARALLEL 12 over a cap of 8: an EXPLAIN row, a warning notice, never more than 8 in flight', async () => {
  const sim = await startSimulator({ latencyMs: 30 });
  const engine = await createEngine({
    // The shipped cascades come after these roots: MEANS is one of them.
    cascadeRoots: [ENGINE_CASCADES, SHIPPED_CASCADES],
    provider: { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 8 },
    threads: 2,
  });
  try {
    const explained = await engine.query(`EXPLAIN ${map(12)}`);
    const row = explained.rows.find((r) => r.property === 'parallel_capped');
    assert.is(row?.value, "8 (PARALLEL 12 is above the provider's concurrency cap)");
    const notices: string[] = [];
    const r = await engine.query(map(12), undefined, { onNotice: (t) => notices.push(t) });
    assert.is(r.rows.length, 40);
    assert.equal(notices, [
      "WARNING: PARALLEL 12 is above the provider's concurrency cap of 8: at most 8 LLM calls run at once (raise llm.limits.concurrency to allow more)",
    ]);
    assert.ok(sim.stats().maxInFlight <= 8, `in flight ${sim.stats().maxInFlight}`);
    // A semantic statement's -- @ parallel too.
    const semantic: string[] = [];
    await engine.query(`-- @ parallel: 20\nSELECT 'eco bottle' MEANS 'eco' AS m`, undefined, {
      onNotice: (t) => semantic.push(t),
    });
    assert.equal(semantic.length, 1);
    assert.match(semantic[0]!, "PARALLEL 20 is above the provider's concurrency cap of 8");
    // At the cap: no row, no notice.
    const atCap = await engine.query(`EXPLAIN ${map(8)}`);
    assert.not.ok(atCap.rows.some((r) => r.property === 'parallel_capped'));
    const quiet: string[] = [];
    await engine.query(map(8), undefined, { onNotice: (t) => quiet.push(t) });
    assert.equal(quiet, []);
  } finally {
    await engine.close();
    await sim.close();
  }
});

test.run();
