import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { budgetKey, SharedBudgets } from '../../src/llm/gate-budget.js';
import { admissionTokens, paceTicket } from '../../src/llm/gate-ticket.js';
import { announcedBudget, parseResetDuration } from '../../src/llm/rate-headers.js';
import { SharedGate } from '../../src/llm/shared-gate.js';

test('reset durations as OpenAI and Groq send them', () => {
  // OpenAI's rate-limits guide: "1s", "6m0s"; its answers: "12ms", "9ms"; Groq: "2m59.56s", "7.66s".
  assert.is(parseResetDuration('1s'), 1_000);
  assert.is(parseResetDuration('6m0s'), 360_000);
  assert.is(parseResetDuration('20ms'), 20);
  assert.is(parseResetDuration('2m59.56s'), 179_560);
  assert.is(parseResetDuration('7.66s'), 7_660);
  assert.is(parseResetDuration('1h2m3s'), 3_723_000);
  assert.is(parseResetDuration('0s'), 0);
  assert.is(parseResetDuration('7'), 7_000, 'bare seconds');
  assert.is(parseResetDuration(' 1s '), 1_000);
  for (const bad of [undefined, '', 'soon', '1x', '-1s', '1s2', 'ms']) {
    assert.is(parseResetDuration(bad), undefined, String(bad));
  }
});

test('the announced budget: tokens and requests, each only when its limit and remaining are readable', () => {
  const headers = {
    'x-ratelimit-limit-requests': '60',
    'x-ratelimit-limit-tokens': '150000',
    'x-ratelimit-remaining-requests': '59',
    'x-ratelimit-remaining-tokens': '149984',
    'x-ratelimit-reset-requests': '1s',
    'x-ratelimit-reset-tokens': '6m0s',
  };
  assert.equal(announcedBudget(headers), {
    tokens: { limit: 150_000, remaining: 149_984, resetMs: 360_000 },
    requests: { limit: 60, remaining: 59, resetMs: 1_000 },
  });
  assert.equal(
    announcedBudget({ 'x-ratelimit-limit-tokens': '1000', 'x-ratelimit-remaining-tokens': '2000' }),
    { tokens: { limit: 1000, remaining: 1000, resetMs: undefined } },
    'remaining never above the limit; no reset header',
  );
  assert.is(announcedBudget({}), undefined, 'no headers: nothing to pace by');
  assert.is(announcedBudget({ 'content-type': 'application/json' }), undefined);
  assert.is(announcedBudget({ 'x-ratelimit-limit-tokens': '1000' }), undefined, 'no remaining');
  assert.is(
    announcedBudget({ 'x-ratelimit-limit-tokens': 'lots', 'x-ratelimit-remaining-tokens': '5' }),
    undefined,
  );
  assert.is(
    announcedBudget({ 'x-ratelimit-limit-tokens': '0', 'x-ratelimit-remaining-tokens': '0' }),
    undefined,
    'a limit of 0 paces nothing',
  );
});

function budgets(): SharedBudgets {
  return new SharedBudgets(new SharedArrayBuffer(4096), 0, true);
}

const tpm = (limit: number, remaining: number, reset?: string) => ({
  tokens: {
    limit,
    remaining,
    resetMs: reset === undefined ? undefined : parseResetDuration(reset),
  },
});

test('budgets: a key is paced only once an answer announced its budget', () => {
  const b = budgets();
  const key = budgetKey('api.openai.com', 'gpt-4o-mini');
  assert.is(b.slotOf(key), -1);
  b.learn(key, tpm(60_000, 60_000), 0 + 1);
  const slot = b.slotOf(key);
  assert.ok(slot >= 0);
  assert.is(b.slotOf(budgetKey('api.openai.com', 'gpt-4o')), -1, 'another model: not known');
  assert.is(b.slotOf(budgetKey('other.host', 'gpt-4o-mini')), -1, 'another endpoint: not known');
});

test('budgets: reservations within the bucket go at once; past it they wait for the refill, in order', () => {
  const b = budgets();
  const key = budgetKey('h', 'm');
  const t0 = 1_000_000;
  // 60,000 tokens per minute = 1 token per ms; 10,000 left now.
  b.learn(key, tpm(60_000, 10_000), t0);
  const slot = b.slotOf(key);
  assert.is(b.reserve(slot, 6_000, t0).waitMs, 0);
  assert.is(b.reserve(slot, 4_000, t0).waitMs, 0);
  assert.is(b.reserve(slot, 3_000, t0).waitMs, 3_000, 'waits until 3,000 tokens refill');
  assert.is(b.reserve(slot, 1_000, t0).waitMs, 4_000, 'after the one before it');
  // 5 s later the debt of 4,000 is paid and 1,000 refilled.
  assert.is(Math.round(b.snapshot(key, t0 + 5_000)!.tokensAvailable), 1_000);
});

test('budgets: what is left is the latest answer’s count less what was sent after its call and what waits', () => {
  const b = budgets();
  const key = budgetKey('h', 'm');
  const t0 = 5_000_000;
  b.learn(key, tpm(60_000, 50_000), t0);
  const slot = b.slotOf(key);
  const left = () => Math.round(b.snapshot(key, t0)!.tokensAvailable);
  const first = b.reserve(slot, 10_000, t0);
  const firstSent = b.sent(first);
  const second = b.reserve(slot, 5_000, t0);
  const secondSent = b.sent(second);
  const third = b.reserve(slot, 1_000, t0);
  assert.is(left(), 34_000);
  // The answer to the first counts it, not the second (sent after it) nor the third (not sent).
  b.learn(key, tpm(60_000, 40_000), t0, firstSent);
  assert.is(left(), 34_000);
  // Another process spent 20,000 before our second arrived: the provider's count wins.
  b.learn(key, tpm(60_000, 15_000), t0, secondSent);
  assert.is(left(), 14_000);
  // An answer arriving late (its call arrived before the second) agrees with it.
  b.learn(key, tpm(60_000, 20_000), t0, firstSent);
  assert.is(left(), 14_000);
  // The answer to a call sent before the budget was known: everything sent since is off it.
  b.learn(key, tpm(60_000, 16_000), t0);
  assert.is(left(), 0);
  // The third, aborted before it was sent: its tokens return.
  b.cancel(third, t0);
  assert.is(left(), 1_000);
  // Past the bucket: it waits for the refill (1 token per ms).
  assert.is(b.reserve(slot, 3_000, t0).waitMs, 2_000);
});

test('budgets: the refill rate is what the reset implies once it is long enough to read', () => {
  const b = budgets();
  const key = budgetKey('h', 'm');
  // 30,000 used of 100,000, back in 9 s: 30,000 / 9 s, not 100,000 / 60 s.
  b.learn(key, tpm(100_000, 70_000, '9s'), 1);
  assert.is(Math.round(b.snapshot(key, 1)!.tokensPerMinute), 200_000);
  // A reset of 20 ms is too coarse to read: the rate stays.
  b.learn(key, tpm(100_000, 99_990, '20ms'), 2);
  assert.is(Math.round(b.snapshot(key, 2)!.tokensPerMinute), 200_000);
  const fresh = budgets();
  fresh.learn(key, tpm(100_000, 99_990, '6ms'), 1);
  assert.is(Math.round(fresh.snapshot(key, 1)!.tokensPerMinute), 100_000, 'limit per minute');
});

test('budgets: requests per minute pace too; a call larger than the whole limit still goes', () => {
  const b = budgets();
  const key = budgetKey('h', 'm');
  b.learn(key, { requests: { limit: 600, remaining: 1, resetMs: undefined } }, 10);
  const slot = b.slotOf(key);
  assert.is(b.reserve(slot, 1_000_000, 10).waitMs, 0, 'no token limit known: tokens do not pace');
  assert.is(b.reserve(slot, 1, 10).waitMs, 100, '600 per minute: one per 100 ms');
  const big = budgets();
  big.learn(key, tpm(1_000, 1_000), 10);
  const s = big.slotOf(key);
  assert.is(big.reserve(s, 5_000, 10).waitMs, 0, 'reserves the limit, not more');
  assert.is(big.reserve(s, 1, 10).waitMs, 60, 'the next one waits for the refill');
});

test('a request counts as OpenAI counts it on arrival: max(max_tokens, characters / 4)', () => {
  const ask = (content: string, maxTokens?: number) => ({
    model: 'm',
    messages: [{ role: 'user' as const, content }],
    ...(maxTokens === undefined ? {} : { maxTokens }),
  });
  assert.is(admissionTokens(ask('x'.repeat(400))), 100);
  assert.is(admissionTokens(ask('x'.repeat(401))), 101, 'rounded up');
  assert.is(admissionTokens(ask('x'.repeat(400), 300)), 300, 'max_tokens when it is more');
  assert.is(admissionTokens(ask('x'.repeat(400), 30)), 100);
  assert.is(
    admissionTokens({
      model: 'm',
      messages: [
        { role: 'system', content: 'x'.repeat(200) },
        { role: 'user', content: 'y'.repeat(200) },
      ],
    }),
    100,
    'every message',
  );
  const ticket = paceTicket('h', 'm', ask('x'.repeat(40)));
  assert.is(ticket.key, budgetKey('h', 'm'));
  assert.is(ticket.tokens(), 10);
});

test('budgets: what is owed shrinks when an answer says more is left than was counted', () => {
  const b = budgets();
  const key = budgetKey('h', 'm');
  const t0 = 7_000_000;
  b.learn(key, { requests: { limit: 60, remaining: 0, resetMs: undefined } }, t0);
  const slot = b.slotOf(key);
  assert.is(b.reserve(slot, 1, t0).waitMs, 1_000, 'one a second');
  assert.is(b.reserve(slot, 1, t0).waitMs, 2_000);
  assert.is(Math.round(b.debtMs(slot, t0)), 2_000);
  // The provider had 30 left after all (an earlier count disagreed): nothing is owed.
  b.learn(key, { requests: { limit: 60, remaining: 30, resetMs: undefined } }, t0);
  assert.is(b.debtMs(slot, t0), 0);
});

test('gate: a call waiting for the refill goes once an answer says the debt is paid, not when first reckoned', async () => {
  const gate = new SharedGate({ maxConcurrency: 4 });
  const ticket = () => ({ key: budgetKey('h', 'm'), tokens: () => 1 });
  const headers = (remaining: number) => ({
    'x-ratelimit-limit-requests': '1',
    'x-ratelimit-remaining-requests': String(remaining),
  });
  // Two calls out before any answer; the first's answer: one request a minute, none left.
  const first = ticket();
  const second = ticket();
  await gate.acquire(undefined, first);
  await gate.acquire(undefined, second);
  gate.release('ok', 200, headers(0), first);
  // A third is reckoned two minutes away (the second's request counted too).
  const third = ticket();
  const waiting = gate.acquire(undefined, third) ?? Promise.resolve();
  // The second's answer: the provider has room for the third after all.
  gate.release('ok', 200, headers(1), second);
  const late = new Promise((r) => setTimeout(() => r('still waiting'), 10_000).unref());
  assert.is(await Promise.race([waiting.then(() => 'sent'), late]), 'sent');
  gate.release('ok', 200, headers(0), third);
  assert.is(gate.snapshot().inFlight, 0);
});

test.run();
