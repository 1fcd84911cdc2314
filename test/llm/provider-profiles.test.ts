/**
 * rvbbit's client against every simulator profile, each a provider's
 * documented behaviour: structured output where the profile takes it, the
 * documented fallback where it does not — and every shipped cascade's schema
 * (plain, packed, counted for BATCH n, with a proxy's confidence) accepted by
 * OpenAI's strict mode, its answers valid against the cascade's own schema.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withItemCount } from '../../src/cascade/batch-schema.js';
import type { LlmCell } from '../../src/cascade/cascade-types.js';
import { confidenceSchema } from '../../src/cascade/confidence.js';
import { findEnumTemplates, withEnums } from '../../src/cascade/enum-template.js';
import { loadCascade } from '../../src/cascade/load-cascade.js';
import { packedSchema } from '../../src/cascade/packed-prompt.js';
import { createLlmClient } from '../../src/llm/client.js';
import type { StructuredFallback } from '../../src/llm/client-options.js';
import type { ResponseFormat } from '../../src/llm/types.js';
import { type SimProfileName, startSimulator } from '../../src/sim/index.js';
import { returningType } from '../../src/statements/semantic/rewrite/returning-type.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHIPPED = join(ROOT, 'cascades/semantic');
type Schema = Record<string, unknown>;

/** Every schema the engine may send for the shipped cascades, named as it names them. */
async function shippedSchemas(): Promise<ResponseFormat[]> {
  const out: ResponseFormat[] = [];
  for (const file of readdirSync(SHIPPED)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const cascade = await loadCascade(join(SHIPPED, file));
    for (const cell of cascade.cells) {
      const declared = (cell as LlmCell).outputSchema as Schema | undefined;
      if (cell.kind !== 'llm' || !declared) continue;
      // A templated enum (classify's `enum: "{{ input.labels }}"`) is filled per call, as the runtime does;
      // a templated subschema (LLM's `value: "{{ input.schema }}"`) with each kind of type a call may choose.
      const templates = findEnumTemplates(declared);
      const typed = templates.some((t) => t.kind === 'schema') ? RETURNING_SAMPLES : [undefined];
      for (const [i, returning] of typed.entries()) {
        const schema = withEnums(
          declared,
          templates.map((t) =>
            t.kind === 'enum'
              ? { path: t.path, kind: 'enum' as const, values: ['fruit', 'vehicle', 'tool'] }
              : { path: t.path, kind: 'schema' as const, schema: returning! },
          ),
        ) as Schema;
        pushVariants(out, `${cell.name}_output${returning ? `_${i}` : ''}`, schema);
      }
    }
  }
  return out;
}

/** Schemas of the types a typed function's call may choose (RETURNING …, LLM_SCORE's bounds). */
const RETURNING_SAMPLES: Schema[] = [
  returningType({ kind: 'scalar', family: 'boolean' }).schema,
  returningType({ kind: 'scalar', family: 'integer' }, { min: 1, max: 5 }).schema,
  returningType({ kind: 'scalar', family: 'double' }, { min: 0, max: 1.5 }).schema,
  returningType({ kind: 'scalar', family: 'text' }).schema,
  returningType({ kind: 'list', of: { kind: 'scalar', family: 'text' } }).schema,
  returningType({
    kind: 'struct',
    fields: [
      { name: 'label', type: { kind: 'scalar', family: 'text' } },
      { name: 'score', type: { kind: 'scalar', family: 'integer' } },
      { name: 'tags', type: { kind: 'list', of: { kind: 'scalar', family: 'text' } } },
      { name: 'when', type: { kind: 'scalar', family: 'date' } },
    ],
  }).schema,
];

/** The schema as sent plain, packed, counted for BATCH n and with a proxy's confidence. */
function pushVariants(out: ResponseFormat[], name: string, schema: Schema): void {
  out.push({ name, schema });
  out.push({ name: `${name}_packed`, schema: packedSchema(schema, 4).schema as Schema });
  const counted = withItemCount(schema, 3);
  if (counted) out.push({ name: `${name}_counted`, schema: counted as Schema });
  const sure = confidenceSchema(schema);
  if (sure) out.push({ name: `${name}_confidence`, schema: sure as Schema });
}

test('openai profile: every shipped cascade schema is accepted in strict mode; answers satisfy the original', async () => {
  const formats = await shippedSchemas();
  assert.ok(formats.length >= 40, `${formats.length} schemas`);
  const sim = await startSimulator({ profile: 'openai' });
  const llm = createLlmClient({ baseUrl: sim.url, apiKey: 'sk-test-key' });
  const ajv = new Ajv({ strict: false });
  try {
    for (const responseFormat of formats) {
      const r = await llm.chat({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Is "an apple" a fruit? Label it.' }],
        responseFormat,
      });
      assert.is(r.structured, 'json_schema', responseFormat.name);
      const value = JSON.parse(r.content);
      assert.ok(ajv.validate(responseFormat.schema, value), `${responseFormat.name}: ${r.content}`);
    }
    assert.is(sim.stats().responseFormatRefusals, 0);
    assert.is(sim.stats().byStatus['400'], undefined);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('openai profile: a boolean root goes wrapped as {value} and comes back a boolean; an optional field left out', async () => {
  const sim = await startSimulator({ profile: 'openai', record: true });
  const llm = createLlmClient({ baseUrl: sim.url, apiKey: 'sk-test-key' });
  try {
    const yes = await llm.chat({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Answer only true or false: is an apple a fruit?' }],
      responseFormat: { name: 'flag', schema: { type: 'boolean' } },
    });
    assert.ok(yes.content === 'true' || yes.content === 'false', yes.content);
    const sent = sim.stats().promptsSeen!;
    assert.is(sent.length, 1);
    const optional = await llm.chat({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Label "an apple".' }],
      responseFormat: {
        name: 'label',
        schema: {
          type: 'object',
          required: ['label'],
          properties: { label: { type: 'string' }, note: { type: 'string', maxLength: 40 } },
        },
      },
    });
    const value = JSON.parse(optional.content);
    assert.type(value.label, 'string');
    assert.ok(value.note === undefined || typeof value.note === 'string');
    assert.is(sim.stats().responseFormatRefusals, 0);
  } finally {
    await llm.close();
    await sim.close();
  }
});

const brand: ResponseFormat = {
  name: 'brand answer',
  schema: {
    type: 'object',
    required: ['brand', 'confidence'],
    properties: { brand: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
  },
};

/** Each profile: how the client ends up sending the schema, and whether it had to step down. */
const EXPECTED: readonly [SimProfileName, 'json_schema' | 'json_object', boolean][] = [
  ['default', 'json_schema', false],
  ['openai', 'json_schema', false],
  ['azure-openai', 'json_schema', false],
  ['ollama', 'json_schema', false],
  ['vllm', 'json_schema', false],
  ['json-object-only', 'json_object', true],
];

for (const [profile, mode, fellBack] of EXPECTED) {
  test(`${profile}: structured output as ${mode}${fellBack ? ' after a logged refusal' : ''}`, async () => {
    const sim = await startSimulator({ profile, models: ['gpt-4o-mini'] });
    const events: StructuredFallback[] = [];
    const azure = profile === 'azure-openai';
    const llm = createLlmClient({
      // Azure: the resource endpoint, the deployment in the path, the key in api-key.
      baseUrl: azure ? `http://127.0.0.1:${sim.port}` : sim.url,
      apiKey: 'sk-test-key',
      ...(azure ? { azureApiVersion: '2024-10-21' } : {}),
      onStructuredFallback: (e) => events.push(e),
    });
    try {
      const r = await llm.chat({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'What brand makes "Canon EOS R5"?' }],
        responseFormat: brand,
      });
      assert.is(r.structured, mode);
      const value = JSON.parse(r.content) as { brand?: unknown };
      assert.ok(new Ajv().validate(brand.schema, value), r.content);
      assert.is(value.brand, 'Canon');
      assert.is(events.length, fellBack ? 1 : 0);
      if (fellBack) {
        assert.equal([events[0]!.from, events[0]!.to], ['json_schema', 'json_object']);
        assert.match(events[0]!.warning, /This response_format type is unavailable now/);
        assert.is(r.structuredWarning, events[0]!.warning);
      }
      // The next call goes the way the first one ended, with no refusal.
      const before = sim.stats().responseFormatRefusals;
      const again = await llm.chat({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'What brand makes "Nikon Z6"?' }],
        responseFormat: brand,
      });
      assert.is(again.structured, mode);
      assert.is(sim.stats().responseFormatRefusals, before);
      assert.is(before, fellBack ? 1 : 0);
    } finally {
      await llm.close();
      await sim.close();
    }
  });
}

test('azure-openai: no api-key is a 401 naming the host; the key never appears', async () => {
  const sim = await startSimulator({ profile: 'azure-openai', azureApiKey: 'right-key-123' });
  const llm = createLlmClient({
    baseUrl: `http://127.0.0.1:${sim.port}`,
    apiKey: 'wrong-key-456',
    azureApiVersion: '2024-10-21',
  });
  try {
    const err = await llm
      .chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e) => e);
    assert.is(err.code, 'LLM_HTTP_401');
    assert.match(err.message, /^HTTP 401 from 127\.0\.0\.1: .*Access denied/);
    assert.not.match(err.message, /wrong-key-456/);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test.run();
