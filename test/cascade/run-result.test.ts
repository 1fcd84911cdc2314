import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CascadeError } from '../../src/cascade/cascade-error.js';
import { loadCascade, loadCascadeText } from '../../src/cascade/load-cascade.js';
import { checkInputs, missingInputs, runCascade } from '../../src/cascade/run-cascade.js';
import type { CellCache } from '../../src/cascade/run-types.js';
import { startScripted, startSimRig } from './helpers.js';

const example = fileURLToPath(new URL('../../examples/cascades/traits/extract_brand.yaml', import.meta.url));

test('the spec result shape: status, session_id, cascade_id, outputs, last_cell, usage, errors, warnings, calls', async () => {
  const rig = await startSimRig({ costPerMillion: { in: 1, out: 2 } });
  try {
    const c = await loadCascade(example);
    const r = await runCascade(
      c,
      { product_name: 'Apple iPhone' },
      { llm: rig.llm, defaultModel: 'm', sessionPrefix: 'udf' },
    );
    assert.equal(Object.keys(r).sort(), [
      'calls',
      'cascade_id',
      'duration_ms',
      'errors',
      'last_cell',
      'outputs',
      'session_id',
      'status',
      'usage',
      'warnings',
    ]);
    assert.is(r.status, 'success');
    assert.match(r.session_id, /^udf-[a-z]+-[a-z]+-[0-9a-f]{6}$/);
    assert.is(r.cascade_id, 'extract_brand');
    assert.equal(Object.keys(r.outputs), ['extract']);
    assert.is(r.last_cell, 'extract');
    assert.equal(r.errors, []);
    assert.equal(r.warnings, []);
    const call = r.calls[0]!;
    assert.is(r.calls.length, 1);
    assert.is(call.cell, 'extract');
    assert.is(call.model, 'small-fast');
    assert.is(call.status, 'ok');
    assert.is(call.attempt, 1);
    assert.is(call.error, undefined);
    assert.ok(call.started_at > Date.now() - 60_000 && call.started_at <= Date.now());
    assert.ok(call.duration_ms >= 0);
    assert.ok(call.tokens_in > 0 && call.tokens_out > 0);
    const expectedCost = (call.tokens_in * 1 + call.tokens_out * 2) / 1e6;
    assert.ok(Math.abs(call.cost! - expectedCost) < 1e-12);
    assert.equal(r.usage, {
      calls: 1,
      tokens_in: call.tokens_in,
      tokens_out: call.tokens_out,
      cost: call.cost,
      cache_hits: 0,
    });
    assert.is(rig.sim.stats().requests, 1);
    assert.is(rig.sim.stats().tokensIn, call.tokens_in);
  } finally {
    await rig.close();
  }
});

test('usage.cost is null when any call has no known price', async () => {
  const rig = await startSimRig();
  try {
    const c = await loadCascade(example);
    const r = await runCascade(
      c,
      { product_name: 'x' },
      { llm: rig.llm, defaultModel: 'm', sessionId: 'fixed-id' },
    );
    assert.is(r.usage.cost, null);
    assert.is(r.session_id, 'fixed-id');
  } finally {
    await rig.close();
  }
});

test('a missing required input fails the run up front: CASCADE_INPUT_MISSING, no calls', async () => {
  const rig = await startSimRig();
  try {
    const c = await loadCascade(example);
    const r = await runCascade(c, { title: 'x' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.status, 'failed');
    assert.equal(r.errors, [
      {
        cell: null,
        code: 'CASCADE_INPUT_MISSING',
        message: 'cascade "extract_brand" needs input "product_name"',
      },
    ]);
    assert.is(rig.sim.stats().requests, 0);
    assert.equal(r.usage, { calls: 0, tokens_in: 0, tokens_out: 0, cost: 0, cache_hits: 0 });
    assert.equal(missingInputs(c, { product_name: null }), []);
    assert.equal(missingInputs(c, {}), ['product_name']);
    assert.throws(
      () => checkInputs(c, {}),
      (e: unknown) =>
        e instanceof CascadeError &&
        e.code === 'CASCADE_INPUT_MISSING' &&
        e.detail['path'] === 'inputs_schema',
    );
    checkInputs(c, { product_name: 'ok' });
  } finally {
    await rig.close();
  }
});

test('a failing cell ends the run: earlier outputs kept, last_cell is the last success', async () => {
  const rig = await startScripted((_req, n) => (n === 0 ? 'first' : ''));
  try {
    const c = loadCascadeText(
      'cascade_id: f\ncells:\n  - name: a\n    instructions: one\n  - name: b\n    instructions: two\n    rules: { max_attempts: 1 }\n  - name: c\n    instructions: three\n',
      'f.yaml',
    );
    const r = await runCascade(c, {}, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.status, 'failed');
    assert.equal(r.outputs, { a: 'first' });
    assert.is(r.last_cell, 'a');
    assert.equal(r.errors, [
      { cell: 'b', code: 'CASCADE_OUTPUT_EMPTY', message: 'the answer is empty (after 1 attempt)' },
    ]);
    assert.is(rig.requests.length, 2);
    assert.equal(
      r.calls.map((x) => [x.cell, x.status]),
      [
        ['a', 'ok'],
        ['b', 'error'],
      ],
    );
  } finally {
    await rig.close();
  }
});

test('a result cache plugged into ctx: a second run is served from it, counted as cache_hits', async () => {
  const rig = await startSimRig();
  try {
    const store = new Map<string, string>();
    const cache: CellCache = { get: (k) => store.get(k), set: (k, v) => void store.set(k, v) };
    const c = await loadCascade(example);
    const first = await runCascade(c, { product_name: 'Lego' }, { llm: rig.llm, defaultModel: 'm', cache });
    const second = await runCascade(c, { product_name: 'Lego' }, { llm: rig.llm, defaultModel: 'm', cache });
    assert.equal(second.outputs, first.outputs);
    assert.is(rig.sim.stats().requests, 1);
    assert.equal(second.usage, { calls: 0, tokens_in: 0, tokens_out: 0, cost: 0, cache_hits: 1 });
    assert.is(second.calls[0]!.cache_hit, true);
    await runCascade(c, { product_name: 'Duplo' }, { llm: rig.llm, defaultModel: 'm', cache });
    assert.is(rig.sim.stats().requests, 2);
  } finally {
    await rig.close();
  }
});

test('the result is plain JSON data', async () => {
  const rig = await startSimRig();
  try {
    const r = await runCascade(
      await loadCascade(example),
      { product_name: 'x' },
      { llm: rig.llm, defaultModel: 'm' },
    );
    assert.equal(JSON.parse(JSON.stringify(r)), r);
  } finally {
    await rig.close();
  }
});

test.run();
