/**
 * The official `openai` npm SDK against every simulator profile, used as a
 * client would use it: chat, json_schema strict, streaming, embeddings in
 * float and base64 (the SDK's default), tool calls. The azure-openai profile
 * is driven by `AzureOpenAI` (endpoint, apiVersion, apiKey; the model names
 * the deployment), the others by `OpenAI({ baseURL: sim.url })`.
 */
import { Ajv } from 'ajv';
import OpenAI, { AzureOpenAI, BadRequestError, NotFoundError } from 'openai';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simEmbedding } from '../../src/sim/embeddings.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { SIM_PROFILES, type SimProfileName } from '../../src/sim/options.js';

const ajv = new Ajv({ strict: false, validateFormats: false });
const MODEL = 'sim-small';

function clientFor(sim: SimulatorHandle, profile: SimProfileName): OpenAI {
  if (profile === 'azure-openai') {
    return new AzureOpenAI({
      endpoint: new URL(sim.url).origin,
      apiKey: 'sim-key',
      apiVersion: '2024-10-21',
      maxRetries: 0,
    });
  }
  return new OpenAI({ baseURL: sim.url, apiKey: 'sim-key', maxRetries: 0 });
}

async function withProfile(
  profile: SimProfileName,
  fn: (client: OpenAI, sim: SimulatorHandle) => Promise<void>,
) {
  const sim = await startSimulator({ profile });
  try {
    await fn(clientFor(sim, profile), sim);
  } finally {
    await sim.close();
  }
}

/** A schema strict mode takes: object root, closed, every property required, supported keywords only. */
const STRICT_SCHEMA = {
  type: 'object',
  properties: {
    brand: { type: 'string', description: 'the maker' },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    tags: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 },
    colour: { type: ['string', 'null'], enum: ['red', 'green', null] },
  },
  required: ['brand', 'confidence', 'tags', 'colour'],
  additionalProperties: false,
};

/** Valid JSON Schema that strict mode refuses: an optional property and no additionalProperties. */
const LOOSE_SCHEMA = {
  type: 'object',
  properties: { brand: { type: 'string', minLength: 1 }, note: { type: 'string' } },
  required: ['brand'],
};

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['C', 'F'] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
    strict: true,
  },
};

for (const profile of SIM_PROFILES) {
  test(`${profile}: chat.completions.create answers text`, async () => {
    await withProfile(profile, async (client, sim) => {
      const r = await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'What brand makes "Apple iPhone 15"?' }],
      });
      assert.is(r.object, 'chat.completion');
      assert.is(r.model, MODEL);
      assert.is(r.choices[0]!.finish_reason, 'stop');
      assert.type(r.choices[0]!.message.content, 'string');
      assert.ok(r.choices[0]!.message.content!.length > 0);
      assert.ok(r.usage!.prompt_tokens > 0 && r.usage!.completion_tokens > 0);
      assert.is(sim.stats().completed, 1);
    });
  });

  test(`${profile}: json_schema strict — an accepted schema answers JSON that satisfies it`, async () => {
    await withProfile(profile, async (client, sim) => {
      const request = client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'What brand makes "Apple iPhone 15"?' }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'brand_answer', strict: true, schema: STRICT_SCHEMA },
        },
      });
      if (profile === 'json-object-only') {
        const err = await request.then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.instance(err, BadRequestError);
        assert.is((err as BadRequestError).status, 400);
        assert.is((err as BadRequestError).message, '400 This response_format type is unavailable now');
        assert.is(sim.stats().responseFormatRefusals, 1);
        return;
      }
      const r = await request;
      const value = JSON.parse(r.choices[0]!.message.content!) as { brand: string };
      const validate = ajv.compile(STRICT_SCHEMA);
      assert.ok(validate(value), ajv.errorsText(validate.errors));
      assert.is(value.brand, 'Apple');
      assert.is(sim.stats().responseFormatRefusals, 0);
    });
  });

  test(`${profile}: json_schema strict — a schema strict mode cannot take`, async () => {
    await withProfile(profile, async (client, sim) => {
      const request = client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'What brand makes "Apple iPhone 15"?' }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'loose', strict: true, schema: LOOSE_SCHEMA },
        },
      });
      if (profile === 'openai' || profile === 'azure-openai' || profile === 'json-object-only') {
        const err = await request.then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.instance(err, BadRequestError);
        assert.is((err as BadRequestError).status, 400);
        if (profile !== 'json-object-only') {
          assert.is((err as BadRequestError).param, 'response_format');
          assert.is(
            (err as BadRequestError).message,
            "400 Invalid schema for response_format 'loose': In context=(), 'additionalProperties' is required to be supplied and to be false.",
          );
        }
        assert.is(sim.stats().responseFormatRefusals, 1);
        assert.is(sim.stats().byStatus['400'], 1);
      } else {
        // default, ollama and vllm take the schema as it is (strict is not enforced there).
        const r = await request;
        const value = JSON.parse(r.choices[0]!.message.content!) as unknown;
        assert.ok(ajv.compile(LOOSE_SCHEMA)(value));
        assert.is(sim.stats().responseFormatRefusals, 0);
      }
    });
  });

  test(`${profile}: stream: true yields chunks whose content is the non-streamed answer`, async () => {
    await withProfile(profile, async (client) => {
      const messages = [
        { role: 'user' as const, content: 'Summarise: the quick brown fox jumps over the lazy dog' },
      ];
      const whole = await client.chat.completions.create({ model: MODEL, messages });
      const stream = await client.chat.completions.create({
        model: MODEL,
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let chunks = 0;
      let finish: string | null | undefined;
      let usage: OpenAI.CompletionUsage | undefined | null;
      for await (const chunk of stream) {
        chunks++;
        assert.is(chunk.object === 'chat.completion.chunk' || chunk.choices.length === 0, true);
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      assert.ok(chunks > 3, `${chunks} chunks`);
      assert.is(text, whole.choices[0]!.message.content);
      assert.is(finish, 'stop');
      assert.equal(usage, whole.usage);
    });
  });

  test(`${profile}: embeddings in float and in base64 (the SDK's default) are the simulator's vector`, async () => {
    await withProfile(profile, async (client) => {
      const input = ['red running shoes', 'a teapot for green tea'];
      const b64 = await client.embeddings.create({ model: MODEL, input });
      const float = await client.embeddings.create({ model: MODEL, input, encoding_format: 'float' });
      for (let i = 0; i < input.length; i++) {
        const want = Array.from(Float32Array.from(simEmbedding(input[i]!)));
        const fromB64 = b64.data[i]!.embedding;
        const fromFloat = Array.from(Float32Array.from(float.data[i]!.embedding));
        assert.is(fromB64.length, 256);
        assert.ok(
          fromB64.some((x) => x !== 0),
          'not all zeros',
        );
        assert.equal(fromB64, want);
        assert.equal(fromFloat, want);
      }
      const short = await client.embeddings.create({ model: MODEL, input: 'red shoes', dimensions: 64 });
      assert.is(short.data[0]!.embedding.length, 64);
    });
  });

  test(`${profile}: tool calls, the tool's result, then a text answer`, async () => {
    await withProfile(profile, async (client) => {
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: 'user', content: 'What is the weather in Paris today?' },
      ];
      // Ollama does not read tool_choice: 'auto' decides there, and the question names the weather.
      const first = await client.chat.completions.create({
        model: MODEL,
        messages,
        tools: [WEATHER_TOOL],
        tool_choice: profile === 'ollama' ? 'auto' : 'required',
      });
      const choice = first.choices[0]!;
      assert.is(choice.finish_reason, 'tool_calls');
      assert.is(choice.message.content, null);
      const call = choice.message.tool_calls![0]!;
      assert.is(call.type, 'function');
      if (call.type !== 'function') return;
      assert.is(call.function.name, 'get_weather');
      const args = JSON.parse(call.function.arguments) as unknown;
      assert.ok(ajv.compile(WEATHER_TOOL.function.parameters)(args), call.function.arguments);

      // The same call, streamed: the deltas add up to the same arguments.
      const stream = await client.chat.completions.create({
        model: MODEL,
        messages,
        tools: [WEATHER_TOOL],
        tool_choice: profile === 'ollama' ? 'auto' : 'required',
        stream: true,
      });
      let streamed = '';
      let name = '';
      for await (const chunk of stream) {
        const d = chunk.choices[0]?.delta.tool_calls?.[0];
        name += d?.function?.name ?? '';
        streamed += d?.function?.arguments ?? '';
      }
      assert.is(name, 'get_weather');
      assert.is(streamed, call.function.arguments);

      const second = await client.chat.completions.create({
        model: MODEL,
        messages: [
          ...messages,
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: '{"temperature": 21, "unit": "C"}' },
        ],
        tools: [WEATHER_TOOL],
      });
      assert.is(second.choices[0]!.finish_reason, 'stop');
      assert.type(second.choices[0]!.message.content, 'string');
    });
  });
}

test('openai: json_object needs the word json; the SDK sees the 400', async () => {
  await withProfile('openai', async (client, sim) => {
    const err = await client.chat.completions
      .create({
        model: MODEL,
        messages: [{ role: 'user', content: 'List three colours' }],
        response_format: { type: 'json_object' },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.instance(err, BadRequestError);
    assert.is((err as BadRequestError).param, 'messages');
    const ok = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'List three colours as JSON with key "colours"' }],
      response_format: { type: 'json_object' },
    });
    const value = JSON.parse(ok.choices[0]!.message.content!) as Record<string, unknown>;
    assert.ok(Array.isArray(value['colours']) || typeof value['colours'] === 'string');
    assert.is(sim.stats().responseFormatRefusals, 1);
  });
});

test('ollama and vllm: a model the server does not have is a 404 (NotFoundError)', async () => {
  for (const profile of ['ollama', 'vllm'] as const) {
    await withProfile(profile, async (client) => {
      const err = await client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.instance(err, NotFoundError);
      assert.is(
        (err as NotFoundError).message,
        profile === 'ollama' ? "404 model 'gpt-4o' not found" : '404 The model `gpt-4o` does not exist.',
      );
    });
  }
});

test('azure-openai: the plain OpenAI client works against sim.url (Azure v1 API)', async () => {
  const sim = await startSimulator({ profile: 'azure-openai' });
  try {
    assert.match(sim.url, /\/openai\/v1$/);
    const client = new OpenAI({ baseURL: sim.url, apiKey: 'sim-key', maxRetries: 0 });
    const r = await client.chat.completions.create({
      model: 'my-deployment',
      messages: [{ role: 'user', content: 'hello' }],
    });
    assert.is(r.model, 'my-deployment');
    const e = await client.embeddings.create({ model: 'my-deployment', input: 'red shoes' });
    assert.equal(e.data[0]!.embedding, Array.from(Float32Array.from(simEmbedding('red shoes'))));
  } finally {
    await sim.close();
  }
});

test.run();
