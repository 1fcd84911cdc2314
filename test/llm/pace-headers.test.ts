/**
 * Pacing by the provider's announced budget (issue 52), through the real
 * client and the real simulator over HTTP: under OpenAI's tokens-per-minute
 * limit (the simulator's `tpm`: its x-ratelimit-* headers, its 429s) a run
 * gets the same answers as without a limit, and almost no 429s.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveProvider } from '../../src/engine/provider.js';
import { createLlmClient } from '../../src/llm/client.js';
import { resolveLlmConfig } from '../../src/llm/config.js';
import { paceTicket } from '../../src/llm/gate-ticket.js';
import { SharedGate } from '../../src/llm/shared-gate.js';
import type { ChatRequest } from '../../src/llm/types.js';
import { startSimulator } from '../../src/sim/index.js';

const TPM = 300_000;
/** 1,000 tokens each as OpenAI counts them on arrival (4,000 characters / 4). */
const CALL_TOKENS = 1_000;
/** 330,000 tokens: the full minute's 300,000 at once, then 30,000 that must wait for the refill (6 s). */
const CALLS = 330;

function request(i: number): ChatRequest {
  const head = `row ${i}: is this product eco-friendly? `;
  return {
    model: 'sim-small',
    messages: [{ role: 'user', content: head + 'z'.repeat(CALL_TOKENS * 4 - head.length) }],
  };
}

async function run(sim: { url: string }, gate: SharedGate): Promise<string[]> {
  const llm = createLlmClient({ baseUrl: sim.url, gate });
  try {
    return (await Promise.all(Array.from({ length: CALLS }, (_, i) => llm.chat(request(i))))).map(
      (r) => r.content,
    );
  } finally {
    await llm.close();
  }
}

test(`TPM ${TPM / 1000}k: the same answers as unlimited, at most 5% of calls refused 429`, async () => {
  const free = await startSimulator({ latencyMs: 20 });
  const limited = await startSimulator({ latencyMs: 20, tpm: TPM });
  try {
    const expected = await run(free, new SharedGate({ maxConcurrency: 32 }));
    const gate = new SharedGate({ maxConcurrency: 32 });
    const answers = await run(limited, gate);
    assert.equal(answers, expected);
    const s = limited.stats();
    assert.is(s.completed, CALLS);
    assert.is(s.rateLimitedRequests, 0);
    assert.ok(s.rateLimitedTokens <= CALLS * 0.05, `${s.rateLimitedTokens} of ${CALLS} calls met a 429`);
    assert.is(s.requests, CALLS + s.rateLimitedTokens, 'every request was answered or refused 429');
    // What the gate learned: the simulator's limit and its rate.
    const budget = gate.budget(paceTicket(new URL(limited.url).hostname, 'sim-small', request(0)))!;
    assert.is(budget.tokenLimit, TPM);
    // The refill rate read from the reset header (whole ms): within 0.1% of the limit per minute.
    assert.ok(Math.abs(budget.tokensPerMinute - TPM) < TPM / 1000, `${budget.tokensPerMinute} per minute`);
  } finally {
    await free.close();
    await limited.close();
  }
});

test('RPM 60: requests per minute pace too (65 calls: the full minute at once, then one a second), no 429', async () => {
  const limited = await startSimulator({ latencyMs: 0, rpm: 60 });
  try {
    const gate = new SharedGate({ maxConcurrency: 16 });
    const llm = createLlmClient({ baseUrl: limited.url, gate });
    const short = (i: number): ChatRequest => ({
      model: 'sim-small',
      messages: [{ role: 'user', content: `q ${i}` }],
    });
    await Promise.all(Array.from({ length: 65 }, (_, i) => llm.chat(short(i))));
    await llm.close();
    const s = limited.stats();
    assert.is(s.completed, 65);
    assert.is(s.rateLimitedRequests, 0);
    assert.is(s.requests, 65);
    const budget = gate.budget(paceTicket(new URL(limited.url).hostname, 'sim-small', short(0)))!;
    assert.is(budget.requestLimit, 60);
    assert.is(budget.tokenLimit, 0, 'no token limit announced');
  } finally {
    await limited.close();
  }
});

test('without headers nothing is paced; with pacing off the headers are not read', async () => {
  const free = await startSimulator({ latencyMs: 0 });
  const limited = await startSimulator({ latencyMs: 0, tpm: TPM });
  try {
    const gate = new SharedGate({ maxConcurrency: 8 });
    const llm = createLlmClient({ baseUrl: free.url, gate });
    await Promise.all(Array.from({ length: 20 }, (_, i) => llm.chat(request(i))));
    await llm.close();
    const ticket = paceTicket(new URL(free.url).hostname, 'sim-small', request(0));
    assert.is(gate.budget(ticket), undefined, 'no budget announced, none learned');
    assert.is(gate.acquire(undefined, ticket), undefined, 'a slot at once, no promise: the fast path');
    gate.release('ok');
    const off = new SharedGate({ maxConcurrency: 8, paceByHeaders: false });
    const offLlm = createLlmClient({ baseUrl: limited.url, gate: off });
    await Promise.all(Array.from({ length: 20 }, (_, i) => offLlm.chat(request(i))));
    await offLlm.close();
    assert.is(off.budget(ticket), undefined, 'paceByHeaders: false learns nothing');
    assert.is(limited.stats().completed, 20);
  } finally {
    await free.close();
    await limited.close();
  }
});

test('llm.pace_by_headers: false in the config file turns pacing off for a provider; anything but a boolean is refused at its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-pace-'));
  const limited = await startSimulator({ latencyMs: 0, tpm: TPM });
  try {
    writeFileSync(join(dir, 'rvbbit.config.yaml'), 'llm:\n  pace_by_headers: false\n');
    const env = { RVBBIT_BASE_URL: limited.url };
    assert.is(resolveLlmConfig(env, dir).paceByHeaders, false);
    assert.is(resolveLlmConfig(env, tmpdir()).paceByHeaders, undefined, 'absent: the default (on)');
    const ticket = paceTicket(new URL(limited.url).hostname, 'sim-small', request(0));
    for (const [cwd, paced] of [
      [dir, false],
      [tmpdir(), true],
    ] as const) {
      const saved = process.env['RVBBIT_BASE_URL'];
      process.env['RVBBIT_BASE_URL'] = limited.url;
      const provider = await resolveProvider(undefined, cwd).finally(() => {
        if (saved === undefined) delete process.env['RVBBIT_BASE_URL'];
        else process.env['RVBBIT_BASE_URL'] = saved;
      });
      const llm = createLlmClient({ ...provider, gate: provider.gate });
      await llm.chat(request(1));
      await llm.close();
      assert.is(provider.gate.budget(ticket) !== undefined, paced, `${cwd}: paced ${paced}`);
    }
    writeFileSync(join(dir, 'rvbbit.config.yaml'), 'llm:\n  model: m\n  pace_by_headers: "no"\n');
    let refused: { code?: string; message?: string } = {};
    try {
      resolveLlmConfig(env, dir);
    } catch (err) {
      refused = err as typeof refused;
    }
    assert.is(refused.code, 'LLM_CONFIG');
    assert.match(
      refused.message ?? '',
      /rvbbit\.config\.yaml:3: llm\.pace_by_headers: expected true or false/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await limited.close();
  }
});

test.run();
