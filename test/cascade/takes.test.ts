import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCascadeText } from '../../src/cascade/load-cascade.js';
import { runCascade } from '../../src/cascade/run-cascade.js';
import { lastUser, startScripted, startSimRig } from './helpers.js';

const takes = (extra = '') =>
  loadCascadeText(
    `cascade_id: takes
cells:
  - name: name_it
    instructions: "Name a product for {{ input.topic }}"
    output_schema: { type: object, required: [name], properties: { name: { type: string } } }
    takes: { factor: 3${extra} }
`,
    'takes.yaml',
  );

test('factor 3 without evaluator: 3 parallel calls with varied prompts, the first take wins', async () => {
  const rig = await startSimRig({ record: true });
  try {
    const r = await runCascade(takes(), { topic: 'tea' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.status, 'success');
    assert.is(rig.sim.stats().requests, 3);
    const prompts = rig.sim
      .stats()
      .promptsSeen!.map((p) => p.messages.at(-1)!.content)
      .sort();
    assert.equal(prompts, [
      'Name a product for tea\n\n(Take 1 of 3.)',
      'Name a product for tea\n\n(Take 2 of 3.)',
      'Name a product for tea\n\n(Take 3 of 3.)',
    ]);
    assert.equal(r.calls.map((c) => c.take).sort(), [0, 1, 2]);
    const take0 = r.calls.find((c) => c.take === 0);
    assert.ok(take0);
    assert.is(r.usage.calls, 3);
  } finally {
    await rig.close();
  }
});

test('with evaluator_instructions: one more call picks the winner by index', async () => {
  const rig = await startScripted((req) => {
    const prompt = lastUser(req);
    if (prompt.startsWith('Pick the catchiest')) return '{"index": 2}';
    const take = /Take (\d) of 3/.exec(prompt)![1];
    return `{"name": "Brew ${take}"}`;
  });
  try {
    const r = await runCascade(
      takes(', evaluator_instructions: "Pick the catchiest {{ input.topic }} name"'),
      { topic: 'tea' },
      {
        llm: rig.llm,
        defaultModel: 'm',
      },
    );
    assert.is(r.status, 'success');
    assert.equal(r.outputs, { name_it: { name: 'Brew 3' } });
    assert.is(rig.requests.length, 4);
    const evaluator = rig.requests[3]!;
    assert.is(
      lastUser(evaluator),
      'Pick the catchiest tea name\n\nCandidates:\n[0] {"name":"Brew 1"}\n[1] {"name":"Brew 2"}\n[2] {"name":"Brew 3"}\n\n' +
        'Answer as JSON: {"index": <the number of the best candidate>}.',
    );
    assert.ok(evaluator.response_format);
    assert.equal(
      r.calls.map((c) => c.role),
      ['cell', 'cell', 'cell', 'evaluator'],
    );
  } finally {
    await rig.close();
  }
});

test('an evaluator answering out of range is retried, then the first valid take is kept with a warning', async () => {
  const rig = await startScripted((req) =>
    lastUser(req).includes('Candidates:')
      ? '{"index": 7}'
      : `{"name": "n${/Take (\d)/.exec(lastUser(req))![1]}"}`,
  );
  try {
    const r = await runCascade(
      takes(', evaluator_instructions: "pick"'),
      { topic: 'tea' },
      { llm: rig.llm, defaultModel: 'm' },
    );
    assert.is(r.status, 'success');
    assert.equal(r.outputs, { name_it: { name: 'n1' } });
    assert.is(rig.requests.length, 5);
    assert.is(r.warnings.length, 1);
    assert.match(
      r.warnings[0]!,
      /^cell "name_it": the evaluator failed \(CASCADE_OUTPUT_INVALID: .*must be <= 2/,
    );
  } finally {
    await rig.close();
  }
});

test('failed takes are skipped; the first valid one in take order wins', async () => {
  const rig = await startScripted((req) =>
    req.messages.some((m) => m.content.includes('Take 1 of')) ? 'not json' : `{"name": "ok"}`,
  );
  try {
    const r = await runCascade(takes(), { topic: 'tea' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.status, 'success');
    assert.equal(r.outputs, { name_it: { name: 'ok' } });
    // take 1 used both attempts; takes 2 and 3 one each
    assert.is(rig.requests.length, 4);
    assert.equal(r.warnings.length, 1);
  } finally {
    await rig.close();
  }
});

test('every take failing fails the cell', async () => {
  const rig = await startScripted(() => '{}');
  try {
    const r = await runCascade(takes(), { topic: 'tea' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.status, 'failed');
    assert.is(r.errors[0]!.code, 'CASCADE_OUTPUT_INVALID');
    assert.match(r.errors[0]!.message, /^all 3 takes failed; take 1: /);
    assert.is(rig.requests.length, 6);
  } finally {
    await rig.close();
  }
});

test.run();
