/**
 * A call record carries what the provider did with the call (ChatResult):
 * prompt-cached tokens, the schema's route, a refused mode's warning, Batch
 * API delivery; none of them when the result has none.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCascadeText } from '../../src/cascade/load-cascade.js';
import { runCascade } from '../../src/cascade/run-cascade.js';
import type { ChatResult, LlmClient } from '../../src/llm/types.js';

const cascade = loadCascadeText(
  `cascade_id: c
cells:
  - name: judge
    instructions: "Decide. <text>{{ input.text }}</text>"
    output_schema: { type: object, required: [result], properties: { result: { type: boolean } } }
`,
  'c.yaml',
);

function clientAnswering(extra: Partial<ChatResult>, usage: ChatResult['usage']): LlmClient {
  return {
    chat: async (req) => ({
      content: '{"result": true}',
      model: req.model,
      usage,
      durationMs: 4,
      attempts: 1,
      answeredBy: 'api.example.com',
      ...extra,
    }),
    close: async () => {},
  };
}

test('tokens_cached, response_format, warning and delivery come from the ChatResult', async () => {
  const llm = clientAnswering(
    {
      structured: 'json_object',
      structuredWarning: 'json_schema refused by api.example.com: Invalid schema',
      delivery: 'batch',
    },
    { tokensIn: 1200, tokensOut: 5, tokensCached: 1152, cost: 0.0001 },
  );
  const r = await runCascade(cascade, { text: 'x' }, { llm, defaultModel: 'm' });
  assert.is(r.status, 'success');
  const c = r.calls[0]!;
  assert.equal(
    [c.tokens_in, c.tokens_cached, c.response_format, c.warning, c.delivery, c.answered_by],
    [
      1200,
      1152,
      'json_object',
      'json_schema refused by api.example.com: Invalid schema',
      'batch',
      'api.example.com',
    ],
  );
});

test('a result with none of them: the record has none of the keys (0 cached tokens included)', async () => {
  const llm = clientAnswering({}, { tokensIn: 30, tokensOut: 5, tokensCached: 0, cost: 0 });
  const r = await runCascade(cascade, { text: 'x' }, { llm, defaultModel: 'm' });
  const keys = Object.keys(r.calls[0]!);
  for (const k of ['tokens_cached', 'response_format', 'warning', 'delivery'])
    assert.not.ok(keys.includes(k), k);
  const schemaOnly = clientAnswering({ structured: 'json_schema' }, { tokensIn: 30, tokensOut: 5, cost: 0 });
  const r2 = await runCascade(cascade, { text: 'y' }, { llm: schemaOnly, defaultModel: 'm' });
  assert.is(r2.calls[0]!.response_format, 'json_schema');
  assert.is(r2.calls[0]!.tokens_cached, undefined);
});

test.run();
