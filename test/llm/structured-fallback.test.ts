import { Ajv } from 'ajv';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient } from '../../src/llm/client.js';
import type { StructuredFallback } from '../../src/llm/client-options.js';
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

test('a model that refuses every response_format: down to the schema in the prompt, said once per step, and remembered', async () => {
  const sim = await startSimulator({ record: true, quirks: { 'old-model': 'reject-response-format' } });
  const fallbacks: StructuredFallback[] = [];
  const llm = createLlmClient({ baseUrl: sim.url, onStructuredFallback: (e) => fallbacks.push(e) });
  try {
    const first = await llm.chat({ ...ask('What brand makes "Canon EOS R5"?', 'old-model'), responseFormat });
    assert.is(first.attempts, 3);
    assert.is(first.structured, 'prompt');
    const value = JSON.parse(first.content);
    assert.ok(new Ajv().validate(responseFormat.schema, value), first.content);
    const second = await llm.chat({ ...ask('What brand makes "Nikon Z6"?', 'old-model'), responseFormat });
    assert.is(second.attempts, 1);
    assert.is(second.structured, 'prompt');
    assert.is(JSON.parse(second.content).brand, 'Nikon');
    const seen = sim.stats().promptsSeen!;
    assert.equal(
      seen.map((s) => s.hasResponseFormat),
      [true, true, false, false],
    );
    assert.is(seen[2]!.messages[0]!.role, 'system');
    assert.match(seen[2]!.messages[0]!.content, /JSON Schema/);
    assert.equal(sim.stats().byStatus, { '200': 2, '400': 2 });
    assert.equal(
      fallbacks.map((f) => [f.model, f.from, f.to]),
      [
        ['old-model', 'json_schema', 'json_object'],
        ['old-model', 'json_object', 'prompt'],
      ],
    );
    // The provider's own words, on the event and on every answer given the weaker way.
    assert.match(
      fallbacks[0]!.warning,
      /^json_schema refused by 127\.0\.0\.1 for old-model: .*response_format json_schema is not supported for model old-model/,
    );
    assert.is(second.structuredWarning, fallbacks[1]!.warning);
    // Other models still get response_format.
    const other = await llm.chat({ ...ask('What brand makes "Leica Q3"?', 'new-model'), responseFormat });
    assert.is(sim.stats().promptsSeen![4]!.hasResponseFormat, true);
    assert.is(other.structured, 'json_schema');
    assert.is(other.structuredWarning, undefined);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test.run();
