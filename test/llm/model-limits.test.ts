import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient } from '../../src/llm/client.js';
import { ModelLimitsBook, publishedLimits, statedContextWindow } from '../../src/llm/model-limits.js';
import { listedLimits } from '../../src/llm/model-list.js';
import { promptTokens, promptTokensUpperBound, textsTokens, textTokens } from '../../src/llm/token-count.js';
import { startSimulator } from '../../src/sim/index.js';
import { ask, codeOf, fast } from './helpers.js';

test('published limits: OpenAI models from the table, dated snapshots too; an unknown model has none', () => {
  assert.equal(publishedLimits('gpt-4o-mini'), { contextWindow: 128_000, maxOutputTokens: 16_384 });
  assert.equal(publishedLimits('gpt-4o-mini-2024-07-18'), {
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
  });
  assert.equal(publishedLimits('gpt-4.1'), { contextWindow: 1_047_576, maxOutputTokens: 32_768 });
  assert.is(publishedLimits('sim-small'), undefined);
  assert.is(publishedLimits('toString'), undefined);
});

test("a provider's context-length refusal states the window (OpenAI's, vLLM's and OpenRouter's words)", () => {
  assert.is(
    statedContextWindow(
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.",
    ),
    128_000,
  );
  assert.is(
    statedContextWindow(
      "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion).",
    ),
    4096,
  );
  assert.is(
    statedContextWindow(
      "This endpoint's maximum context length is 131072 tokens. However, you requested about 140000 tokens",
    ),
    131_072,
  );
  assert.is(statedContextWindow('Invalid schema for response_format'), undefined);
});

test("a model list's limits: vLLM's max_model_len, OpenRouter's context_length and max_completion_tokens", () => {
  assert.equal(listedLimits({ id: 'm', max_model_len: 32768 }), { contextWindow: 32768 });
  assert.equal(
    listedLimits({ id: 'm', context_length: 200000, top_provider: { max_completion_tokens: 8192 } }),
    { contextWindow: 200000, maxOutputTokens: 8192 },
  );
  assert.is(listedLimits({ id: 'm', created: 1 }), undefined);
});

test('the book: config over what the provider stated over the list over the table, field by field', () => {
  const book = new ModelLimitsBook({ 'gpt-4o-mini': { contextWindow: 16_000 } });
  assert.equal(book.limitsOf('gpt-4o-mini'), { contextWindow: 16_000, maxOutputTokens: 16_384 });
  assert.equal(book.limitsOf('sim-small'), {});
  book.noteListed('sim-small', { contextWindow: 9000 });
  assert.is(book.learnWindow('sim-small', 8000), true);
  assert.is(book.learnWindow('sim-small', 8000), false);
  assert.equal(book.limitsOf('sim-small'), { contextWindow: 8000 });
});

test('the book: a model read before answers what its list or a refusal says next (limitsOf is memoised per model)', () => {
  const book = new ModelLimitsBook();
  assert.equal(book.limitsOf('m'), {});
  assert.equal(book.limitsOf('m'), {});
  book.noteListed('m', { contextWindow: 9000, maxOutputTokens: 512 });
  assert.equal(book.limitsOf('m'), { contextWindow: 9000, maxOutputTokens: 512 });
  assert.is(book.learnWindow('m', 4000), true);
  assert.equal(book.limitsOf('m'), { contextWindow: 4000, maxOutputTokens: 512 });
  // Another model's news leaves this one's answer as it was.
  book.noteListed('other', { contextWindow: 100 });
  assert.equal(book.limitsOf('m'), { contextWindow: 4000, maxOutputTokens: 512 });
  assert.equal(book.limitsOf('other'), { contextWindow: 100 });
});

test("token counts: OpenAI's chat count (3 a message and its role, 3 priming the reply) and a byte bound above it", async () => {
  const messages = [{ content: 'Hello world' }, { content: 'héllo wörld, ünïcode' }];
  const exact = await promptTokens(messages);
  // "Hello world" is 2 tokens in o200k_base.
  assert.ok(exact >= 2 + 4 + 4 + 3 + 4, String(exact));
  assert.ok(promptTokensUpperBound(messages) >= exact);
  // As the cookbook's num_tokens_from_messages and gpt-tokenizer's encodeChat count it.
  assert.is(await promptTokens([{ content: 'Hello world' }]), 2 + 4 + 3);
});

test('counting many texts lets the event loop turn between slices (an aggregate group of 20,000 values on the main thread)', async () => {
  const texts = Array.from(
    { length: 20_000 },
    (_, i) =>
      `Review ${i}: the pacing was slow but the acting, especially the lead's, carried it. ${'x'.repeat(i % 50)}`,
  );
  let turns = 0;
  let counting = true;
  const spin = () => {
    if (!counting) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const counts = await textsTokens(texts);
  counting = false;
  // Each count is the encoding's own; the loop turned while they were counted (before: not once).
  assert.is(counts.length, texts.length);
  for (const i of [0, 1, 9_999, 19_999]) assert.is(counts[i], await textTokens(texts[i]!));
  assert.ok(turns >= 2, `the event loop turned ${turns} times while 20,000 texts were counted`);
});

test('a prompt over a known window is refused before it is sent: LLM_CONTEXT_TOO_LONG with its tokens and the window', async () => {
  const sim = await startSimulator({});
  const llm = createLlmClient({
    baseUrl: sim.url,
    backoff: fast,
    models: { 'sim-small': { contextWindow: 1000, maxOutputTokens: 100 } },
  });
  try {
    const long = 'lorem ipsum dolor sit amet '.repeat(400);
    const e = await codeOf(llm.chat(ask(long)));
    assert.is(e.code, 'LLM_CONTEXT_TOO_LONG');
    assert.is(e.detail['window'], 1000);
    assert.is(e.detail['model'], 'sim-small');
    const tokens = e.detail['tokens'] as number;
    assert.is(tokens, await promptTokens([{ content: long }]));
    assert.match(
      e.message,
      new RegExp(`the prompt has ${tokens} tokens; sim-small's context window is 1000 tokens`),
    );
    assert.is(sim.stats().requests, 0);
    // A short prompt goes, and so does one whose max_tokens is lowered to what the window leaves.
    const ok = await llm.chat(ask('a short question'));
    assert.ok(ok.content.length > 0);
    const fitted = await llm.chat({ ...ask('lorem ipsum '.repeat(100)), maxTokens: 5000 });
    assert.ok(fitted.content.length > 0);
    assert.is(sim.stats().requests, 2);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('an unknown model learns its window from the first 400, once: later long prompts are refused here', async () => {
  const sim = await startSimulator({ contextWindow: 2000 });
  const llm = createLlmClient({ baseUrl: sim.url, backoff: fast });
  try {
    const long = (i: number) => ask(`${i} ${'a clause of a long contract '.repeat(500)}`);
    const errors = [];
    for (let i = 0; i < 10; i++) errors.push(await codeOf(llm.chat(long(i))));
    assert.equal(
      errors.map((e) => e.code),
      Array(10).fill('LLM_CONTEXT_TOO_LONG'),
    );
    assert.equal(
      errors.map((e) => e.detail['window']),
      Array(10).fill(2000),
    );
    // The first is the provider's refusal, in its words; the other nine never left the client.
    assert.match(errors[0]!.message, /maximum context length is 2000 tokens/);
    assert.is(sim.stats().contextRejected, 1);
    assert.is(sim.stats().requests, 1);
    // The client's count of each refused prompt is the simulator's (OpenAI's) count.
    assert.is(errors[1]!.detail['tokens'], await promptTokens([{ content: long(1).messages[0]!.content }]));
    const short = await llm.chat(ask('a short question'));
    assert.ok(short.content.length > 0);
    assert.is(sim.stats().requests, 2);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('max_tokens is lowered to what the window leaves the prompt, and to the cap: no 400 from the provider', async () => {
  const sim = await startSimulator({ contextWindow: 2000, maxOutputTokens: 300 });
  const llm = createLlmClient({
    baseUrl: sim.url,
    backoff: fast,
    models: { 'sim-small': { contextWindow: 2000, maxOutputTokens: 300 } },
  });
  try {
    const prompt = 'lorem ipsum dolor sit amet '.repeat(360);
    const tokens = await promptTokens([{ content: prompt }]);
    assert.ok(tokens > 1700 && tokens < 2000, String(tokens));
    const r = await llm.chat({ ...ask(prompt), maxTokens: 1000 });
    assert.ok(r.content.length > 0);
    const cap = await llm.chat({ ...ask('short'), maxTokens: 5000 });
    assert.ok(cap.content.length > 0);
    assert.is(sim.stats().contextRejected, 0);
    assert.is(sim.stats().capRejected, 0);
    assert.is(sim.stats().requests, 2);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('an answer cut at max_tokens is tried once more at the cap; cut there too, LLM_OUTPUT_TRUNCATED', async () => {
  const sim = await startSimulator({
    maxOutputTokens: 1000,
    verboseTokens: 600,
    quirks: { wordy: 'verbose', endless: 'verbose' },
  });
  const llm = createLlmClient({
    baseUrl: sim.url,
    backoff: fast,
    models: { wordy: { maxOutputTokens: 1000 }, endless: { maxOutputTokens: 1000 } },
  });
  try {
    const fits = await llm.chat({ ...ask('tell me everything', 'wordy'), maxTokens: 100 });
    assert.is(fits.attempts, 2);
    assert.is(fits.usage.tokensOut, 600);
    assert.is(sim.stats().truncated, 1);
    sim.setOptions({ verboseTokens: 5000 });
    const cut = await codeOf(llm.chat({ ...ask('tell me everything', 'endless'), maxTokens: 100 }));
    assert.is(cut.code, 'LLM_OUTPUT_TRUNCATED');
    assert.equal(cut.detail, { model: 'endless', maxTokens: 1000, tokensOut: 1000 });
    assert.match(
      cut.message,
      /^endless's answer was cut at max_tokens 1000 \(1000 tokens\): finish_reason "length"$/,
    );
    // No max_tokens sent: the model's own cap cut it, and no larger one exists.
    const capped = await codeOf(llm.chat(ask('tell me everything', 'endless')));
    assert.is(capped.code, 'LLM_OUTPUT_TRUNCATED');
    assert.is(sim.stats().truncated, 1 + 2 + 1);
    assert.is(sim.stats().requests, 2 + 2 + 1);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test("a long prompt for a model of unknown window reads the provider's model list once (vLLM's max_model_len)", async () => {
  const sim = await startSimulator({ profile: 'vllm', models: ['local-llama'], contextWindow: 3000 });
  const llm = createLlmClient({ baseUrl: sim.url, backoff: fast });
  try {
    const long = 'a clause of a long contract '.repeat(1000);
    const e = await codeOf(llm.chat(ask(long, 'local-llama')));
    assert.is(e.code, 'LLM_CONTEXT_TOO_LONG');
    assert.is(e.detail['window'], 3000);
    // Refused before sending: the list said the window.
    assert.is(sim.stats().requests, 0);
    assert.is(sim.stats().contextRejected, 0);
    const ok = await llm.chat(ask('a short question', 'local-llama'));
    assert.ok(ok.content.length > 0);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test.run();
