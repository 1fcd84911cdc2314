import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunRecord } from '../../bench/records.js';
import type { Strategy } from '../../bench/scenarios/scenario.js';
import { addRatios, summarize } from '../../bench/summarize.js';

function run(
  strategy: Strategy,
  parallel: number,
  rep: number,
  wallMs: number,
  latencyMs: number,
  extra: Partial<RunRecord> = {},
): RunRecord {
  const calls = 1000;
  return {
    scenario: 'filter',
    workload: 'filter',
    n: 1000,
    latency: { kind: 'fixed', ms: latencyMs },
    latencyLabel: `${latencyMs} ms`,
    latencyMeanMs: latencyMs,
    parallel,
    strategy,
    rep,
    status: 'ok',
    idealMs: latencyMs === 0 ? 0 : Math.ceil(calls / parallel) * latencyMs,
    expectedCalls: calls,
    wallMs,
    rowsPerSec: (1000 / wallMs) * 1000,
    ...extra,
  };
}

test('efficiency and speedup compare runs of the same repetition', () => {
  const runs = [
    run('sequential', 1, 1, 20_000, 20),
    run('batch', 64, 1, 400, 20),
    run('sequential', 1, 2, 40_000, 20),
    run('batch', 64, 2, 800, 20),
  ];
  addRatios(runs);
  assert.is(runs[1]!.speedup, 50);
  assert.is(runs[3]!.speedup, 50, 'a slow repetition is compared with its own reference');
  assert.is(runs[1]!.speedupBase, 'sequential');
  assert.is(runs[1]!.efficiency, 320 / 400);
  const cells = summarize(runs);
  const batch = cells.find((c) => c.strategy === 'batch')!;
  assert.is(batch.speedup, 50);
  assert.is(batch.wallMedianMs, 600);
  assert.is(batch.wallRelSpread, 400 / 600);
  assert.is(batch.runs, 2);
});

test('at latency 0 the ideal is raw undici in the same repetition, scaled by calls', () => {
  const runs = [
    run('batch', 64, 1, 200, 0),
    run('raw', 64, 1, 50, 0),
    run('batch_distinct', 64, 1, 20, 0, { expectedCalls: 100 }),
    run('batch_warm', 64, 1, 10, 0, { expectedCalls: 0 }),
  ];
  addRatios(runs);
  assert.is(runs[0]!.efficiency, 0.25);
  assert.is(runs[1]!.efficiency, 1);
  assert.is(runs[2]!.efficiency, 5 / 20);
  assert.is(runs[3]!.efficiency, null, 'no calls: no ideal');
  const cells = summarize(runs);
  assert.is(cells.find((c) => c.strategy === 'batch')!.ceilingRowsPerSec, 20_000);
  assert.is(cells.find((c) => c.strategy === 'batch')!.idealMs, 50);
});

test('without sequential, MAP compares with batch at P 1; a skipped reference falls back to calls × latency', () => {
  const runs = [run('batch', 1, 1, 21_000, 20), run('batch', 64, 1, 420, 20)];
  addRatios(runs);
  assert.is(runs[1]!.speedup, 50);
  assert.is(runs[1]!.speedupBase, 'batch@1');
  const skipped = [
    { ...run('sequential', 1, 1, 0, 200), status: 'skipped' as const, wallMs: undefined },
    run('batch', 64, 1, 4000, 200),
  ];
  addRatios(skipped);
  assert.is(skipped[1]!.speedup, 50);
  assert.is(skipped[1]!.speedupBase, 'ideal-seq');
});

test('cells that never ran keep their status and reason', () => {
  const runs: RunRecord[] = [
    {
      ...run('sequential', 1, 1, 0, 200),
      status: 'skipped',
      reason: 'ideal 200.0 s > cap 20 s',
      wallMs: undefined,
    },
    {
      ...run('vectorized', 8, 1, 0, 200),
      status: 'not-available',
      reason: 'SEMANTIC_NOT_AVAILABLE',
      wallMs: undefined,
    },
  ];
  addRatios(runs);
  const cells = summarize(runs);
  assert.equal(
    cells.map((c) => [c.strategy, c.status, c.reason, c.wallMedianMs]),
    [
      ['sequential', 'skipped', 'ideal 200.0 s > cap 20 s', null],
      ['vectorized', 'not-available', 'SEMANTIC_NOT_AVAILABLE', null],
    ],
  );
});

test.run();
