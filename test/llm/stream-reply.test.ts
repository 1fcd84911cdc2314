/**
 * `stream: true` (provider.stream): the client reads a streamed answer back into
 * the answer a plain call gives (src/llm/stream-reply.ts): the same content, usage
 * and logprob-read probabilities; a garbled event stream is a transport fault, retried,
 * and an error naming the host when it stays garbled; an `error` event is one too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { providerOptionFromConfig, resolveProvider } from '../../src/engine/provider.js';
import { createLlmClient } from '../../src/llm/client.js';
import { resolveLlmConfig } from '../../src/llm/config.js';
import { PROXY_TOP_LOGPROBS } from '../../src/llm/logprobs.js';
import { assembleStream } from '../../src/llm/stream-reply.js';
import { startSimulator } from '../../src/sim/index.js';
import { ask, codeOf, fast } from './helpers.js';

const RESULT = {
  name: 'r',
  schema: {
    type: 'object',
    properties: { result: { type: 'boolean' } },
    required: ['result'],
    additionalProperties: false,
  },
};

test('streamed and plain: the same content, usage and probabilities; every streamed request asked for the usage chunk', async () => {
  const sim = await startSimulator({ profiles: { 'small-fast': { accuracy: 0.8 } }, record: true });
  const plain = createLlmClient({ baseUrl: sim.url, backoff: fast });
  const streaming = createLlmClient({ baseUrl: sim.url, backoff: fast, stream: true });
  try {
    for (let i = 0; i < 10; i++) {
      const request = {
        ...ask(
          `Does the text match the criterion?\n<text>review ${i}: warm boots</text>\n<criterion>boots</criterion>`,
          'small-fast',
        ),
        responseFormat: RESULT,
        topLogprobs: PROXY_TOP_LOGPROBS,
      };
      const a = await plain.chat(request);
      const b = await streaming.chat(request);
      assert.is(b.content, a.content);
      assert.equal(b.usage, a.usage);
      assert.equal(b.trueProbabilities, a.trueProbabilities);
      assert.is(b.trueProbabilities?.length, 1);
    }
    assert.is(sim.stats().streamed, 10);
    assert.is(sim.stats().completed, 20);
  } finally {
    await plain.close();
    await streaming.close();
    await sim.close();
  }
});

test('a garbled stream is retried, then an error naming the host; the other calls go on', async () => {
  const sim = await startSimulator({ malformedRate: 1 });
  const llm = createLlmClient({ baseUrl: sim.url, backoff: fast, stream: true, retries: 2 });
  try {
    const e = await codeOf(llm.chat(ask('a')));
    assert.is(e.code, 'LLM_RETRIES_EXHAUSTED');
    assert.match(e.message, 'is not valid server-sent events');
    assert.is(sim.stats().requests, 2);
    assert.is(sim.stats().malformed, 2);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('llm.stream in the config file reaches the provider; anything but a boolean is refused at its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-stream-'));
  const sim = await startSimulator({});
  try {
    writeFileSync(join(dir, 'rvbbit.config.yaml'), 'llm:\n  stream: true\n');
    const env = { RVBBIT_BASE_URL: sim.url };
    assert.is(resolveLlmConfig(env, dir).stream, true);
    assert.is(resolveLlmConfig(env, tmpdir()).stream, undefined, 'absent: the default (off)');
    const option = providerOptionFromConfig(resolveLlmConfig(env, dir))!;
    const provider = await resolveProvider(option, dir);
    const llm = createLlmClient({ ...provider, gate: provider.gate });
    await llm.chat(ask('hello'));
    await llm.close();
    assert.is(sim.stats().streamed, 1);
    writeFileSync(join(dir, 'rvbbit.config.yaml'), 'llm:\n  model: m\n  stream: "yes"\n');
    let refused: { code?: string; message?: string } = {};
    try {
      resolveLlmConfig(env, dir);
    } catch (err) {
      refused = err as typeof refused;
    }
    assert.is(refused.code, 'LLM_CONFIG');
    assert.match(refused.message ?? '', /rvbbit\.config\.yaml:3: llm\.stream: expected true or false/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sim.close();
  }
});

test('assembleStream: deltas joined, the last finish_reason, logprobs in order, the usage chunk; an error event or a bad line is unreadable', () => {
  const chunk = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
  const tok = (token: string, logprob: number) => ({ token, logprob, bytes: [], top_logprobs: [] });
  const text =
    chunk({
      model: 'm',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    }) +
    chunk({
      model: 'm',
      choices: [
        {
          index: 0,
          delta: { content: '{"a":' },
          logprobs: { content: [tok('{"a":', 0)], refusal: null },
          finish_reason: null,
        },
      ],
    }) +
    chunk({
      model: 'm',
      choices: [
        {
          index: 0,
          delta: { content: 'true}' },
          logprobs: { content: [tok('true', -0.1), tok('}', 0)], refusal: null },
          finish_reason: null,
        },
      ],
    }) +
    chunk({ model: 'm', choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }) +
    chunk({ model: 'm', choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } }) +
    'data: [DONE]\n\n';
  assert.equal(assembleStream(text), {
    model: 'm',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: '{"a":true}' },
        finish_reason: 'stop',
        logprobs: { content: [tok('{"a":', 0), tok('true', -0.1), tok('}', 0)], refusal: null },
      },
    ],
    usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
  });
  assert.is(assembleStream(`${chunk({ error: { message: 'overloaded' } })}data: [DONE]\n\n`), null);
  assert.is(assembleStream('data: {"choices":[{"delta":{"rol\n\n'), null);
  // No chunk with a choice: no choices (the reader's "no choices" error).
  assert.equal(assembleStream('data: [DONE]\n\n'), { choices: [] });
});

test.run();
