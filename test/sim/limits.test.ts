/**
 * The simulator's real limits (issue 52), on the wire: OpenAI's rate-limit
 * headers and 429s (tpm, rpm), the context window's 400, the output cap's
 * 400 and the answer cut at max_tokens, with the counters of each.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { encode as encode4, encodeChat as encodeChat4 } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as encode4o, encodeChat as encodeChat4o } from 'gpt-tokenizer/encoding/o200k_base';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator } from '../../src/sim/index.js';
import { OpenAiRateLimits, openAiDuration } from '../../src/sim/openai-rate-limits.js';
import { startSimulatorThread } from '../../src/sim/sim-thread.js';
import { CLI, ROOT } from '../cli/helpers.js';
import { postChat, user } from './post.js';

const errorOf = (text: string) => (JSON.parse(text) as { error: Record<string, unknown> }).error;
const LEARN_MORE = 'Visit https://platform.openai.com/account/rate-limits to learn more.';
/** A Go duration as OpenAI writes one ("20ms", "19.874s", "6m0s"). */
const DURATION = /^(\d+ms|\d+(\.\d{1,3})?s|\d+m\d+(\.\d{1,3})?s)$/;

async function postEmbeddings(baseUrl: string, body: unknown) {
  const res = await request(`${baseUrl}/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

test('openAiDuration writes durations as OpenAI headers and messages do', () => {
  assert.equal([0, 0.4, 20, 644, 1000, 1574, 20_000, 360_000, 252_172, 3_723_000].map(openAiDuration), [
    '0s',
    '1ms',
    '20ms',
    '644ms',
    '1s',
    '1.574s',
    '20s',
    '6m0s',
    '4m12.172s',
    '1h2m3s',
  ]);
});

test('OpenAiRateLimits: a continuously refilled minute, the 429 bodies word for word', () => {
  const limits = new OpenAiRateLimits(3, 1000);
  const ok = limits.admit('gpt-4o-mini', 400, 0);
  assert.equal(ok, {
    ok: true,
    headers: {
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '2',
      'x-ratelimit-reset-requests': '20s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '600',
      'x-ratelimit-reset-tokens': '24s',
    },
  });
  assert.ok(limits.admit('gpt-4o-mini', 400, 0).ok);
  // 200 tokens left, 400 asked: 200 more take 12 s at 1000 a minute.
  const tokens = limits.admit('gpt-4o-mini', 400, 0);
  assert.is(tokens.ok, false);
  assert.equal(JSON.parse((tokens as { body: string }).body), {
    error: {
      message: `Rate limit reached for gpt-4o-mini in organization org-rvbbit-sim on tokens per min (TPM): Limit 1000, Used 800, Requested 400. Please try again in 12s. ${LEARN_MORE}`,
      type: 'tokens',
      param: null,
      code: 'rate_limit_exceeded',
    },
  });
  // A refused request consumed nothing: 6 s later 100 tokens came back (300 left).
  assert.is(limits.admit('gpt-4o-mini', 300, 6000).ok, true);
  const requests = limits.admit('gpt-4o-mini', 1, 6000);
  assert.equal(JSON.parse((requests as { body: string }).body).error, {
    message: `Rate limit reached for gpt-4o-mini in organization org-rvbbit-sim on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 14s. ${LEARN_MORE}`,
    type: 'requests',
    param: null,
    code: 'rate_limit_exceeded',
  });
  assert.equal((requests as { headers: Record<string, string> }).headers, {
    'x-ratelimit-limit-requests': '3',
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': '54s',
    'x-ratelimit-limit-tokens': '1000',
    'x-ratelimit-remaining-tokens': '0',
    'x-ratelimit-reset-tokens': '1m0s',
  });
  const tooLarge = limits.admit('gpt-4o-mini', 1001, 120_000);
  assert.equal(
    JSON.parse((tooLarge as { body: string }).body).error.message,
    `Request too large for gpt-4o-mini in organization org-rvbbit-sim on tokens per min (TPM): Limit 1000, Requested 1001. The input or output tokens must be reduced in order to run successfully. ${LEARN_MORE}`,
  );
  // Each model has its own limits.
  assert.is(limits.admit('gpt-4o', 1000, 6000).ok, true);
});

test('tpm over HTTP: headers on every answer, 429 by tokens, the max_tokens counted at admission', async () => {
  // 6 tokens a minute: one back every 10 s, so the figures hold on a slow machine.
  const sim = await startSimulator({ tpm: 6 });
  try {
    const ask = () => postChat(sim.url, { model: 'sim-small', messages: user('hi'), max_tokens: 2 });
    const replies = [await ask(), await ask(), await ask(), await ask()];
    assert.equal(
      replies.map((r) => r.status),
      [200, 200, 200, 429],
    );
    assert.equal(
      replies.map((r) => r.headers['x-ratelimit-remaining-tokens']),
      ['4', '2', '0', '0'],
    );
    for (const r of replies) {
      assert.is(r.headers['x-ratelimit-limit-tokens'], '6');
      assert.match(String(r.headers['x-ratelimit-reset-tokens']), DURATION);
      assert.is(r.headers['x-ratelimit-limit-requests'], undefined, 'no rpm: no request headers');
      assert.is(r.headers['retry-after'], undefined, 'OpenAI documents no Retry-After');
    }
    const error = errorOf(replies[3]!.text);
    assert.match(
      String(error.message),
      /^Rate limit reached for sim-small in organization org-rvbbit-sim on tokens per min \(TPM\): Limit 6, Used 6, Requested 2\. Please try again in (1\d|20)(\.\d{1,3})?s\. Visit https:\/\/platform\.openai\.com\/account\/rate-limits to learn more\.$/,
    );
    assert.equal(
      { ...error, message: '' },
      { message: '', type: 'tokens', param: null, code: 'rate_limit_exceeded' },
    );
    const s = sim.stats();
    assert.is(s.rateLimitedTokens, 1);
    assert.is(s.rateLimitedRequests, 0);
    assert.equal(s.byStatus, { '200': 3, '429': 1 });
    assert.is(s.completed, 3);
  } finally {
    await sim.close();
  }
});

test('rpm over HTTP: 429 by requests; embeddings count too; lifted at run time', async () => {
  const sim = await startSimulator({ rpm: 2 });
  try {
    const chat = await postChat(sim.url, { model: 'sim-small', messages: user('one') });
    assert.is(chat.headers['x-ratelimit-remaining-requests'], '1');
    assert.is(chat.headers['x-ratelimit-limit-tokens'], undefined, 'no tpm: no token headers');
    const emb = await postEmbeddings(sim.url, { model: 'sim-small', input: 'two' });
    assert.is(emb.status, 200);
    assert.is(emb.headers['x-ratelimit-remaining-requests'], '0');
    const refused = await postChat(sim.url, { model: 'sim-small', messages: user('three') });
    assert.is(refused.status, 429);
    assert.match(
      String(errorOf(refused.text).message),
      /^Rate limit reached for sim-small in organization org-rvbbit-sim on requests per min \(RPM\): Limit 2, Used 2, Requested 1\. Please try again in \d+(\.\d{1,3})?s\. /,
    );
    assert.is(errorOf(refused.text).type, 'requests');
    assert.match(String(refused.headers['x-ratelimit-reset-requests']), DURATION);
    // Another model has its own minute.
    assert.is((await postChat(sim.url, { model: 'sim-large', messages: user('four') })).status, 200);
    assert.is(sim.stats().rateLimitedRequests, 1);
    sim.setOptions({ rpm: null });
    const free = await postChat(sim.url, { model: 'sim-small', messages: user('five') });
    assert.is(free.status, 200);
    assert.is(free.headers['x-ratelimit-limit-requests'], undefined);
  } finally {
    await sim.close();
  }
});

test('tpm and rpm are checked like the other options', async () => {
  for (const bad of [0, -1, 1.5, '10']) {
    try {
      await startSimulator({ tpm: bad as number });
      assert.unreachable(`tpm ${bad} accepted`);
    } catch (err) {
      assert.is((err as { code?: string }).code, 'SIM_BAD_OPTION');
      assert.is((err as Error).message, 'simulator option tpm must be a positive integer or null (no limit)');
    }
  }
});

/** Special tokens in a user's text are text to OpenAI. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/** OpenAI's count of a chat prompt, from gpt-tokenizer's chat encoding (independent of the simulator's). */
const chatTokens4o = (messages: { role: string; content: string }[]) =>
  encodeChat4o(messages as never, 'gpt-4o', AS_TEXT).length;

/** A user message of exactly `n` o200k tokens of text (" the" is one token). */
const theText = (n: number) => `the${' the'.repeat(n - 1)}`;

const usageOf = (text: string) =>
  (JSON.parse(text) as { usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } })
    .usage;
const choiceOf = (text: string) =>
  (JSON.parse(text) as { choices: { message: { content: string }; finish_reason: string }[] }).choices[0]!;

test('prompt_tokens as OpenAI counts chat messages: o200k for gpt-4o and the sim models, cl100k for gpt-4; the default profile keeps chars / 4', async () => {
  const messages = [
    { role: 'system', content: 'You judge whether a review is positive. Answer yes or no.' },
    { role: 'user', content: 'Review: the red running shoes fell apart after a week <|endoftext|> sadly.' },
  ];
  const openai = await startSimulator({ profile: 'openai' });
  const plain = await startSimulator();
  try {
    for (const model of ['sim-small', 'sim-large', 'gpt-4o-mini']) {
      const r = await postChat(openai.url, { model, messages });
      assert.is(usageOf(r.text).prompt_tokens, chatTokens4o(messages), model);
      assert.is(
        usageOf(r.text).completion_tokens,
        encode4o(choiceOf(r.text).message.content, { disallowedSpecial: new Set() }).length,
      );
    }
    const gpt4 = await postChat(openai.url, { model: 'gpt-4', messages });
    assert.is(usageOf(gpt4.text).prompt_tokens, encodeChat4(messages as never, 'gpt-4', AS_TEXT).length);
    assert.is.not(
      chatTokens4o(messages),
      encodeChat4(messages as never, 'gpt-4', AS_TEXT).length,
      'the two encodings differ here',
    );
    const chars = messages[0]!.content.length + messages[1]!.content.length;
    const old = await postChat(plain.url, { model: 'sim-small', messages });
    assert.is(usageOf(old.text).prompt_tokens, Math.ceil(chars / 4));
    // Any limit in effect counts exactly on every profile.
    plain.setOptions({ contextWindow: 100_000 });
    const exact = await postChat(plain.url, { model: 'sim-small', messages });
    assert.is(usageOf(exact.text).prompt_tokens, chatTokens4o(messages));
    assert.is(plain.stats().maxPromptTokens, Math.max(Math.ceil(chars / 4), chatTokens4o(messages)));
  } finally {
    await openai.close();
    await plain.close();
  }
});

test("over the window: OpenAI's 400 context_length_exceeded, in both wordings; the prompt that fits is answered", async () => {
  const sim = await startSimulator({ contextWindow: 100 });
  try {
    const fits = user(theText(100 - chatTokens4o(user('the')) + 1));
    assert.is(chatTokens4o(fits), 100);
    const ok = await postChat(sim.url, { model: 'sim-small', messages: fits });
    assert.is(ok.status, 200);
    assert.is(usageOf(ok.text).prompt_tokens, 100);
    const over = user(theText(100 - chatTokens4o(user('the')) + 2));
    const refused = await postChat(sim.url, { model: 'sim-small', messages: over });
    assert.is(refused.status, 400);
    assert.equal(JSON.parse(refused.text), {
      error: {
        message:
          "This model's maximum context length is 100 tokens. However, your messages resulted in 101 tokens. Please reduce the length of the messages.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    });
    // With max_tokens the prompt plus max_tokens is weighed: a prompt that fits is refused.
    const withMax = await postChat(sim.url, {
      model: 'sim-small',
      messages: user('hello there'),
      max_completion_tokens: 95,
    });
    assert.is(withMax.status, 400);
    const p = chatTokens4o(user('hello there'));
    assert.is(
      JSON.parse(withMax.text).error.message,
      `This model's maximum context length is 100 tokens. However, you requested ${p + 95} tokens (${p} in the messages, 95 in the completion). Please reduce the length of the messages or completion.`,
    );
    const s = sim.stats();
    assert.is(s.contextRejected, 2);
    assert.is(s.capRejected, 0);
    assert.is(s.maxPromptTokens, 101);
    assert.equal(s.byStatus, { '200': 1, '400': 2 });
  } finally {
    await sim.close();
  }
});

test("the openai profile's windows and caps are OpenAI's published ones: sim-small is gpt-4o-mini's 128,000 / 16,384", async () => {
  const sim = await startSimulator({ profile: 'openai' });
  try {
    const cap = await postChat(sim.url, { model: 'sim-small', messages: user('hi'), max_tokens: 16_385 });
    assert.is(cap.status, 400);
    assert.equal(JSON.parse(cap.text), {
      error: {
        message:
          'max_tokens is too large: 16385. This model supports at most 16384 completion tokens, whereas you provided 16385.',
        type: 'invalid_request_error',
        param: 'max_tokens',
        code: 'invalid_value',
      },
    });
    const newer = await postChat(sim.url, {
      model: 'gpt-4o',
      messages: user('hi'),
      max_completion_tokens: 20_000,
    });
    assert.equal(JSON.parse(newer.text).error, {
      message:
        'max_completion_tokens is too large: 20000. This model supports at most 16384 completion tokens, whereas you provided 20000.',
      type: 'invalid_request_error',
      param: 'max_completion_tokens',
      code: 'invalid_value',
    });
    assert.is(
      (await postChat(sim.url, { model: 'sim-small', messages: user('hi'), max_tokens: 16_384 })).status,
      200,
    );
    // gpt-4's window is 8,192: 64 tokens of prompt and max_tokens 8,192 is NextChat#3195's refusal.
    const gpt4 = await postChat(sim.url, { model: 'gpt-4', messages: user('hi'), max_tokens: 8192 });
    assert.match(
      JSON.parse(gpt4.text).error.message,
      /^This model's maximum context length is 8192 tokens\. However, you requested \d+ tokens \(\d+ in the messages, 8192 in the completion\)/,
    );
    // A model OpenAI does not publish has no limits on the profile.
    assert.is(
      (await postChat(sim.url, { model: 'm', messages: user('hi'), max_tokens: 1_000_000 })).status,
      200,
    );
    // The options win over the table.
    sim.setOptions({ maxOutputTokens: 10 });
    const small = await postChat(sim.url, { model: 'sim-small', messages: user('hi'), max_tokens: 11 });
    assert.match(
      JSON.parse(small.text).error.message,
      /^max_tokens is too large: 11\. This model supports at most 10 completion/,
    );
    assert.is(sim.stats().capRejected, 3);
    assert.is(sim.stats().contextRejected, 1);
  } finally {
    await sim.close();
  }
});

test("max_tokens that is no positive integer: OpenAI's 400 naming it", async () => {
  const sim = await startSimulator();
  try {
    const zero = await postChat(sim.url, { model: 'm', messages: user('hi'), max_tokens: 0 });
    assert.equal(JSON.parse(zero.text).error, {
      message: "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.",
      type: 'invalid_request_error',
      param: 'max_tokens',
      code: 'integer_below_min_value',
    });
    const text = await postChat(sim.url, { model: 'm', messages: user('hi'), max_completion_tokens: '5' });
    assert.equal(JSON.parse(text.text).error, {
      message: "Invalid type for 'max_completion_tokens': expected an integer, but got a string instead.",
      type: 'invalid_request_error',
      param: 'max_completion_tokens',
      code: 'invalid_type',
    });
  } finally {
    await sim.close();
  }
});

test('the verbose quirk: an answer of verboseTokens tokens, cut at max_tokens with finish_reason length and exact usage', async () => {
  const sim = await startSimulator({
    profile: 'openai',
    quirks: { 'sim-small': 'verbose' },
    verboseTokens: 300,
  });
  try {
    const whole = await postChat(sim.url, {
      model: 'sim-small',
      messages: user('Describe red running shoes.'),
    });
    assert.is(usageOf(whole.text).completion_tokens, 300);
    assert.is(choiceOf(whole.text).finish_reason, 'stop');
    const cut = await postChat(sim.url, {
      model: 'sim-small',
      messages: user('Describe red running shoes.'),
      max_tokens: 50,
    });
    assert.is(cut.status, 200);
    const choice = choiceOf(cut.text);
    assert.is(choice.finish_reason, 'length');
    assert.is(usageOf(cut.text).completion_tokens, 50);
    assert.is(encode4o(choice.message.content).length, 50);
    assert.ok(choiceOf(whole.text).message.content.startsWith(choice.message.content));
    // A JSON answer grows its string value: cut, it is invalid JSON, as a real cut answer is.
    const schema = {
      type: 'object',
      properties: { summary: { type: 'string' } },
      required: ['summary'],
      additionalProperties: false,
    };
    const rf = { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } };
    const json = await postChat(sim.url, {
      model: 'sim-small',
      messages: user('Summarise: red shoes.'),
      response_format: rf,
    });
    assert.is(usageOf(json.text).completion_tokens, 300);
    assert.type(JSON.parse(choiceOf(json.text).message.content).summary, 'string');
    const cutJson = await postChat(sim.url, {
      model: 'sim-small',
      messages: user('Summarise: red shoes.'),
      response_format: rf,
      max_tokens: 40,
    });
    assert.is(choiceOf(cutJson.text).finish_reason, 'length');
    assert.throws(() => JSON.parse(choiceOf(cutJson.text).message.content));
    // Without max_tokens the model's cap cuts it.
    sim.setOptions({ maxOutputTokens: 120 });
    const capped = await postChat(sim.url, {
      model: 'sim-small',
      messages: user('Describe red running shoes.'),
    });
    assert.is(choiceOf(capped.text).finish_reason, 'length');
    assert.is(usageOf(capped.text).completion_tokens, 120);
    assert.is(sim.stats().truncated, 3);
  } finally {
    await sim.close();
  }
});

test('a cut answer streams the same: its text, finish_reason length, the usage chunk', async () => {
  const sim = await startSimulator({ contextWindow: 1000, quirks: { m: 'verbose' }, verboseTokens: 200 });
  try {
    const body = { model: 'm', messages: user('Describe it.'), max_tokens: 30 };
    const whole = await postChat(sim.url, body);
    const r = await postChat(sim.url, { ...body, stream: true, stream_options: { include_usage: true } });
    const chunks = r.text
      .split('\n\n')
      .filter((e) => e.length > 0 && e !== 'data: [DONE]')
      .map((e) => JSON.parse(e.slice('data: '.length)));
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.is(text, choiceOf(whole.text).message.content);
    assert.is(chunks.at(-2).choices[0].finish_reason, 'length');
    assert.equal(chunks.at(-1).usage, usageOf(whole.text));
    assert.is(chunks.at(-1).usage.completion_tokens, 30);
    assert.is(sim.stats().truncated, 2);
  } finally {
    await sim.close();
  }
});

test('the limits are set and lifted at run time through POST /options', async () => {
  const sim = await startSimulator();
  try {
    const set = await request(`${sim.url.replace(/\/v1$/, '')}/options`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contextWindow: 5 }),
    });
    assert.is(set.statusCode, 200, await set.body.text());
    assert.is((await postChat(sim.url, { model: 'm', messages: user('hello there, friend') })).status, 400);
    const bad = await request(`${sim.url.replace(/\/v1$/, '')}/options`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ maxOutputTokens: 0 }),
    });
    assert.is(bad.statusCode, 400);
    assert.match(
      await bad.body.text(),
      /simulator option maxOutputTokens must be a positive integer or null \(no limit\)/,
    );
    sim.setOptions({ contextWindow: null });
    assert.is((await postChat(sim.url, { model: 'm', messages: user('hello there, friend') })).status, 200);
    assert.is(sim.stats().contextRejected, 1);
  } finally {
    await sim.close();
  }
});

test('rvbbit sim --context-window --max-output-tokens --tpm: the limits on the wire', async () => {
  const child = spawn(
    process.execPath,
    [...CLI, 'sim', '--port', '0', '--context-window', '50', '--max-output-tokens', '20', '--tpm', '100000'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', (line) => {
        const m = /listening on (\S+)/.exec(line);
        if (m) resolve(m[1]!);
        else reject(new Error(`unexpected line: ${line}`));
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const over = await postChat(url, { model: 'sim-small', messages: user(theText(60)) });
    assert.is(over.status, 400);
    assert.is(JSON.parse(over.text).error.code, 'context_length_exceeded');
    assert.is(over.headers['x-ratelimit-limit-tokens'], '100000');
    const cap = await postChat(url, { model: 'sim-small', messages: user('hi'), max_tokens: 21 });
    assert.is(
      JSON.parse(cap.text).error.message,
      'max_tokens is too large: 21. This model supports at most 20 completion tokens, whereas you provided 21.',
    );
  } finally {
    child.kill('SIGTERM');
  }
});

test("Batch API: a line over the window gets the endpoint's 400 in the error file; a line cut at max_tokens says length", async () => {
  const sim = await startSimulator({
    contextWindow: 40,
    batchCompletionMs: 0,
    quirks: { m: 'verbose' },
    verboseTokens: 100,
  });
  try {
    const lines = [
      {
        custom_id: 'long',
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'm', messages: user(theText(50)) },
      },
      {
        custom_id: 'cut',
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'm', messages: user('Describe it.'), max_tokens: 10 },
      },
    ];
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', new Blob([`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`]), 'in.jsonl');
    const file = (await (await fetch(`${sim.url}/files`, { method: 'POST', body: form })).json()) as {
      id: string;
    };
    const created = (await (
      await fetch(`${sim.url}/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          input_file_id: file.id,
          endpoint: '/v1/chat/completions',
          completion_window: '24h',
        }),
      })
    ).json()) as { id: string };
    let batch: { status: string; output_file_id: string; error_file_id: string } | undefined;
    for (let i = 0; i < 2000 && !['completed', 'failed'].includes(batch?.status ?? ''); i++) {
      batch = (await (await fetch(`${sim.url}/batches/${created.id}`)).json()) as typeof batch;
      if (batch?.status !== 'completed' && batch?.status !== 'failed')
        await new Promise((r) => setTimeout(r, 5));
    }
    const read = async (id: string) =>
      (await (await fetch(`${sim.url}/files/${id}/content`)).text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    assert.is(batch?.status, 'completed');
    const [error] = await read(batch!.error_file_id);
    assert.is(error.custom_id, 'long');
    assert.is(error.response.status_code, 400);
    assert.equal(error.response.body.error, {
      message: `This model's maximum context length is 40 tokens. However, your messages resulted in ${chatTokens4o(user(theText(50)))} tokens. Please reduce the length of the messages.`,
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded',
    });
    const [output] = await read(batch!.output_file_id);
    assert.is(output.custom_id, 'cut');
    assert.is(output.response.body.choices[0].finish_reason, 'length');
    assert.is(output.response.body.usage.completion_tokens, 10);
    const s = sim.stats();
    assert.is(s.contextRejected, 1);
    assert.is(s.truncated, 1);
    assert.is(s.maxPromptTokens, chatTokens4o(user(theText(50))));
  } finally {
    await sim.close();
  }
});

test("the engine's simulator thread (loaded through tsx's require hook) has the limits and the published table", async () => {
  const sim = await startSimulatorThread({ profile: 'openai', tpm: 100_000 });
  try {
    const r = await postChat(sim.url, { model: 'sim-small', messages: user('hi'), max_tokens: 16_385 });
    assert.is(r.status, 400);
    assert.is(JSON.parse(r.text).error.code, 'invalid_value');
    assert.is(r.headers['x-ratelimit-limit-tokens'], '100000');
    assert.is((await sim.stats()).capRejected, 1);
  } finally {
    await sim.close();
  }
});

test("cached_tokens never exceed OpenAI's count of the prompt: the largest 128-token step within it", async () => {
  const sim = await startSimulator({ profile: 'openai' });
  try {
    const system = { role: 'system', content: 'You are a careful assistant. '.repeat(180) };
    const ask = async (question: string) => {
      const messages = [system, { role: 'user', content: question }];
      const usage = usageOf((await postChat(sim.url, { model: 'sim-small', messages })).text) as unknown as {
        prompt_tokens: number;
        prompt_tokens_details: { cached_tokens: number };
      };
      assert.is(usage.prompt_tokens, chatTokens4o(messages));
      return usage;
    };
    await ask('First question?');
    const second = await ask('Second question, another one?');
    // 5,220 characters share the prefix: 1,280 tokens by characters / 4, but the prompt is fewer.
    assert.ok(second.prompt_tokens < 1280, String(second.prompt_tokens));
    const step = 1024 + Math.floor((second.prompt_tokens - 1024) / 128) * 128;
    assert.is(second.prompt_tokens_details.cached_tokens, step);
    assert.is(sim.stats().tokensCached, step);
  } finally {
    await sim.close();
  }
});

test("azure-openai: Azure's 429 body with retry-after and retry-after-ms, the x-ratelimit headers kept", async () => {
  const sim = await startSimulator({ profile: 'azure-openai', rpm: 1, tpm: 60 });
  try {
    const origin = new URL(sim.url).origin;
    const post = async (path: string, body: unknown) => {
      const res = await request(`${origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'api-key': 'k' },
        body: JSON.stringify(body),
      });
      return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    };
    const chat = '/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21';
    assert.is((await post(chat, { messages: user('hi') })).status, 200);
    const calls = await post(chat, { messages: user('hi') });
    assert.is(calls.status, 429);
    const seconds = Number(calls.headers['retry-after']);
    assert.ok(seconds >= 59 && seconds <= 60, String(seconds));
    assert.ok(Math.ceil(Number(calls.headers['retry-after-ms']) / 1000) === seconds);
    assert.equal(JSON.parse(calls.text), {
      error: {
        code: '429',
        message: `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded call rate limit of your current OpenAI S0 pricing tier. Please retry after ${seconds} seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.`,
      },
    });
    assert.is(calls.headers['x-ratelimit-remaining-requests'], '0');
    // Another deployment has its own minute; its embeddings ask more tokens than the minute has.
    const tooLarge = await post('/openai/deployments/emb/embeddings?api-version=2024-10-21', {
      input: theText(300),
    });
    assert.is(tooLarge.status, 429);
    assert.is(tooLarge.headers['retry-after'], '60');
    assert.match(
      JSON.parse(tooLarge.text).error.message,
      /^Requests to the Embeddings_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit /,
    );
    assert.is(sim.stats().rateLimitedRequests, 1);
    assert.is(sim.stats().rateLimitedTokens, 1);
  } finally {
    await sim.close();
  }
});

test('verbose JSON with no string value grows whitespace, as JSON mode can; a tool call is cut at max_tokens too', async () => {
  const sim = await startSimulator({ contextWindow: 100_000, quirks: { m: 'verbose' }, verboseTokens: 120 });
  try {
    const schema = {
      type: 'object',
      properties: { result: { type: 'boolean' } },
      required: ['result'],
      additionalProperties: false,
    };
    const rf = { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } };
    const whole = await postChat(sim.url, { model: 'm', messages: user('Is it red?'), response_format: rf });
    assert.is(usageOf(whole.text).completion_tokens, 120);
    assert.type(JSON.parse(choiceOf(whole.text).message.content).result, 'boolean');
    const cut = await postChat(sim.url, {
      model: 'm',
      messages: user('Is it red?'),
      response_format: rf,
      max_tokens: 20,
    });
    assert.is(choiceOf(cut.text).finish_reason, 'length');
    assert.throws(() => JSON.parse(choiceOf(cut.text).message.content));
    const tools = [
      {
        type: 'function',
        function: {
          name: 'search_products',
          description: 'search the catalogue',
          parameters: {
            type: 'object',
            properties: { query: { type: 'string' }, colour: { type: 'string' } },
            required: ['query', 'colour'],
          },
        },
      },
    ];
    const ask = (extra: Record<string, unknown>) =>
      postChat(sim.url, {
        model: 'other',
        messages: user('find red shoes'),
        tools,
        tool_choice: 'required',
        ...extra,
      });
    const call = JSON.parse((await ask({})).text);
    assert.is(call.choices[0].finish_reason, 'tool_calls');
    const full = call.choices[0].message.tool_calls[0].function.arguments as string;
    const short = JSON.parse((await ask({ max_tokens: 4 })).text);
    assert.is(short.choices[0].finish_reason, 'length');
    assert.is(short.usage.completion_tokens, 4);
    const args = short.choices[0].message.tool_calls[0].function.arguments as string;
    assert.ok(full.startsWith(args) && args.length < full.length, `${args} | ${full}`);
    assert.is(encode4o('search_products').length + encode4o(args).length, 4);
    assert.is(sim.stats().truncated, 2);
  } finally {
    await sim.close();
  }
});

test('embeddings count their inputs as OpenAI does where chat does (cl100k for text-embedding-3), else chars / 4', async () => {
  const input = ['red running shoes', 'a blue raincoat for autumn walks'];
  const body = { model: 'text-embedding-3-small', input };
  const plain = await startSimulator();
  const openai = await startSimulator({ profile: 'openai' });
  try {
    const chars = input[0]!.length + input[1]!.length;
    const old = JSON.parse((await postEmbeddings(plain.url, body)).text);
    assert.is(old.usage.prompt_tokens, Math.ceil(chars / 4));
    const exact = JSON.parse((await postEmbeddings(openai.url, body)).text);
    assert.is(exact.usage.prompt_tokens, encode4(input[0]!).length + encode4(input[1]!).length);
    assert.is.not(exact.usage.prompt_tokens, Math.ceil(chars / 4));
    assert.is(openai.stats().embeddingTokens, exact.usage.prompt_tokens);
  } finally {
    await plain.close();
    await openai.close();
  }
});

test.run();
