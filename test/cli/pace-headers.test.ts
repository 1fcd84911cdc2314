/**
 * Pacing by the provider's announced budget through the real CLI (issue
 * 52): `rvbbit query --provider-url` against a simulator process under
 * OpenAI's tokens-per-minute limit (its x-ratelimit-* headers and 429s)
 * returns the rows it returns without the limit, with almost no 429s.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulatorProcess } from '../../src/sim/index.js';
import { TPM_FILTER as FILTER, TPM } from '../fixtures/tpm-filter.js';
import { rvbbit } from './helpers.js';

const CLEAN = { RVBBIT_BASE_URL: '', RVBBIT_API_KEY: '', OPENAI_API_KEY: '', OPENROUTER_API_KEY: '' };

async function query(url: string) {
  return rvbbit(['query', '--format', 'csv', FILTER, '--provider-url', url, '--model', 'sim-small'], {
    env: CLEAN,
  });
}

test(`rvbbit query under TPM ${TPM / 1000}k: the rows of an unlimited run, at most 5% of requests refused 429`, async () => {
  const free = await startSimulatorProcess({ latencyMs: 20 });
  const limited = await startSimulatorProcess({ latencyMs: 20, tpm: TPM });
  try {
    const expected = await query(free.url);
    assert.is(expected.code, 0, expected.err);
    const got = await query(limited.url);
    assert.is(got.code, 0, got.err);
    assert.is(got.out, expected.out);
    assert.equal(got.out.trim().split('\n'), ['id', ...Array.from({ length: 50 }, (_, i) => String(i * 3))]);
    const s = await limited.stats();
    const answered = (await free.stats()).completed;
    assert.is(s.completed, answered, 'as many calls answered as without the limit');
    assert.ok(s.tokensIn > TPM, `${s.tokensIn} prompt tokens: past the full minute`);
    assert.is(s.rateLimitedRequests, 0);
    assert.ok(
      s.rateLimitedTokens <= s.requests * 0.05,
      `${s.rateLimitedTokens} of ${s.requests} requests met a 429`,
    );
    assert.is(s.requests, answered + s.rateLimitedTokens);
  } finally {
    await free.close();
    await limited.close();
  }
});

test.run();
