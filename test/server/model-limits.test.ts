/**
 * The model's limits through the server and the real psql (issue 52), the
 * simulator holding every model to a 2,000-token window: an operator's tuple
 * over it is NULL and psql prints the warning naming it; an LLM_SUMMARIZE
 * whose group is over it is reduced in parts, with no refusal after the
 * first (the worker's client learns the window from it).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { startServerFixture } from './helpers.js';
import { psql } from './py-client.js';

const psqlTest = requires(test, 'psql');
const ROWS = `SELECT range::INTEGER AS id,
  CASE WHEN range = 3 THEN repeat('the battery clause of a long contract ', 400)
       WHEN range % 2 = 0 THEN 'the battery died after a week' ELSE 'a soft strap' END AS text
  FROM range(10)`;

psqlTest(
  'psql: an operator tuple over the window is NULL with a WARNING naming it; the other rows answered',
  async () => {
    const f = await startServerFixture({}, { contextWindow: 2000 });
    try {
      const r = await psql(
        f.port,
        ['-A', '-t', '-c', `SELECT id FROM (${ROWS}) WHERE text MEANS 'battery problems' ORDER BY id`],
        undefined,
        'rvbbit',
      );
      assert.is(r.code, 0, r.err);
      assert.equal(r.out.trim().split('\n'), ['0', '2', '4', '6', '8']);
      assert.match(
        r.err,
        /WARNING: {2}semantic_means: input \d of 3 is NULL: LLM_CONTEXT_TOO_LONG: the prompt has \d+ tokens; sim-small's context window is 2000 tokens/,
      );
    } finally {
      await f.close();
    }
  },
);

psqlTest('psql: an LLM_SUMMARIZE over a group longer than the window is reduced in parts', async () => {
  const f = await startServerFixture({}, { contextWindow: 2000 });
  try {
    const r = await psql(
      f.port,
      [
        '-A',
        '-t',
        '-c',
        `SELECT count(*) AS n, LLM_SUMMARIZE(t) IS NOT NULL AS summarised FROM (SELECT 'review ' || range || ': the battery died fast' AS t FROM range(800))`,
      ],
      undefined,
      'rvbbit',
    );
    assert.is(r.code, 0, r.err);
    assert.is(r.out.trim(), '800|t');
    const s = f.sim.stats();
    // The whole group's one refusal taught the window; every part after it fit.
    assert.is(s.contextRejected, 1);
    // 800 reviews (~11,000 tokens) in 6 parts under 2,000 tokens, then one call over their 6 summaries.
    assert.is(s.completed, 6 + 1);
    assert.is(s.requests, 1 + 6 + 1);
  } finally {
    await f.close();
  }
});

psqlTest.run();
