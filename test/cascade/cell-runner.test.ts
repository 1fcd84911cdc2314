import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCascadeText } from '../../src/cascade/load-cascade.js';
import { runCascade } from '../../src/cascade/run-cascade.js';
import type { LlmClient } from '../../src/llm/types.js';
import { until } from '../llm/helpers.js';
import { lastUser, startScripted, startSimRig } from './helpers.js';

const twoCells = loadCascadeText(
  `cascade_id: models
model: cascade-model
cells:
  - name: a
    model: cell-model
    instructions: "Describe {{ input.thing }}"
  - name: b
    instructions: "Shorten {{ outputs.a }}"
`,
  'models.yaml',
);

test('model: override, else cell, else cascade, else engine default', async () => {
  const rig = await startSimRig({ record: true });
  try {
    const r1 = await runCascade(twoCells, { thing: 'owls' }, { llm: rig.llm, defaultModel: 'default-model' });
    assert.is(r1.status, 'success');
    assert.equal(
      r1.calls.map((c) => c.model),
      ['cell-model', 'cascade-model'],
    );
    const r2 = await runCascade(
      twoCells,
      { thing: 'owls' },
      { llm: rig.llm, defaultModel: 'default-model', call: { model: 'override-model' } },
    );
    assert.equal(
      r2.calls.map((c) => c.model),
      ['override-model', 'override-model'],
    );
    const plain = loadCascadeText('cascade_id: p\ncells:\n  - name: a\n    instructions: hi\n', 'p.yaml');
    const r3 = await runCascade(plain, {}, { llm: rig.llm, defaultModel: 'default-model' });
    assert.equal(
      r3.calls.map((c) => c.model),
      ['default-model'],
    );
    assert.equal(
      rig.sim.stats().promptsSeen!.map((p) => p.model),
      ['cell-model', 'cascade-model', 'override-model', 'override-model', 'default-model'],
    );
    assert.is(rig.sim.stats().requests, 5);
  } finally {
    await rig.close();
  }
});

test('a text answer stays text and flows into the next cell through outputs', async () => {
  const rig = await startSimRig({ record: true });
  try {
    const r = await runCascade(twoCells, { thing: 'owls' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.outputs['a'], 'Simulated answer: Describe owls');
    const seen = rig.sim.stats().promptsSeen!;
    assert.equal(seen[1]!.messages, [{ role: 'user', content: 'Shorten Simulated answer: Describe owls' }]);
    assert.is(r.last_cell, 'b');
  } finally {
    await rig.close();
  }
});

test('without output_schema: JSON objects (bare or fenced) become data, scalars stay text', async () => {
  const answers = ['{"brand":"Apple"}', 'Sure:\n```json\n{"brand":"Sony"}\n```', '42', '[1,2]', '{broken'];
  const rig = await startScripted((_req, n) => answers[n]!);
  try {
    const c = loadCascadeText('cascade_id: j\ncells:\n  - name: a\n    instructions: hi\n', 'j.yaml');
    const outs = [];
    for (let i = 0; i < answers.length; i++) {
      outs.push((await runCascade(c, {}, { llm: rig.llm, defaultModel: 'm' })).outputs['a']);
    }
    assert.equal(outs, [{ brand: 'Apple' }, { brand: 'Sony' }, '42', [1, 2], '{broken']);
    assert.is(rig.requests.length, 5);
  } finally {
    await rig.close();
  }
});

test('tool then model: echo output is data the next prompt can use', async () => {
  const rig = await startScripted((req) => `got: ${lastUser(req)}`);
  try {
    const c = loadCascadeText(
      `cascade_id: wiring
cells:
  - name: prep
    tool: echo
    inputs: { who: "{{ input.who | upcase }}", n: 3, list: ["{{ input.who }}", 7] }
  - name: ask
    instructions: "Hello {{ outputs.prep.who }} x{{ outputs.prep.n }} {{ outputs.prep.list | json }}"
`,
      'w.yaml',
    );
    const r = await runCascade(c, { who: 'wren' }, { llm: rig.llm, defaultModel: 'm' });
    assert.equal(r.outputs, {
      prep: { who: 'WREN', n: 3, list: ['wren', 7] },
      ask: 'got: Hello WREN x3 ["wren",7]',
    });
    assert.is(rig.requests.length, 1);
    assert.is(r.usage.calls, 1);
  } finally {
    await rig.close();
  }
});

test('an LLM error fails the run with the client code; later cells do not run', async () => {
  const rig = await startSimRig({ errorRate: 1 });
  try {
    const r = await runCascade(twoCells, { thing: 'owls' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.status, 'failed');
    assert.is(r.errors.length, 1);
    assert.is(r.errors[0]!.cell, 'a');
    assert.ok(r.errors[0]!.code.startsWith('LLM_'), r.errors[0]!.code);
    assert.equal(r.outputs, {});
    assert.is(r.last_cell, null);
    assert.is(r.calls.length, 1);
    assert.is(r.calls[0]!.status, 'error');
    assert.ok(r.calls[0]!.error!.startsWith(r.errors[0]!.code));
    assert.is(rig.sim.stats().requests, 1);
  } finally {
    await rig.close();
  }
});

test('abort: an aborted signal fails with ABORTED before any call', async () => {
  const rig = await startSimRig();
  try {
    const controller = new AbortController();
    controller.abort();
    const r = await runCascade(
      twoCells,
      { thing: 'owls' },
      { llm: rig.llm, defaultModel: 'm', signal: controller.signal },
    );
    assert.is(r.status, 'failed');
    assert.equal(
      r.errors.map((e) => e.code),
      ['ABORTED'],
    );
    assert.is(rig.sim.stats().requests, 0);
    assert.is(r.calls.length, 0);
  } finally {
    await rig.close();
  }
});

test('abort mid-call: the call is cut, ABORTED, no further calls', async () => {
  // An answer a minute away: the abort, not the answer, must end the run.
  const rig = await startSimRig({ latencyMs: 60_000 });
  try {
    const controller = new AbortController();
    const started = Date.now();
    const running = runCascade(
      twoCells,
      { thing: 'owls' },
      { llm: rig.llm, defaultModel: 'm', signal: controller.signal },
    );
    // Aborted once the call is out (a fixed 50 ms was too soon at load ~10: no request had reached it).
    await until(() => rig.sim.stats().requests === 1, 'the first call reached the simulator');
    controller.abort();
    const r = await running;
    assert.is(rig.sim.stats().completed, 0);
    assert.ok(Date.now() - started < 30_000);
    assert.equal(r.errors, [{ cell: 'a', code: 'ABORTED', message: 'the run was cancelled' }]);
    assert.is(r.calls.length, 1);
    assert.is(r.calls[0]!.status, 'error');
    assert.is(rig.sim.stats().requests, 1);
  } finally {
    await rig.close();
  }
});

test('timeoutMs is a deadline for the whole run: CASCADE_TIMEOUT', async () => {
  const rig = await startSimRig({ latencyMs: 5_000 });
  try {
    const r = await runCascade(
      twoCells,
      { thing: 'owls' },
      { llm: rig.llm, defaultModel: 'm', call: { limits: { timeoutMs: 50 } } },
    );
    assert.equal(r.errors, [
      { cell: 'a', code: 'CASCADE_TIMEOUT', message: 'the run passed its deadline of 50 ms' },
    ]);
    assert.is(rig.sim.stats().requests, 1);
  } finally {
    await rig.close();
  }
});

test('a client that throws something odd still gives a failed run, not a crash', async () => {
  const llm: LlmClient = {
    chat: () => {
      throw new TypeError('boom');
    },
    close: async () => {},
  };
  const r = await runCascade(twoCells, { thing: 'owls' }, { llm, defaultModel: 'm' });
  assert.equal(r.errors, [{ cell: 'a', code: 'LLM_ERROR', message: 'boom' }]);
});

test.run();
