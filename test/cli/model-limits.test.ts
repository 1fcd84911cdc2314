/**
 * The model's limits through the real CLI (issue 52): `rvbbit query
 * --provider-url` against a simulator process with a 2,000-token window. A
 * MAP row over the window is that row's error, the other rows answered; an
 * operator's tuple over it is NULL, and stderr names it. Issue 69: with the
 * window learned at run time, the cost line counts the requests the provider
 * saw (not the calls the client refused unsent), and EXPLAIN after the run
 * counts the calls the next run makes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulatorProcess } from '../../src/sim/index.js';
import { CASCADES, rvbbit } from './helpers.js';

const CLEAN = { RVBBIT_BASE_URL: '', RVBBIT_API_KEY: '', OPENAI_API_KEY: '', OPENROUTER_API_KEY: '' };
/** Ten rows, the fourth a contract far over a 2,000-token window. */
const ROWS = `SELECT range::INTEGER AS id,
  CASE WHEN range = 3 THEN repeat('the battery clause of a long contract ', 400)
       WHEN range % 2 = 0 THEN 'the battery died after a week' ELSE 'a soft strap' END AS text
  FROM range(10)`;

/** `rvbbit query --format csv SQL` against a simulator process holding every model to a 2,000-token window. */
async function queryUnderWindow(sql: string, ...more: string[]) {
  const sim = await startSimulatorProcess({ contextWindow: 2000 });
  try {
    const ran = await rvbbit(
      ['query', '--format', 'csv', sql, '--provider-url', sim.url, '--model', 'sim-small', ...more],
      { env: CLEAN },
    );
    return { ...ran, stats: await sim.stats() };
  } finally {
    await sim.close();
  }
}

test('rvbbit query: a MAP row over the window is its LLM_CONTEXT_TOO_LONG, the others answered', async () => {
  const r = await queryUnderWindow(
    `RVBBIT MAP 'traits/extract_brand' USING (SELECT id, text AS product_name FROM (${ROWS})) WITH (cache = false)`,
    '--cascades',
    CASCADES,
  );
  // 3: every statement ran, some MAP rows failed.
  assert.is(r.code, 3, r.err);
  const lines = r.out.trim().split('\n');
  assert.is(lines.length, 11);
  const failed = lines.filter((l) => l.includes('context window'));
  assert.is(failed.length, 1);
  // The cascade's own model (small-fast): the simulator holds every model to the window.
  assert.match(failed[0]!, /^3,.*the prompt has \d+ tokens; small-fast's context window is 2000 tokens/);
  // The first ask of the contract is the provider's refusal; the other nine rows answered.
  assert.is(r.stats.contextRejected, 1);
  assert.is(r.stats.completed, 9);
});

test('rvbbit query: an operator tuple over the window is NULL and stderr names it', async () => {
  const r = await queryUnderWindow(
    `-- @ cache: false\nSELECT id FROM (${ROWS}) WHERE text MEANS 'battery problems' ORDER BY id`,
  );
  assert.is(r.code, 0, r.err);
  assert.equal(r.out.trim().split('\n'), ['id', '0', '2', '4', '6', '8']);
  assert.match(
    r.err,
    /semantic_means: input \d of 3 is NULL: LLM_CONTEXT_TOO_LONG: .*context window is 2000 tokens/,
  );
});

/** Two groups of 400 reviews, each ~5,500 tokens: over a 2,000-token window, reduced in parts. */
const GROUPS = `SELECT g, LLM_SUMMARIZE(t) IS NOT NULL AS s
  FROM (SELECT range % 2 AS g, 'review ' || range || ': the battery died fast' AS t FROM range(800))
  GROUP BY g ORDER BY g`;
/**
 * One call in flight (-- @ parallel: 1): the test is about the order of the groups' asks (the first
 * refused by the provider, the next refused unsent); issue 67's default PARALLEL 8 sends both at once.
 */
const ONE_AT_A_TIME = '-- @ cache: false\n-- @ parallel: 1\n';
const costCalls = (err: string) => [...err.matchAll(/^cost: (\d+) calls?,/gm)].map((m) => Number(m[1]));

test('rvbbit query: with a window learned at run time, cost-line calls are the requests the provider saw, and EXPLAIN counts the next run', async () => {
  const sim = await startSimulatorProcess({ contextWindow: 2000 });
  try {
    const args = ['--provider-url', sim.url, '--model', 'sim-small', '--format', 'csv'];
    // One statement, run alone: its cost line against the provider's own counter.
    const first = await rvbbit(['query', ...args, `${ONE_AT_A_TIME}${GROUPS}`], { env: CLEAN });
    assert.is(first.code, 0, first.err);
    assert.equal(first.out.trim().split('\n'), ['g,s', '0,true', '1,true']);
    const seen = await sim.stats();
    // The first group's ask is the provider's refusal (the window learned); the second's is refused unsent.
    assert.is(seen.contextRejected, 1);
    assert.equal(costCalls(first.err), [seen.requests]);

    // In one session: the run (learns the window), EXPLAIN (reads it), the run again.
    const session = await rvbbit(
      [
        'query',
        ...args,
        `${ONE_AT_A_TIME}${GROUPS};\n-- @ parallel: 1\nEXPLAIN ${GROUPS};\n${ONE_AT_A_TIME}${GROUPS}`,
      ],
      { env: CLEAN },
    );
    assert.is(session.code, 0, session.err);
    const after = await sim.stats();
    const [run1, run2] = costCalls(session.err) as [number, number];
    assert.is(run1 + run2, after.requests - seen.requests);
    // A new process learns the window again (one refusal in its first run); its second run sends no whole group.
    assert.is(after.contextRejected, 2);
    const estCalls = /^est_calls,(\d+)$/m.exec(session.out);
    assert.ok(estCalls, session.out);
    assert.is(Number(estCalls[1]), run2);
    assert.is(run2, run1 - 1);
    assert.match(session.out, /reduced: 2 groups over sim-small's 2000-token window/);
  } finally {
    await sim.close();
  }
});

test.run();
