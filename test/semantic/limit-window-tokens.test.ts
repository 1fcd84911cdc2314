/**
 * A LIMIT met from the first rows of its source: EXPLAIN prints the tokens of
 * its first window's calls (est_tokens_in_window / est_tokens_out_window,
 * issue 67) beside est_calls_window, priced as est_tokens_* are. On the
 * simulator's `openai` profile (tokens counted as OpenAI counts them), a
 * window the run meets the LIMIT from costs exactly those.
 */
import * as assert from 'uvu/assert';
import { semSuite } from './semantic-fixture.js';

const test = semSuite('semantic: the LIMIT window’s tokens', { defaultParallel: 1 }, { profile: 'openai' });

const value = (rows: Record<string, unknown>[], key: string) =>
  rows.find((r) => r['property'] === key)?.['value'];

for (const [name, annotations] of [
  ['unpacked', '-- @ cache: false\n-- @ batch: 1'],
  ['packed', '-- @ cache: false'],
] as const) {
  test(`every row passes, ${name}: the first window's calls and tokens are the run's, under the statement's`, async ({
    f,
  }) => {
    // No filter: the first window (max(2 × LIMIT, PARALLEL) = 6 rows) returns the LIMIT's 3 rows.
    const sql = `SELECT id, review MEANS 'a wonderful film' AS liked FROM reviews ORDER BY id LIMIT 3`;
    const e = await f.rows(`EXPLAIN ${sql}`, annotations);
    assert.match(String(value(e, 'limit_window')), /^LIMIT 3 over the first 6 rows of reviews /);
    const calls = Number(value(e, 'est_calls_window'));
    const tokensIn = Number(value(e, 'est_tokens_in_window'));
    const tokensOut = Number(value(e, 'est_tokens_out_window'));
    assert.is(calls, name === 'unpacked' ? 6 : 1);
    assert.ok(
      tokensIn > 0 && tokensIn < Number(value(e, 'est_tokens_in')),
      'the window is part of the statement',
    );
    assert.ok(tokensOut > 0 && tokensOut < Number(value(e, 'est_tokens_out')));
    await f.sim.resetStats();
    const rows = await f.rows(sql, annotations);
    assert.is(rows.length, 3);
    const st = await f.sim.stats();
    assert.equal([st.requests, st.tokensIn, st.tokensOut], [calls, tokensIn, tokensOut]);
  });
}

test.run();
