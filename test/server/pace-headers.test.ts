/**
 * Pacing by the provider's announced budget through the server and the real
 * psql (issue 52): a filter whose prompts pass OpenAI's tokens-per-minute
 * limit (the simulator's `tpm`, its x-ratelimit-* headers and 429s) returns
 * the rows it returns without the limit, with almost no 429s.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TPM_FILTER as FILTER, TPM } from '../fixtures/tpm-filter.js';
import { requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { psql } from './py-client.js';

const psqlTest = requires(test, 'psql');

async function rowsThrough(f: ServerFixture): Promise<string[]> {
  const r = await psql(f.port, ['-A', '-t', '-c', FILTER], undefined, 'rvbbit');
  assert.is(r.code, 0, r.err);
  return r.out.trim().split('\n');
}

psqlTest(
  `psql under TPM ${TPM / 1000}k: the rows of an unlimited run, at most 5% of requests refused 429`,
  async () => {
    const free = await startServerFixture({}, { latencyMs: 20 });
    const limited = await startServerFixture({}, { latencyMs: 20, tpm: TPM });
    try {
      const expected = await rowsThrough(free);
      assert.equal(
        expected,
        Array.from({ length: 50 }, (_, i) => String(i * 3)),
      );
      assert.equal(await rowsThrough(limited), expected);
      const s = limited.sim.stats();
      assert.is(s.completed, free.sim.stats().completed);
      assert.is(s.rateLimitedRequests, 0);
      assert.ok(
        s.rateLimitedTokens <= s.requests * 0.05,
        `${s.rateLimitedTokens} of ${s.requests} requests met a 429`,
      );
      assert.is(s.requests, s.completed + s.rateLimitedTokens);
    } finally {
      await free.close();
      await limited.close();
    }
  },
);

psqlTest.run();
