/**
 * The simulator's real limits (issue 52), on the wire: OpenAI's rate-limit
 * headers and 429s (tpm, rpm), the context window's 400, the output cap's
 * 400 and the answer cut at max_tokens, with the counters of each.
 */
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator } from '../../src/sim/index.js';
import { OpenAiRateLimits, openAiDuration } from '../../src/sim/openai-rate-limits.js';
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
  // 60 tokens a minute: one back per second, so the figures hold on a slow machine.
  const sim = await startSimulator({ tpm: 60 });
  try {
    const ask = () => postChat(sim.url, { model: 'sim-small', messages: user('hi'), max_tokens: 20 });
    const replies = [await ask(), await ask(), await ask(), await ask()];
    assert.equal(
      replies.map((r) => r.status),
      [200, 200, 200, 429],
    );
    assert.equal(
      replies.map((r) => r.headers['x-ratelimit-remaining-tokens']),
      ['40', '20', '0', '0'],
    );
    for (const r of replies) {
      assert.is(r.headers['x-ratelimit-limit-tokens'], '60');
      assert.match(String(r.headers['x-ratelimit-reset-tokens']), DURATION);
      assert.is(r.headers['x-ratelimit-limit-requests'], undefined, 'no rpm: no request headers');
      assert.is(r.headers['retry-after'], undefined, 'OpenAI documents no Retry-After');
    }
    const error = errorOf(replies[3]!.text);
    assert.match(
      String(error.message),
      /^Rate limit reached for sim-small in organization org-rvbbit-sim on tokens per min \(TPM\): Limit 60, Used 60, Requested 20\. Please try again in (1\d|20)(\.\d{1,3})?s\. Visit https:\/\/platform\.openai\.com\/account\/rate-limits to learn more\.$/,
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

test.run();
