import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCascade, loadCascadeText } from '../../src/cascade/load-cascade.js';
import { runCascade } from '../../src/cascade/run-cascade.js';
import { lastUser, startScripted, startSimRig } from './helpers.js';

const example = fileURLToPath(new URL('../../examples/cascades/traits/extract_brand.yaml', import.meta.url));

const brand = (maxAttempts = 2, model = 'm') =>
  loadCascadeText(
    `cascade_id: brand
cells:
  - name: extract
    model: ${model}
    instructions: "Brand of {{ input.p }}?"
    rules: { max_attempts: ${maxAttempts} }
    output_schema:
      type: object
      required: [brand]
      properties: { brand: { type: string } }
`,
    'brand.yaml',
  );

test('structured output against the simulator: schema sent, JSON parsed and validated, one call', async () => {
  const rig = await startSimRig({ record: true });
  try {
    const c = await loadCascade(example);
    const r = await runCascade(c, { product_name: 'Apple iPhone 15' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.status, 'success');
    const out = r.outputs['extract'] as { brand: string; confidence: number };
    assert.is(typeof out.brand, 'string');
    assert.ok(out.confidence >= 0 && out.confidence <= 1);
    assert.is(rig.sim.stats().requests, 1);
    const seen = rig.sim.stats().promptsSeen![0]!;
    assert.ok(seen.hasResponseFormat);
    assert.is(seen.model, 'small-fast');
    assert.ok(
      seen.messages.some(
        (m) =>
          m.content.startsWith('What brand makes the product named below?\nAnswer as JSON with "brand"') &&
          m.content.includes('\n<text>Apple iPhone 15</text>'),
      ),
    );
  } finally {
    await rig.close();
  }
});

test('wrong shape, then right: retried with the validation error appended, success after 2 calls', async () => {
  const rig = await startScripted((_req, n) => (n === 0 ? '{"brand": 5}' : '{"brand": "Apple"}'));
  try {
    const r = await runCascade(brand(), { p: 'iPhone' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.status, 'success');
    assert.equal(r.outputs, { extract: { brand: 'Apple' } });
    assert.is(rig.requests.length, 2);
    assert.equal(
      r.calls.map((c) => c.attempt),
      [1, 2],
    );
    assert.is(
      lastUser(rig.requests[1]!),
      'Your answer was not valid: the answer does not match output_schema: output/brand must be string. ' +
        'Answer again with only JSON that matches the schema.',
    );
    assert.equal(rig.requests[1]!.messages.at(-2), { role: 'assistant', content: '{"brand": 5}' });
  } finally {
    await rig.close();
  }
});

test('always the wrong shape: max_attempts calls, then a failed run with CASCADE_OUTPUT_INVALID', async () => {
  const rig = await startScripted(() => '{"name": "Apple"}');
  try {
    const r = await runCascade(brand(3), { p: 'iPhone' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.status, 'failed');
    assert.equal(r.errors, [
      {
        cell: 'extract',
        code: 'CASCADE_OUTPUT_INVALID',
        message:
          "the answer does not match output_schema: output must have required property 'brand' (after 3 attempts)",
      },
    ]);
    assert.is(rig.requests.length, 3);
    assert.is(r.usage.calls, 3);
    assert.equal(r.outputs, {});
  } finally {
    await rig.close();
  }
});

test('a fenced ```json block is parsed', async () => {
  const rig = await startScripted(() => 'Here you go:\n```json\n{"brand": "Sony"}\n```\nAnything else?');
  try {
    const r = await runCascade(brand(), { p: 'Walkman' }, { llm: rig.llm, defaultModel: 'm' });
    assert.equal(r.outputs, { extract: { brand: 'Sony' } });
    assert.is(rig.requests.length, 1);
  } finally {
    await rig.close();
  }
});

test('truncated JSON and whitespace answers: retried, then failed runs (not crashes)', async () => {
  const rig = await startScripted((_req, n) => (n < 2 ? '{"brand": "App' : '   \n'));
  try {
    const r1 = await runCascade(brand(), { p: 'x' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r1.status, 'failed');
    assert.is(r1.errors[0]!.code, 'CASCADE_OUTPUT_INVALID');
    assert.match(r1.errors[0]!.message, /^the answer is not JSON \(.+\) \(after 2 attempts\)$/);
    const r2 = await runCascade(brand(), { p: 'x' }, { llm: rig.llm, defaultModel: 'm' });
    assert.equal(r2.errors, [
      { cell: 'extract', code: 'CASCADE_OUTPUT_EMPTY', message: 'the answer is empty (after 2 attempts)' },
    ]);
    assert.is(rig.requests.length, 4);
  } finally {
    await rig.close();
  }
});

test('simulator quirks: empty, truncated JSON, 10 MB answers each give a failed run', async () => {
  const rig = await startSimRig({
    quirks: { 'q-empty': 'empty', 'q-trunc': 'truncated-json', 'q-huge': 'huge' },
  });
  try {
    const empty = await runCascade(brand(2, 'q-empty'), { p: 'x' }, { llm: rig.llm, defaultModel: 'm' });
    assert.equal(
      empty.errors.map((e) => e.code),
      ['CASCADE_OUTPUT_EMPTY'],
    );
    assert.is(rig.sim.stats().requests, 2);
    const trunc = await runCascade(brand(2, 'q-trunc'), { p: 'x' }, { llm: rig.llm, defaultModel: 'm' });
    assert.equal(
      trunc.errors.map((e) => e.code),
      ['CASCADE_OUTPUT_INVALID'],
    );
    assert.is(rig.sim.stats().requests, 4);
    const huge = await runCascade(brand(2, 'q-huge'), { p: 'x' }, { llm: rig.llm, defaultModel: 'm' });
    assert.equal(
      huge.errors.map((e) => e.code),
      ['CASCADE_OUTPUT_TOO_LARGE'],
    );
    assert.is(rig.sim.stats().requests, 5);
  } finally {
    await rig.close();
  }
});

test('a 10 MB answer the client accepts is refused by the run (maxAnswerChars), once, without keeping it', async () => {
  const big = `{"brand": "${'x'.repeat(10 * 1024 * 1024)}"}`;
  const rig = await startScripted(() => big, 64 * 1024 * 1024);
  try {
    const r = await runCascade(brand(), { p: 'x' }, { llm: rig.llm, defaultModel: 'm' });
    assert.equal(r.errors, [
      {
        cell: 'extract',
        code: 'CASCADE_OUTPUT_TOO_LARGE',
        message: `the answer has ${big.length} characters; at most 1048576 are allowed`,
      },
    ]);
    assert.is(rig.requests.length, 1);
    assert.ok(JSON.stringify(r).length < 5_000);
    const small = await runCascade(
      brand(),
      { p: 'x' },
      { llm: rig.llm, defaultModel: 'm', maxAnswerChars: 100 },
    );
    assert.is(small.errors[0]!.code, 'CASCADE_OUTPUT_TOO_LARGE');
  } finally {
    await rig.close();
  }
});

test.run();
