import { Ajv } from 'ajv';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient } from '../../src/llm/client.js';
import { startSimulator } from '../../src/sim/index.js';
import { ask } from './helpers.js';

const responseFormat = {
  name: 'brand answer',
  schema: {
    type: 'object',
    required: ['brand', 'confidence'],
    properties: { brand: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
    additionalProperties: false,
  },
};

test('response_format json_schema is sent and the answer satisfies the schema', async () => {
  const sim = await startSimulator({ record: true });
  const llm = createLlmClient({ baseUrl: sim.url });
  try {
    const r = await llm.chat({ ...ask('What brand makes "Canon EOS R5"?'), responseFormat });
    const value = JSON.parse(r.content);
    assert.ok(new Ajv().validate(responseFormat.schema, value));
    assert.is(value.brand, 'Canon');
    assert.is(sim.stats().promptsSeen![0]!.hasResponseFormat, true);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('a model that rejects response_format: fall back to the schema in the prompt, and remember', async () => {
  const sim = await startSimulator({ record: true, quirks: { 'old-model': 'reject-response-format' } });
  const llm = createLlmClient({ baseUrl: sim.url });
  try {
    const first = await llm.chat({ ...ask('What brand makes "Canon EOS R5"?', 'old-model'), responseFormat });
    assert.is(first.attempts, 2);
    const value = JSON.parse(first.content);
    assert.ok(new Ajv().validate(responseFormat.schema, value), first.content);
    const second = await llm.chat({ ...ask('What brand makes "Nikon Z6"?', 'old-model'), responseFormat });
    assert.is(second.attempts, 1);
    assert.is(JSON.parse(second.content).brand, 'Nikon');
    const seen = sim.stats().promptsSeen!;
    assert.equal(
      seen.map((s) => s.hasResponseFormat),
      [true, false, false],
    );
    assert.is(seen[1]!.messages[0]!.role, 'system');
    assert.match(seen[1]!.messages[0]!.content, /JSON Schema/);
    assert.equal(sim.stats().byStatus, { '200': 2, '400': 1 });
    // Other models still get response_format.
    await llm.chat({ ...ask('What brand makes "Leica Q3"?', 'new-model'), responseFormat });
    assert.is(sim.stats().promptsSeen![3]!.hasResponseFormat, true);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test.run();
