import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient } from '../../src/llm/client.js';
import { startSimulator } from '../../src/sim/index.js';
import { ask, codeOf, fast } from './helpers.js';

const responseFormat = { name: 'r', schema: { type: 'object', properties: { summary: { type: 'string' } } } };

test('empty, truncated-JSON, choice-less and enormous answers are per-call errors, not crashes', async () => {
  const sim = await startSimulator({
    quirks: { empty: 'empty', cut: 'truncated-json', none: 'no-choices', huge: 'huge' },
  });
  const llm = createLlmClient({ baseUrl: sim.url, backoff: fast });
  try {
    const [empty, cut, none, huge, fine] = await Promise.all([
      codeOf(llm.chat(ask('a', 'empty'))),
      codeOf(llm.chat({ ...ask('summarise <text>a long story about a cat</text>', 'cut'), responseFormat })),
      codeOf(llm.chat(ask('c', 'none'))),
      codeOf(llm.chat(ask('d', 'huge'))),
      llm.chat(ask('e', 'normal')),
    ]);
    assert.is(empty.code, 'LLM_BAD_RESPONSE');
    assert.match(empty.message, /empty/);
    assert.is(cut.code, 'LLM_BAD_JSON');
    assert.is(none.code, 'LLM_BAD_RESPONSE');
    assert.match(none.message, /no choices/);
    assert.is(huge.code, 'LLM_RESPONSE_TOO_LARGE');
    assert.ok(fine.content.length > 0);
    // None of these is retried: the same request would get the same answer.
    assert.is(sim.stats().requests, 5);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('a larger maxResponseBytes lets a 10 MB answer through', async () => {
  const sim = await startSimulator({ quirks: { huge: 'huge' } });
  const llm = createLlmClient({ baseUrl: sim.url, maxResponseBytes: 16 * 1024 * 1024 });
  try {
    const r = await llm.chat(ask('d', 'huge'));
    assert.is(r.content.length, 10 * 1024 * 1024);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('a fenced ```json answer counts as JSON', async () => {
  const { parseJsonAnswer } = await import('../../src/llm/structured.js');
  assert.equal(parseJsonAnswer('Here:\n```json\n{"a":1}\n```'), { a: 1 });
  assert.is(parseJsonAnswer('{"a":'), undefined);
});

test.run();
