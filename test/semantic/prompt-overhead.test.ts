/**
 * The shipped row-wise operators' fixed prompt overhead (issue 51): each asks
 * its question and "Answer as JSON." — the answer's shape goes as
 * response_format json_schema and in the system message, so the prompt no
 * longer spells a JSON example. Measured as OpenAI counts it (the simulator's
 * openai profile on gpt-4o-mini counts o200k tokens of the chat messages,
 * src/sim/token-count.ts): exact input tokens of one unpacked call each, the
 * same rows, "JSON" still in the user prompt (OpenAI's JSON mode, the
 * structured-output fallback, refuses a prompt without it), and the fixed
 * instructions before the row's values (prompt caching reuses a prefix).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/index.js';
import { type SimulatorProcessHandle, startSimulatorProcess } from '../../src/sim/index.js';

const test = suite<{ sim: SimulatorProcessHandle; engine: Engine }>(
  'semantic: the shipped operators’ fixed prompt overhead',
);

test.before(async (ctx) => {
  ctx.sim = await startSimulatorProcess({ profile: 'openai', record: true });
  ctx.engine = await createEngine({
    cascadeRoots: [],
    threads: 1,
    provider: { baseUrl: ctx.sim.url, model: 'gpt-4o-mini', apiKey: 'sk-test' },
  });
  await ctx.engine.query(`CREATE TABLE t AS SELECT 'eco friendly bottle 12' AS body`);
});
test.after(async ({ sim, engine }) => {
  await engine.close();
  await sim.close();
});

/** One call of each operator on the same row: its input tokens and answer (before the cut: 100, 111, 108, 96, 100, 113, 113 tokens). */
const CASES: readonly { sql: string; tokensIn: number; value: unknown }[] = [
  { sql: `SELECT body MEANS 'eco friendly' AS v FROM t`, tokensIn: 79, value: true },
  { sql: `SELECT body ABOUT 'eco friendly' AS v FROM t`, tokensIn: 98, value: 1 },
  { sql: `SELECT body ALIGNS WITH 'eco friendly' AS v FROM t`, tokensIn: 95, value: 1 },
  { sql: `SELECT body IMPLIES 'it is eco friendly' AS v FROM t`, tokensIn: 77, value: true },
  { sql: `SELECT body CONTRADICTS 'it is not eco friendly' AS v FROM t`, tokensIn: 81, value: true },
  { sql: `SELECT LLM_FILTER('is eco friendly', body) AS v FROM t`, tokensIn: 92, value: true },
  { sql: `SELECT body ~ 'eco friendly bottle' AS v FROM t`, tokensIn: 92, value: true },
];

test('TOPICS: the assign step asks without spelling its JSON (discover + assign: 2 calls, 191 input tokens; 200 before)', async ({
  sim,
  engine,
}) => {
  await sim.resetStats();
  const r = await engine.query(
    `-- @ cache: false\nSELECT TOPICS(body, 2) AS topic, count(*) AS n FROM t GROUP BY 1`,
  );
  assert.equal(
    JSON.stringify(r.rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)),
    '[{"topic":"eco friendly bottle","n":1}]',
  );
  const s = await sim.stats();
  assert.is(s.requests, 2);
  assert.is(s.tokensIn, 191);
});

for (const c of CASES) {
  test(`${c.sql}: ${c.tokensIn} input tokens in one call, the same answer`, async ({ sim, engine }) => {
    await sim.resetStats();
    const r = await engine.query(`-- @ cache: false\n${c.sql}`);
    assert.equal(
      r.rows.map((x) => x.v),
      [c.value],
    );
    const s = await sim.stats();
    assert.is(s.requests, 1);
    assert.is(s.tokensIn, c.tokensIn);
    const seen = s.promptsSeen!;
    const user = seen[0]!.messages.at(-1)!.content;
    assert.match(user, /\bJSON\b/);
    // The fixed instructions come first; the row's value is the last block.
    assert.ok(user.indexOf('JSON') < user.indexOf('<'), user);
    assert.ok(user.trimEnd().endsWith('</text>') || user.trimEnd().endsWith('</b>'), user);
  });
}

test.run();
