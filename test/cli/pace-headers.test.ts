/**
 * Pacing by the provider's announced budget through the real CLI (issue
 * 52): `rvbbit query --provider-url` against a simulator process under
 * OpenAI's tokens-per-minute limit (its x-ratelimit-* headers and 429s)
 * returns the rows it returns without the limit, with almost no 429s.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulatorProcess } from '../../src/sim/index.js';
import { rvbbit } from './helpers.js';

const TPM = 300_000;
const CLEAN = { RVBBIT_BASE_URL: '', RVBBIT_API_KEY: '', OPENAI_API_KEY: '', OPENROUTER_API_KEY: '' };
/**
 * 150 rows of 8,000 characters (a third of them eco friendly): over 300,000
 * tokens as OpenAI counts them on arrival (characters / 4, the prompts' own
 * text included), past the full minute, so a part of the run must wait for
 * the refill; 50 calls at once, so without pacing some of them meet 429s.
 */
const FILTER = `-- @ cache: false
-- @ parallel: 50
SELECT id FROM (
  SELECT range AS id, 'row ' || range
    || CASE WHEN range % 3 = 0 THEN ': an eco friendly reusable bottle ' ELSE ': a plastic bag ' END
    || repeat('z', 8000) AS text
  FROM range(150)
) WHERE text MEANS 'eco friendly' ORDER BY id`;

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
