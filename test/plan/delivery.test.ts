/**
 * The planner's `delivery` limit: `WITH (delivery = 'batch')` on MAP and RUN,
 * `-- @ delivery: batch` before an operator statement, a MAP or a RUN (and
 * before EXPLAIN / CREATE TABLE … AS of one), make `limits.delivery = 'batch'`;
 * 'sync' and no word at all leave the field absent (one call each).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from '../../grammar/index.js';
import type { CallLimits } from '../../src/cascade/call-limits.js';
import type { Plan } from '../../src/engine/plan.js';
import { planStatement } from '../../src/engine/plan-statement.js';
import { CascadeResolver } from '../../src/plan/cascade-resolver.js';
import type { OperatorCatalog } from '../../src/plan/operator-catalog.js';
import { semanticOptions } from '../../src/statements/semantic/plan/semantic-options.js';
import { ENGINE_CASCADES } from '../engine/engine-fixture.js';

const ctx = {
  resolver: new CascadeResolver([ENGINE_CASCADES]),
  defaults: { parallel: 3, cache: undefined },
  // MAP and RUN never reach the operator catalog.
  semantic: { catalog: {} as OperatorCatalog },
};

async function limitsOf(sql: string): Promise<Partial<CallLimits>> {
  const r = parse(sql);
  assert.equal(r.errors, []);
  const plan: Plan = await planStatement(r.statements[0]!, ctx);
  switch (plan.kind) {
    case 'map':
      return plan.map.limits;
    case 'run':
      return plan.run.limits;
    case 'explain':
      return plan.target.kind === 'map' ? plan.target.map.limits : plan.target.run.limits;
    default:
      throw new Error(`unexpected plan ${plan.kind}`);
  }
}

const MAP = "RVBBIT MAP 'label' USING (SELECT 'a' AS text)";
const RUN = "RVBBIT RUN 'label' USING (SELECT 'a' AS text)";

test("MAP: WITH (delivery = 'batch') sets limits.delivery; 'sync' and nothing leave it absent", async () => {
  assert.equal(await limitsOf(`${MAP} WITH (delivery = 'batch', retries = 2)`), {
    parallel: 3,
    model: undefined,
    cache: undefined,
    timeoutMs: undefined,
    retries: 2,
    budgetDollars: undefined,
    budgetTokens: undefined,
    delivery: 'batch',
  });
  assert.ok(!('delivery' in (await limitsOf(`${MAP} WITH (delivery = 'sync')`))));
  assert.ok(!('delivery' in (await limitsOf(MAP))));
});

test('MAP: -- @ delivery applies as -- @ parallel does; the WITH option wins over it', async () => {
  const annotated = await limitsOf(`-- @ delivery: batch\n-- @ parallel: 7\n${MAP}`);
  assert.equal([annotated.parallel, annotated.delivery], [7, 'batch']);
  assert.is((await limitsOf(`-- @ delivery: batch\n${MAP} WITH (delivery = 'sync')`)).delivery, undefined);
  assert.is((await limitsOf(`-- @ delivery: sync\n${MAP} WITH (delivery = 'batch')`)).delivery, 'batch');
});

test('RUN: WITH and -- @ delivery set limits.delivery', async () => {
  assert.equal(await limitsOf(`${RUN} WITH (delivery = 'batch')`), {
    model: undefined,
    cache: undefined,
    timeoutMs: undefined,
    retries: undefined,
    delivery: 'batch',
  });
  assert.is((await limitsOf(`-- @ delivery: batch\n${RUN}`)).delivery, 'batch');
  assert.ok(!('delivery' in (await limitsOf(`${RUN} WITH (delivery = 'sync')`))));
});

test('EXPLAIN and CREATE TABLE … AS: the annotations before them are their MAP or RUN’s', async () => {
  assert.is((await limitsOf(`-- @ delivery: batch\nEXPLAIN ${MAP}`)).delivery, 'batch');
  assert.is((await limitsOf(`-- @ delivery: batch\nEXPLAIN ${RUN}`)).delivery, 'batch');
  assert.is((await limitsOf(`-- @ parallel: 9\nEXPLAIN ${MAP}`)).parallel, 9);
  assert.is((await limitsOf(`EXPLAIN ${MAP} WITH (delivery = 'batch')`)).delivery, 'batch');
  assert.is((await limitsOf(`-- @ delivery: batch\nCREATE TABLE t AS ${MAP}`)).delivery, 'batch');
  assert.ok(!('delivery' in (await limitsOf(`EXPLAIN ${MAP}`))));
});

test('operators: -- @ delivery: batch sets limits.delivery; sync and nothing leave it absent', () => {
  const notes = (sql: string) => parse(`${sql}\nSELECT 1`).statements[0]!.annotations;
  const defaults = { parallel: 2, cache: undefined };
  assert.equal(semanticOptions(notes('-- @ delivery: batch\n-- @ retries: 1'), defaults).limits, {
    parallel: 2,
    model: undefined,
    cache: undefined,
    timeoutMs: undefined,
    retries: 1,
    budgetDollars: undefined,
    budgetTokens: undefined,
    delivery: 'batch',
  });
  assert.ok(!('delivery' in semanticOptions(notes('-- @ delivery: sync'), defaults).limits));
  assert.ok(!('delivery' in semanticOptions(notes('-- @ model: m'), defaults).limits));
});

test.run();
