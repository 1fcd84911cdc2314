/**
 * One call's tokens and dollars: the provider's `usage` read (cached prompt
 * tokens included), priced by the table at the cached rate and, for a Batch
 * API answer, with the model's batch_discount off; a provider's own cost wins.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { costFromTable, type PriceTable } from '../../src/llm/pricing.js';
import { usageOf } from '../../src/llm/usage.js';
import { estimateDollars } from '../../src/plan/estimate.js';

// Prices chosen so every dollar figure below is an integer over 1e6: exact in floating point.
const PRICES: PriceTable = {
  cached: { in: 2, out: 8, cached_in: 1, batch_discount: 0.5 },
  uncached: { in: 2, out: 8 },
  'free-cache': { in: 4, out: 8, cached_in: 0, batch_discount: 0.25 },
};

const report = (prompt: number, completion: number, cached?: unknown) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  ...(cached === undefined ? {} : { prompt_tokens_details: { cached_tokens: cached } }),
});

test('cached_tokens: (in − cached) × in + cached × cached_in + out × out, per 1M tokens', () => {
  // (1000 − 400) × 2 + 400 × 1 + 200 × 8 = 1200 + 400 + 1600 = 3200.
  assert.equal(usageOf(report(1000, 200, 400), PRICES, ['cached']), {
    tokensIn: 1000,
    tokensOut: 200,
    tokensCached: 400,
    cost: 0.0032,
  });
  // No cached_in: cached tokens cost what the others do (1000 × 2 + 200 × 8 = 3600).
  assert.equal(usageOf(report(1000, 200, 400), PRICES, ['uncached']), {
    tokensIn: 1000,
    tokensOut: 200,
    tokensCached: 400,
    cost: 0.0036,
  });
  // cached_in 0: cached input is free (600 × 4 + 200 × 8 = 4000).
  assert.is(usageOf(report(1000, 200, 400), PRICES, ['free-cache']).cost, 0.004);
});

test('no cached_tokens reported: 0 cached, every input token at `in`', () => {
  const none = { tokensIn: 1000, tokensOut: 200, tokensCached: 0, cost: 0.0036 };
  assert.equal(usageOf(report(1000, 200), PRICES, ['cached']), none);
  assert.equal(usageOf({ ...report(1000, 200), prompt_tokens_details: null }, PRICES, ['cached']), none);
  assert.equal(usageOf({ ...report(1000, 200), prompt_tokens_details: {} }, PRICES, ['cached']), none);
  assert.equal(usageOf(report(1000, 200, 'many'), PRICES, ['cached']), none);
  assert.equal(usageOf(report(1000, 200, -5), PRICES, ['cached']), none);
  assert.equal(usageOf(report(1000, 200, Number.NaN), PRICES, ['cached']), none);
  assert.equal(usageOf(undefined, PRICES, ['cached']), {
    tokensIn: 0,
    tokensOut: 0,
    tokensCached: 0,
    cost: 0,
  });
});

test('cached_tokens above prompt_tokens is clamped to prompt_tokens', () => {
  // All 1000 input tokens cached: 1000 × 1 + 200 × 8 = 2600.
  assert.equal(usageOf(report(1000, 200, 5000), PRICES, ['cached']), {
    tokensIn: 1000,
    tokensOut: 200,
    tokensCached: 1000,
    cost: 0.0026,
  });
});

test("a provider's own usage.cost wins over the table, cached tokens still counted", () => {
  assert.equal(usageOf({ ...report(1000, 200, 512), cost: 0.0123 }, PRICES, ['cached']), {
    tokensIn: 1000,
    tokensOut: 200,
    tokensCached: 512,
    cost: 0.0123,
  });
  assert.is(
    usageOf({ ...report(1000, 200), cost: 0.0123 }, PRICES, ['cached'], { batch: true }).cost,
    0.0123,
  );
});

test('batch: the table cost times (1 − batch_discount); no discount when the model has none', () => {
  // 3200 × (1 − 0.5) = 1600.
  assert.is(usageOf(report(1000, 200, 400), PRICES, ['cached'], { batch: true }).cost, 0.0016);
  assert.is(usageOf(report(1000, 200, 400), PRICES, ['cached'], { batch: false }).cost, 0.0032);
  // No batch_discount: the full price.
  assert.is(usageOf(report(1000, 200, 400), PRICES, ['uncached'], { batch: true }).cost, 0.0036);
  // 4000 × (1 − 0.25) = 3000.
  assert.is(usageOf(report(1000, 200, 400), PRICES, ['free-cache'], { batch: true }).cost, 0.003);
});

test('the first priced model of the list prices the call; none priced: null', () => {
  assert.is(usageOf(report(1000, 200, 400), PRICES, ['nope', 'cached']).cost, 0.0032);
  assert.is(usageOf(report(1000, 200, 400), PRICES, ['uncached', 'cached']).cost, 0.0036);
  assert.equal(usageOf(report(1000, 200, 400), PRICES, ['nope']), {
    tokensIn: 1000,
    tokensOut: 200,
    tokensCached: 400,
    cost: null,
  });
  assert.is(usageOf(report(1000, 200), undefined, ['cached']).cost, null);
});

test('costFromTable is the one rule: direct calls, and EXPLAIN estimates (no discount assumed)', () => {
  assert.is(costFromTable(PRICES, 'cached', { tokensIn: 1000, tokensOut: 200, tokensCached: 400 }), 0.0032);
  assert.is(
    costFromTable(PRICES, 'cached', { tokensIn: 1000, tokensOut: 200, tokensCached: 400 }, { batch: true }),
    0.0016,
  );
  assert.is(costFromTable(PRICES, 'cached', { tokensIn: 1000, tokensOut: 200 }), 0.0036);
  assert.is(costFromTable(PRICES, 'missing', { tokensIn: 1, tokensOut: 1 }), null);
  assert.is(
    estimateDollars({ prices: PRICES, defaultModel: 'cached' }, ['cached', 'uncached'], 2000, 400),
    0.0072,
  );
});

test.run();
