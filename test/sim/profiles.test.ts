/**
 * Provider profiles on the wire: exact status codes, error bodies and
 * counters for each profile's rules (src/sim/provider-profiles.ts,
 * strict-schema.ts, prompt-cache.ts, routes.ts), plus the conformance every
 * profile shares (SSE streaming, base64 embeddings, tool calls).
 */
import { spawn } from 'node:child_process';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simOptionsFromFlags } from '../../src/cli/sim-command.js';
import { embeddingBase64, simEmbedding } from '../../src/sim/embeddings.js';
import { startSimulator } from '../../src/sim/index.js';
import { strictSchemaProblem } from '../../src/sim/strict-schema.js';
import { CLI, ROOT } from '../cli/helpers.js';
import { postChat, user, withSchema } from './post.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

async function call(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  method: 'POST' | 'GET' = 'POST',
): Promise<Reply> {
  const res = await request(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

const errorOf = (r: Reply) => (r.json() as { error: Record<string, unknown> }).error;

const STRICT_OK = {
  type: 'object',
  properties: { brand: { type: 'string' }, n: { type: 'integer', minimum: 0 } },
  required: ['brand', 'n'],
  additionalProperties: false,
};

test('strict-schema: the first rule broken, in OpenAI wording', () => {
  assert.is(strictSchemaProblem(STRICT_OK), undefined);
  assert.is(
    strictSchemaProblem({ type: 'array', items: { type: 'string' } }),
    `schema must be a JSON Schema of 'type: "object"', got 'type: "array"'.`,
  );
  assert.is(
    strictSchemaProblem({ anyOf: [STRICT_OK, { type: 'null' }] }),
    `schema must be a JSON Schema of 'type: "object"', got 'type: "None"'.`,
  );
  assert.is(
    strictSchemaProblem({ ...STRICT_OK, additionalProperties: undefined }),
    "In context=(), 'additionalProperties' is required to be supplied and to be false.",
  );
  assert.is(
    strictSchemaProblem({ ...STRICT_OK, required: ['brand'] }),
    "In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'n'.",
  );
  const nested = (sub: Record<string, unknown>) => ({
    type: 'object',
    properties: { tags: { type: 'array', items: sub } },
    required: ['tags'],
    additionalProperties: false,
  });
  assert.is(
    strictSchemaProblem(nested({ type: 'string', minLength: 1 })),
    "In context=('properties', 'tags', 'items'), 'minLength' is not permitted.",
  );
  assert.is(
    strictSchemaProblem(nested({ type: 'string', format: 'uri' })),
    "In context=('properties', 'tags', 'items'), 'uri' is not a valid format.",
  );
  assert.is(strictSchemaProblem(nested({ type: 'string', format: 'date-time' })), undefined);
  assert.is(
    strictSchemaProblem(nested({ type: 'object', properties: {} })),
    "In context=('properties', 'tags', 'items'), 'additionalProperties' is required to be supplied and to be false.",
  );
  assert.is(
    strictSchemaProblem({
      ...STRICT_OK,
      properties: { brand: { description: 'x' }, n: { type: 'integer' } },
    }),
    "In context=('properties', 'brand'), schema must have a 'type' key.",
  );
  for (const kw of ['oneOf', 'allOf', 'not', 'uniqueItems', 'patternProperties']) {
    const p = strictSchemaProblem({ ...STRICT_OK, [kw]: [] });
    assert.is(p, `In context=(), '${kw}' is not permitted.`, kw);
  }
  // What the official SDK's zod helpers send on their own: "$schema"/"$id" at the root, `nullable`, `default`.
  assert.is(
    strictSchemaProblem({
      ...STRICT_OK,
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'person',
      properties: { brand: { type: 'string', nullable: true }, n: { type: 'integer', default: 3 } },
    }),
    undefined,
  );
  // Below the root "$schema" is no metadata (transform.ts keeps it at the root only).
  assert.is(
    strictSchemaProblem({
      ...STRICT_OK,
      properties: { brand: { type: 'string', $schema: 'x' }, n: { type: 'integer' } },
    }),
    "In context=('properties', 'brand'), '$schema' is not permitted.",
  );
  // anyOf branches, $defs and $ref, nullable types, recursion by $ref are supported.
  assert.is(
    strictSchemaProblem({
      type: 'object',
      properties: {
        item: { anyOf: [{ $ref: '#/$defs/node' }, { type: 'null' }] },
        label: { type: ['string', 'null'], enum: ['a', 'b', null] },
      },
      required: ['item', 'label'],
      additionalProperties: false,
      $defs: {
        node: {
          type: 'object',
          properties: {
            value: { type: 'number' },
            next: { anyOf: [{ $ref: '#/$defs/node' }, { type: 'null' }] },
          },
          required: ['value', 'next'],
          additionalProperties: false,
        },
      },
    }),
    undefined,
  );
  // Limits: nesting, properties, enum values.
  let deep: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < 11; i++) {
    deep = { type: 'object', properties: { a: deep }, required: ['a'], additionalProperties: false };
  }
  assert.is(strictSchemaProblem(deep), '11 levels of nesting exceeds limit of 10.');
  const many: Record<string, unknown> = {};
  for (let i = 0; i < 5001; i++) many[`p${i}`] = { type: 'string' };
  assert.is(
    strictSchemaProblem({
      type: 'object',
      properties: many,
      required: Object.keys(many),
      additionalProperties: false,
    }),
    '5001 parameters exceeds limit of 5000.',
  );
  const values = Array.from({ length: 1001 }, (_, i) => `v${i}`);
  assert.is(
    strictSchemaProblem({
      ...STRICT_OK,
      properties: { ...STRICT_OK.properties, brand: { type: 'string', enum: values } },
    }),
    '1001 enum values exceeds limit of 1000.',
  );
});

test('openai: a strict-mode violation is a 400 with OpenAI’s body; valid schemas are never refused', async () => {
  const sim = await startSimulator({ profile: 'openai' });
  try {
    const ok = await postChat(sim.url, {
      model: 'm',
      messages: user('What brand makes "Apple iPhone"?'),
      response_format: withSchema(STRICT_OK),
    });
    assert.is(ok.status, 200);
    assert.equal(Object.keys(JSON.parse(JSON.parse(ok.text).choices[0].message.content)), ['brand', 'n']);
    assert.is(sim.stats().responseFormatRefusals, 0);

    const bad = await call(`${sim.url}/chat/completions`, {
      model: 'm',
      messages: user('x'),
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', strict: true, schema: { ...STRICT_OK, required: ['brand'] } },
      },
    });
    assert.is(bad.status, 400);
    assert.equal(bad.json(), {
      error: {
        message:
          "Invalid schema for response_format 'answer': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'n'.",
        type: 'invalid_request_error',
        param: 'response_format',
        code: null,
      },
    });
    // strict: false takes the same schema as it is.
    const loose = await call(`${sim.url}/chat/completions`, {
      model: 'm',
      messages: user('x'),
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', strict: false, schema: { ...STRICT_OK, required: ['brand'] } },
      },
    });
    assert.is(loose.status, 200);
    const name = await call(`${sim.url}/chat/completions`, {
      model: 'm',
      messages: user('x'),
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'my answer.v1', strict: true, schema: STRICT_OK },
      },
    });
    assert.is(name.status, 400);
    assert.is(errorOf(name)['param'], 'response_format.json_schema.name');
    assert.is(errorOf(name)['code'], 'invalid_value');
    const word = await call(`${sim.url}/chat/completions`, {
      model: 'm',
      messages: user('three colours please'),
      response_format: { type: 'json_object' },
    });
    assert.is(word.status, 400);
    assert.equal(errorOf(word), {
      message:
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      type: 'invalid_request_error',
      param: 'messages',
      code: null,
    });
    const s = sim.stats();
    assert.is(s.responseFormatRefusals, 3);
    assert.is(s.byStatus['400'], 3);
    assert.is(s.requests, 5);
    assert.is(s.completed, 2);
  } finally {
    await sim.close();
  }
});

test('openai: strict tools are checked like response formats', async () => {
  const sim = await startSimulator({ profile: 'openai' });
  try {
    const r = await call(`${sim.url}/chat/completions`, {
      model: 'm',
      messages: user('weather in Paris?'),
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            strict: true,
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
    });
    assert.is(r.status, 400);
    assert.equal(errorOf(r), {
      message:
        "Invalid schema for function 'get_weather': In context=(), 'additionalProperties' is required to be supplied and to be false.",
      type: 'invalid_request_error',
      param: 'tools[0].function.parameters',
      code: 'invalid_function_parameters',
    });
  } finally {
    await sim.close();
  }
});

test('openai: cached_tokens counts a repeated prefix of ≥ 1024 tokens, in 128-token steps', async () => {
  const sim = await startSimulator({ profile: 'openai' });
  try {
    const system = { role: 'system', content: 'You are a careful assistant. '.repeat(180) }; // 5220 chars
    const ask = async (question: string) => {
      const r = await postChat(sim.url, {
        model: 'm',
        messages: [system, { role: 'user', content: question }],
      });
      const usage = JSON.parse(r.text).usage;
      return {
        cached: usage.prompt_tokens_details.cached_tokens as number,
        prompt: usage.prompt_tokens as number,
      };
    };
    const first = await ask('First question?');
    assert.is(first.cached, 0, 'the first request of a prompt is never cached');
    const second = await ask('Second question, another one?');
    // 5220 chars of shared prefix: 1024 tokens (4096) + 2 × 128 (512 each) = 5120 chars → 1280 tokens.
    assert.is(second.cached, 1280);
    const again = await ask('First question?');
    assert.is(again.cached, 1280, 'the whole prompt again: the longest seen prefix');
    const short = await postChat(sim.url, { model: 'm', messages: user('short prompt') });
    assert.is(JSON.parse(short.text).usage.prompt_tokens_details.cached_tokens, 0);
    // Another model has its own cache.
    const other = await postChat(sim.url, {
      model: 'other',
      messages: [system, { role: 'user', content: 'First question?' }],
    });
    assert.is(JSON.parse(other.text).usage.prompt_tokens_details.cached_tokens, 0);
    assert.is(sim.stats().tokensCached, 2560);
  } finally {
    await sim.close();
  }
  const plain = await startSimulator({ profile: 'vllm', models: ['m'] });
  try {
    const system = { role: 'system', content: 'x '.repeat(3000) };
    await postChat(plain.url, { model: 'm', messages: [system, ...user('a')] });
    const r = await postChat(plain.url, { model: 'm', messages: [system, ...user('b')] });
    assert.is(JSON.parse(r.text).usage.prompt_tokens_details, null);
    assert.is(plain.stats().tokensCached, 0);
  } finally {
    await plain.close();
  }
});

test('openai: no usage.cost (only the default profile reports it)', async () => {
  for (const [profile, reported] of [
    ['default', true],
    ['openai', false],
  ] as const) {
    const sim = await startSimulator({ profile, costPerMillion: { in: 1, out: 2 } });
    try {
      const r = await postChat(sim.url, { model: 'm', messages: user('hello there') });
      assert.is('cost' in JSON.parse(r.text).usage, reported, profile);
    } finally {
      await sim.close();
    }
  }
});

test('azure-openai: deployment paths, api-version, api-key, Azure’s bodies', async () => {
  const sim = await startSimulator({ profile: 'azure-openai' });
  const origin = new URL(sim.url).origin;
  const key = { 'api-key': 'k' };
  const path = (d: string, v?: string) =>
    `${origin}/openai/deployments/${d}/chat/completions${v ? `?api-version=${v}` : ''}`;
  try {
    const body = { messages: user('hello') };
    const noVersion = await call(path('gpt4o'), body, key);
    assert.is(noVersion.status, 404);
    assert.equal(noVersion.json(), { error: { code: '404', message: 'Resource not found' } });
    const noKey = await call(path('gpt4o', '2024-10-21'), body);
    assert.is(noKey.status, 401);
    assert.is(errorOf(noKey)['code'], '401');
    assert.match(String(errorOf(noKey)['message']), /^Access denied due to invalid subscription key/);
    const ok = await call(path('gpt4o', '2024-10-21'), body, key);
    assert.is(ok.status, 200);
    assert.is(ok.json()['model'], 'gpt4o', 'the deployment names the model');
    assert.ok(Array.isArray(ok.json()['prompt_filter_results']));
    const bearer = await call(path('gpt4o', '2024-10-21'), body, { authorization: 'Bearer entra-token' });
    assert.is(bearer.status, 200);
    // json_schema needs api-version 2024-08-01-preview or later.
    const schemaBody = { ...body, response_format: withSchema(STRICT_OK) };
    const old = await call(path('gpt4o', '2024-06-01'), schemaBody, key);
    assert.is(old.status, 400);
    assert.equal(old.json(), {
      error: {
        code: 'BadRequest',
        message:
          'response_format value as json_schema is enabled only for api versions 2024-08-01-preview and later',
      },
    });
    assert.is((await call(path('gpt4o', '2024-08-01-preview'), schemaBody, key)).status, 200);
    // Strict rules as on openai.
    const loose = await call(
      path('gpt4o', '2024-10-21'),
      { ...body, response_format: withSchema({ type: 'object', properties: { a: { type: 'string' } } }) },
      key,
    );
    assert.is(loose.status, 400);
    assert.is(errorOf(loose)['param'], 'response_format');
    // OpenAI's paths are not Azure's.
    const openaiPath = await call(`${origin}/v1/chat/completions`, { model: 'gpt4o', ...body }, key);
    assert.is(openaiPath.status, 404);
    assert.equal(openaiPath.json(), { error: { code: '404', message: 'Resource not found' } });
    // The v1 API: no api-version, the body's model names the deployment.
    const v1 = await call(`${origin}/openai/v1/chat/completions`, { model: 'dep2', ...body }, key);
    assert.is(v1.status, 200);
    assert.is(v1.json()['model'], 'dep2');
    const emb = await call(
      `${origin}/openai/deployments/emb/embeddings?api-version=2024-10-21`,
      { input: 'red shoes', encoding_format: 'base64' },
      key,
    );
    assert.is(emb.status, 200);
    assert.is(
      (emb.json()['data'] as { embedding: string }[])[0]!.embedding,
      embeddingBase64(simEmbedding('red shoes')),
    );
    const s = sim.stats();
    assert.is(s.responseFormatRefusals, 2);
    assert.is(s.requests, 6, 'route refusals (404, 401) are not chat requests');
  } finally {
    await sim.close();
  }
  const locked = await startSimulator({ profile: 'azure-openai', azureApiKey: 'secret' });
  try {
    const url = `${new URL(locked.url).origin}/openai/deployments/d/chat/completions?api-version=2024-10-21`;
    assert.is((await call(url, { messages: user('x') }, { 'api-key': 'wrong' })).status, 401);
    assert.is((await call(url, { messages: user('x') }, { 'api-key': 'secret' })).status, 200);
  } finally {
    await locked.close();
  }
});

test('ollama: any schema goes (strict ignored), unknown models 404, Ollama’s error shape', async () => {
  const sim = await startSimulator({ profile: 'ollama' });
  try {
    const loose = await postChat(sim.url, {
      model: 'sim-small',
      messages: user('x'),
      response_format: withSchema({ type: 'object', properties: { a: { type: 'string', minLength: 3 } } }),
    });
    assert.is(loose.status, 200);
    assert.ok(JSON.parse(JSON.parse(loose.text).choices[0].message.content).a.length >= 3);
    assert.is(JSON.parse(loose.text).system_fingerprint, 'fp_ollama');
    assert.equal(Object.keys(JSON.parse(loose.text).usage), [
      'prompt_tokens',
      'completion_tokens',
      'total_tokens',
    ]);
    const jsonMode = await postChat(sim.url, {
      model: 'sim-small',
      messages: user('no magic word here'),
      response_format: { type: 'json_object' },
    });
    assert.is(jsonMode.status, 200, 'Ollama enforces JSON by grammar: no need for the word');
    assert.type(JSON.parse(JSON.parse(jsonMode.text).choices[0].message.content), 'object');
    const missing = await postChat(sim.url, { model: 'llama3', messages: user('x') });
    assert.is(missing.status, 404);
    assert.equal(JSON.parse(missing.text), {
      error: { message: "model 'llama3' not found", type: 'not_found_error', param: null, code: null },
    });
    const emb = await call(`${sim.url}/embeddings`, {
      model: 'sim-small',
      input: 'x',
      encoding_format: 'int8',
    });
    assert.is(emb.status, 400);
    assert.equal(errorOf(emb), {
      message: "Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].",
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
    assert.is(sim.stats().responseFormatRefusals, 0);
  } finally {
    await sim.close();
  }
});

test('vllm: structured outputs for json_object and json_schema, vLLM’s error body', async () => {
  const sim = await startSimulator({ profile: 'vllm' });
  try {
    const noSchema = await postChat(sim.url, {
      model: 'sim-small',
      messages: user('x'),
      response_format: { type: 'json_schema' },
    });
    assert.is(noSchema.status, 400);
    assert.equal(JSON.parse(noSchema.text), {
      error: {
        message: "When response_format type is 'json_schema', the 'json_schema' field must be provided.",
        type: 'BadRequestError',
        param: null,
        code: 400,
      },
    });
    const loose = await postChat(sim.url, {
      model: 'sim-small',
      messages: user('x'),
      response_format: withSchema({ type: 'object', properties: { a: { type: 'integer' } } }),
    });
    assert.is(loose.status, 200);
    const missing = await postChat(sim.url, { model: 'gpt-4o', messages: user('x') });
    assert.is(missing.status, 404);
    assert.equal(JSON.parse(missing.text), {
      error: {
        message: 'The model `gpt-4o` does not exist.',
        type: 'NotFoundError',
        param: 'model',
        code: 404,
      },
    });
    assert.is(sim.stats().responseFormatRefusals, 1);
  } finally {
    await sim.close();
  }
});

test('json-object-only: json_schema refused as DeepSeek does, json_object answered', async () => {
  const sim = await startSimulator({ profile: 'json-object-only' });
  try {
    const schema = await postChat(sim.url, {
      model: 'm',
      messages: user('x'),
      response_format: withSchema(STRICT_OK),
    });
    assert.is(schema.status, 400);
    assert.equal(JSON.parse(schema.text), {
      error: {
        message: 'This response_format type is unavailable now',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_request_error',
      },
    });
    const noWord = await postChat(sim.url, {
      model: 'm',
      messages: user('x'),
      response_format: { type: 'json_object' },
    });
    assert.is(noWord.status, 400);
    assert.match(JSON.parse(noWord.text).error.message, /Prompt must contain the word 'json'/);
    // rvbbit's json_object fallback: the schema in a system message that says JSON.
    const fallback = await postChat(sim.url, {
      model: 'm',
      messages: [
        {
          role: 'system',
          content: `Answer with only a JSON object (no prose, no code fence) that satisfies this JSON Schema:\n${JSON.stringify(STRICT_OK)}`,
        },
        ...user('What brand makes "Apple iPhone"?'),
      ],
      response_format: { type: 'json_object' },
    });
    assert.is(fallback.status, 200);
    const value = JSON.parse(JSON.parse(fallback.text).choices[0].message.content);
    assert.equal(Object.keys(value), ['brand', 'n']);
    assert.is(value.brand, 'Apple');
    assert.is(sim.stats().responseFormatRefusals, 2);
  } finally {
    await sim.close();
  }
});

test('default: permissive as before; json_object answers a JSON object', async () => {
  const sim = await startSimulator();
  try {
    const loose = await postChat(sim.url, {
      model: 'm',
      messages: user('x'),
      response_format: withSchema({ type: 'array', items: { type: 'integer' }, minItems: 2 }),
    });
    assert.is(loose.status, 200);
    assert.is(JSON.parse(JSON.parse(loose.text).choices[0].message.content).length, 2);
    const obj = await postChat(sim.url, {
      model: 'm',
      messages: user('hello'),
      response_format: { type: 'json_object' },
    });
    assert.type(JSON.parse(JSON.parse(obj.text).choices[0].message.content), 'object');
    assert.equal(Object.keys(JSON.parse(loose.text)), [
      'id',
      'object',
      'created',
      'model',
      'choices',
      'usage',
    ]);
    assert.is(sim.stats().responseFormatRefusals, 0);
  } finally {
    await sim.close();
  }
});

test('streaming on the wire: SSE chunks, include_usage, [DONE]; faults still apply', async () => {
  const sim = await startSimulator({ profile: 'openai' });
  try {
    const r = await call(`${sim.url}/chat/completions`, {
      model: 'm',
      messages: user('tell me about red running shoes'),
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.is(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/event-stream/);
    const events = r.text.split('\n\n').filter((e) => e.length > 0);
    assert.is(events.at(-1), 'data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));
    assert.equal(chunks[0].choices[0].delta, { role: 'assistant', content: '', refusal: null });
    assert.is(chunks.at(-2).choices[0].finish_reason, 'stop');
    assert.equal(chunks.at(-1).choices, []);
    assert.is(chunks.at(-1).usage.prompt_tokens, 8);
    assert.ok(chunks.slice(0, -1).every((c: { usage: unknown }) => c.usage === null));
    const whole = await postChat(sim.url, { model: 'm', messages: user('tell me about red running shoes') });
    const text = chunks
      .map((c: { choices: { delta: { content?: string } }[] }) => c.choices[0]?.delta.content ?? '')
      .join('');
    assert.is(text, JSON.parse(whole.text).choices[0].message.content);
    assert.is(sim.stats().byStatus['200'], 2);

    sim.setOptions({ errorRate: 1 });
    const failed = await call(`${sim.url}/chat/completions`, {
      model: 'm',
      messages: user('x'),
      stream: true,
    });
    assert.is(failed.status, 500);
    sim.setOptions({ errorRate: 0, malformedRate: 1 });
    const cut = await call(`${sim.url}/chat/completions`, { model: 'm', messages: user('x'), stream: true });
    assert.is(cut.status, 200);
    assert.match(String(cut.headers['content-type']), /^text\/event-stream/);
    assert.not.match(cut.text, /\[DONE\]/);
    assert.is(sim.stats().malformed, 1);
  } finally {
    await sim.close();
  }
});

test('messages: content parts, assistant tool_calls with null content, tool results', async () => {
  const sim = await startSimulator({ record: true });
  try {
    const r = await postChat(sim.url, {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather' },
            { type: 'text', text: 'in Paris?' },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21 C' },
      ],
    });
    assert.is(r.status, 200);
    const seen = sim.stats().promptsSeen![0]!;
    assert.equal(seen.messages, [
      { role: 'user', content: 'What is the weather\nin Paris?' },
      { role: 'assistant', content: '' },
      { role: 'tool', content: 'sunny, 21 C' },
    ]);
    // tool_choice 'none' answers text; 'auto' without a fitting tool answers text too.
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'weather of a city' } }];
    const none = await postChat(sim.url, {
      model: 'm',
      messages: user('weather in Rome?'),
      tools,
      tool_choice: 'none',
    });
    assert.is(JSON.parse(none.text).choices[0].finish_reason, 'stop');
    const unrelated = await postChat(sim.url, { model: 'm', messages: user('tell me a joke'), tools });
    assert.is(JSON.parse(unrelated.text).choices[0].finish_reason, 'stop');
    const named = await postChat(sim.url, {
      model: 'm',
      messages: user('tell me a joke'),
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    assert.is(JSON.parse(named.text).choices[0].message.tool_calls[0].function.arguments, '{}');
    const wrong = await postChat(sim.url, {
      model: 'm',
      messages: user('x'),
      tools,
      tool_choice: { type: 'function', function: { name: 'nope' } },
    });
    assert.is(wrong.status, 400);
  } finally {
    await sim.close();
  }
});

test('embeddings on the wire: base64 is little-endian float32; dimensions shortens', async () => {
  const sim = await startSimulator();
  try {
    const r = await call(`${sim.url}/embeddings`, {
      model: 'e',
      input: 'red shoes',
      encoding_format: 'base64',
    });
    const b64 = (r.json()['data'] as { embedding: string }[])[0]!.embedding;
    const buf = Buffer.from(b64, 'base64');
    assert.is(buf.length, 256 * 4);
    const back = Array.from({ length: 256 }, (_, i) => buf.readFloatLE(i * 4));
    assert.equal(back, Array.from(Float32Array.from(simEmbedding('red shoes'))));
    const short = await call(`${sim.url}/embeddings`, { model: 'e', input: 'red shoes', dimensions: 8 });
    const v = (short.json()['data'] as { embedding: number[] }[])[0]!.embedding;
    assert.is(v.length, 8);
    const tooMany = await call(`${sim.url}/embeddings`, { model: 'e', input: 'x', dimensions: 300 });
    assert.is(tooMany.status, 400);
    assert.is(errorOf(tooMany)['param'], 'dimensions');
    const badFormat = await call(`${sim.url}/embeddings`, {
      model: 'e',
      input: 'x',
      encoding_format: 'int8',
    });
    assert.is(badFormat.status, 400);
    assert.is(errorOf(badFormat)['param'], 'encoding_format');
  } finally {
    await sim.close();
  }
});

test('profile option and CLI flags', async () => {
  await startSimulator({ profile: 'nope' as 'openai' }).then(
    () => assert.unreachable('an unknown profile must be refused'),
    (err: Error) =>
      assert.match(
        err.message,
        /profile must be one of default, openai, azure-openai, ollama, vllm, json-object-only/,
      ),
  );
  assert.equal(
    simOptionsFromFlags({
      port: 0,
      host: '127.0.0.1',
      profile: 'vllm',
      models: ['a', 'b'],
      azureApiKey: 'k',
    }),
    { port: 0, host: '127.0.0.1', profile: 'vllm', models: ['a', 'b'], azureApiKey: 'k' },
  );
  // A profile can change at run time.
  const sim = await startSimulator();
  try {
    sim.setOptions({ profile: 'json-object-only' });
    const r = await postChat(sim.url, {
      model: 'm',
      messages: user('x'),
      response_format: withSchema(STRICT_OK),
    });
    assert.is(r.status, 400);
  } finally {
    await sim.close();
  }
});

/** Runs `rvbbit sim …` until it prints its first line (or exits); returns that line, stderr and the exit code. */
function runSim(args: string[]): Promise<{ line: string; err: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, 'sim', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (b) => {
      err += b;
    });
    child.stdout.on('data', (b) => {
      out += b;
      if (out.includes('\n')) child.kill('SIGTERM');
    });
    child.once('exit', (code) => resolve({ line: out.split('\n')[0]!, err, code }));
  });
}

test('rvbbit sim --profile: a known name serves it, an unknown one is a clear error', async () => {
  const bad = await runSim(['--port', '0', '--profile', 'anthropic']);
  assert.is.not(bad.code, 0);
  assert.match(
    bad.err,
    /unknown profile 'anthropic': use one of default, openai, azure-openai, ollama, vllm, json-object-only/,
  );
  const ok = await runSim(['--port', '0', '--profile', 'azure-openai']);
  assert.match(
    ok.line,
    /^rvbbit simulator listening on http:\/\/127\.0\.0\.1:\d+\/openai\/v1 \(profile azure-openai\)$/,
  );
});

test.run();
