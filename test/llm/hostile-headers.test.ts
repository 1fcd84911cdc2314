/**
 * A provider's wait headers within reason (src/llm/header-bounds.ts): a
 * rate-limit reset or a Retry-After past the call deadline is read as the
 * deadline, said once per model and header, and never stops a model for
 * longer; a healthy answer afterwards lifts the stall. The simulator sends
 * the hostile headers (its `answerHeaders` knob) over HTTP; a small call
 * deadline keeps the tests fast. Without the bound, the statement after the
 * hostile answer sends nothing for hours (the reset) or a minute (the pause):
 * `within` fails it after STALLED_MS.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { createLlmClient } from '../../src/llm/client.js';
import { paceTicket } from '../../src/llm/gate-ticket.js';
import type { RetryEvent } from '../../src/llm/retry.js';
import { SharedGate } from '../../src/llm/shared-gate.js';
import { startSimulator } from '../../src/sim/index.js';
import { ask, wait } from './helpers.js';

/** The call deadline the tests configure: the bound of every wait header. */
const DEADLINE_MS = 1_500;
/** Longer than any wait the bound allows here, far shorter than an unbounded one. */
const STALLED_MS = 20_000;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${STALLED_MS} ms`)), STALLED_MS);
  });
  return Promise.race([p, stalled]).finally(() => clearTimeout(timer));
}

/** One answer announcing nothing left for 999999 s, on both of OpenAI's budgets. */
const EXHAUSTED_FOR_DAYS = {
  'x-ratelimit-remaining-tokens': '0',
  'x-ratelimit-reset-tokens': '999999s',
  'x-ratelimit-remaining-requests': '0',
  'x-ratelimit-reset-requests': '999999s',
};

test("a reset of 999999 s stalls a model only up to the call deadline: another statement's MEANS calls all go out", async () => {
  // tpm/rpm: the simulator sends OpenAI's rate-limit headers on every answer, so the client paces by them.
  const sim = await startSimulator({ tpm: 150_000, rpm: 60, answerHeaders: EXHAUSTED_FOR_DAYS });
  const warnings: string[] = [];
  const engine = await createEngine({
    provider: { baseUrl: sim.url, model: 'sim-small', deadlineMs: DEADLINE_MS },
    threads: 2,
    onWarning: (m) => warnings.push(m),
  });
  try {
    await engine.query(
      `CREATE TABLE t AS SELECT range AS id, 'thing number ' || range AS body FROM range(10)`,
    );
    // One client's statement meets the hostile answer.
    const first = await engine.query(`-- @ cache: false\nSELECT 'a bottle' MEANS 'eco friendly' AS m`);
    assert.is(first.rows.length, 1);
    assert.is(sim.stats().requests, 1);
    // The provider is healthy again; another statement's calls go out within the bound, all of them.
    sim.setOptions({ answerHeaders: null });
    // One call per row (-- @ batch: 1): the gate's pacing of 10 calls after the reset is what is tested,
    // and unannotated statements pack since issue 67 (the 10 rows would be 1 call).
    const next = await within(
      engine.query(`-- @ cache: false\n-- @ batch: 1\nSELECT id, body MEANS 'eco friendly' AS m FROM t`),
      'the MEANS after the reset',
    );
    assert.is(next.rows.length, 10);
    assert.ok(next.rows.every((r) => typeof r.m === 'boolean'));
    assert.is(sim.stats().requests, 11);
    assert.is(sim.stats().byStatus[200], 11);
    // Said once per model and header (the request and token resets), naming both.
    const said = warnings.filter((w) => w.includes('999999s'));
    assert.is(said.length, 1, warnings.join('\n'));
    assert.match(said[0]!, /x-ratelimit-reset-requests: 999999s for sim-small/);
    assert.match(said[0]!, /x-ratelimit-reset-tokens: 999999s for sim-small/);
    assert.match(said[0]!, `read as ${DEADLINE_MS / 1000} s`);
    const logged = await engine.query(
      `SELECT count(*)::INTEGER AS n FROM rvbbit.unified_logs WHERE warning LIKE '%x-ratelimit-reset-tokens: 999999s%'`,
    );
    assert.is(logged.rows[0]!.n, 1);
  } finally {
    await engine.close();
    await sim.close();
  }
});

test('the bound as a rate: after a 999999 s reset the bucket refills in the call deadline, the next healthy answer sets what is left', async () => {
  const sim = await startSimulator({ tpm: 150_000, rpm: 60, answerHeaders: EXHAUSTED_FOR_DAYS });
  const gate = new SharedGate({ maxConcurrency: 8 });
  const llm = createLlmClient({ baseUrl: sim.url, deadlineMs: DEADLINE_MS, gate });
  const ticket = paceTicket('127.0.0.1', 'sim-small', ask('x'));
  try {
    await llm.chat(ask('first'));
    const stalled = gate.budget(ticket)!;
    // The whole limit back within the deadline: 150,000 tokens per 1.5 s (not per 999999 s).
    assert.is(stalled.tokenLimit, 150_000);
    assert.is(stalled.tokensPerMinute, (150_000 / DEADLINE_MS) * 60_000);
    sim.setOptions({ answerHeaders: null });
    await llm.chat(ask('second'));
    // The healthy answer's own figures: nearly the whole limit left.
    const healthy = gate.budget(ticket)!;
    assert.ok(healthy.tokensAvailable > 149_000, String(healthy.tokensAvailable));
    assert.is(healthy.requestLimit, 60);
    assert.is(sim.stats().requests, 2);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('a Retry-After of 999999 s is read as the deadline and said once; a healthy probe ends the pause for everyone', async () => {
  // One request per 1000 s: the first is answered, the next meets a 429 whose Retry-After says 999999.
  const sim = await startSimulator({ rateLimit: { rps: 0.001, burst: 1 } });
  // A deadline past the longest Retry-After honoured (60 s): the 429's call sleeps 60 s and pauses everyone.
  const deadlineMs = 120_000;
  const retries: RetryEvent[] = [];
  const llm = createLlmClient({
    baseUrl: sim.url,
    deadlineMs,
    backoff: { baseMs: 5, maxMs: 50 },
    onRetry: (e) => retries.push(e),
  });
  const stopped = new AbortController();
  try {
    await llm.chat(ask('first'));
    sim.setOptions({ answerHeaders: { 'retry-after': '999999' } });
    const throttled = llm.chat(ask('second'), { signal: stopped.signal }).catch((e: unknown) => e);
    while (retries.length === 0) await wait(10);
    // Read as the deadline (then held to the longest honoured, 60 s), not as 11 days.
    assert.is(retries[0]!.retryAfterMs, deadlineMs);
    assert.is(retries[0]!.delayMs, 60_000);
    assert.is(sim.stats().requests, 2);
    // Healthy again: another call goes out as the pause's probe, PAUSE_PROBE_MS into it, not 60 s.
    sim.setOptions({ rateLimit: null, answerHeaders: null });
    const probe = await within(llm.chat(ask('third')), 'the call after the 429');
    assert.is(probe.attempts, 1);
    // Said with the first call of the model to finish after the header came.
    assert.match(
      String(probe.providerWarning),
      /sent retry-after: 999999 for sim-small, past the call deadline: read as 120 s/,
    );
    // Its healthy answer ended the pause: the next calls go at once, no warning again.
    const after = await within(
      Promise.all([llm.chat(ask('fourth')), llm.chat(ask('fifth'))]),
      'the calls after the probe',
    );
    assert.ok(after.every((r) => r.attempts === 1 && r.providerWarning === undefined));
    assert.is(sim.stats().requests, 5);
    assert.is(sim.stats().byStatus[429], 1);
    stopped.abort();
    assert.is(((await throttled) as { code?: string }).code, 'LLM_ABORTED');
  } finally {
    stopped.abort();
    await llm.close();
    await sim.close();
  }
});

test.run();
