/**
 * A json_schema response_format's schema is in prompt_tokens, as OpenAI
 * counts it (openai-cookbook#2133's §8; the rule measured in
 * openai-cookbook#2140): the schema's compact JSON without `required`,
 * `additionalProperties` and `$schema`, plus 9. The same messages without a
 * response_format, or in JSON mode, count the messages alone.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator } from '../../src/sim/index.js';

const MESSAGES = [{ role: 'user', content: 'Is the sky blue? Answer in JSON.' }];

async function promptTokens(url: string, extra: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sim-key' },
    body: JSON.stringify({ model: 'sim-small', messages: MESSAGES, ...extra }),
  });
  assert.is(res.status, 200);
  const body = (await res.json()) as { usage: { prompt_tokens: number } };
  return body.usage.prompt_tokens;
}

const schemaFormat = (schema: Record<string, unknown>) => ({
  response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema } },
});

test('a json_schema response_format adds its schema’s tokens to prompt_tokens', async () => {
  const sim = await startSimulator({ profile: 'openai' });
  try {
    const bare = await promptTokens(sim.url, {});
    const jsonMode = await promptTokens(sim.url, { response_format: { type: 'json_object' } });
    assert.is(jsonMode, bare);
    const boolean = await promptTokens(
      sim.url,
      schemaFormat({
        type: 'object',
        required: ['result'],
        additionalProperties: false,
        properties: { result: { type: 'boolean' } },
      }),
    );
    // {"type":"object","properties":{"result":{"type":"boolean"}}}: 14 tokens (o200k), + 9.
    assert.is(boolean - bare, 14 + 9);
    const labels = await promptTokens(
      sim.url,
      schemaFormat({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        required: ['label'],
        additionalProperties: false,
        properties: { label: { type: 'string', enum: ['positive', 'negative', 'neutral'] } },
      }),
    );
    // {"type":"object","properties":{"label":{"type":"string","enum":["positive","negative","neutral"]}}}: 23, + 9.
    assert.is(labels - bare, 23 + 9);
  } finally {
    await sim.close();
  }
});

test.run();
