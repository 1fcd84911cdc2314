/**
 * The shipped row-wise operators' fixed prompt overhead (issues 51 and 67):
 * each prompt asks its question and states the row's values, nothing else.
 * The answer's shape (its JSON Schema, an enum's labels) is stated once: as
 * `response_format` json_schema when the model takes it, and then in no
 * message; as one system message from the client when the model is in JSON
 * mode or prompt mode (src/llm/request-body.ts). Measured as OpenAI counts
 * it (the simulator's openai profile on gpt-4o-mini counts o200k tokens of
 * the chat messages, src/sim/token-count.ts): exact input tokens of one
 * unpacked call each, the same rows, the fixed instructions before the row's
 * values (prompt caching reuses a prefix). Since issue 67's cost model the
 * simulator counts the response_format's schema in prompt_tokens too, as
 * OpenAI does (token-count.ts schemaPromptTokens): each figure is the
 * messages' tokens (the targets, as before) plus the schema's.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/index.js';
import {
  type SimulatorOptions,
  type SimulatorProcessHandle,
  startSimulatorProcess,
} from '../../src/sim/index.js';
import type { SeenRequest } from '../../src/sim/stats.js';
import { schemaPromptTokens } from '../../src/sim/token-count.js';

interface Side {
  readonly sim: SimulatorProcessHandle;
  readonly engine: Engine;
}

/** An engine on gpt-4o-mini against a simulator child started with `options`, and the test table. */
async function side(options: SimulatorOptions): Promise<Side> {
  const sim = await startSimulatorProcess({ record: true, ...options });
  const engine = await createEngine({
    cascadeRoots: [],
    threads: 1,
    provider: {
      baseUrl: sim.url,
      model: 'gpt-4o-mini',
      apiKey: 'sk-test',
      backoff: { baseMs: 5, maxMs: 50 },
    },
    onWarning: () => {},
  });
  // 'eco friendly bottle 12' is 5 o200k tokens.
  await engine.query(`CREATE TABLE t AS SELECT 'eco friendly bottle 12' AS body`);
  return { sim, engine };
}

/** The prompt tokens a request's json_schema response_format added (none without one). */
function schemaTokens(seen: SeenRequest): number {
  const rf = seen.responseFormat as
    | { type?: string; json_schema?: { schema?: Record<string, unknown> } }
    | undefined;
  const schema = rf?.type === 'json_schema' ? rf.json_schema?.schema : undefined;
  return schema ? schemaPromptTokens(schema, 'gpt-4o-mini') : 0;
}

/** One statement, its cache off: its values, the simulator's counters and the requests it saw. */
async function run({ sim, engine }: Side, sql: string) {
  await sim.resetStats();
  const r = await engine.query(`-- @ cache: false\n${sql}`);
  const stats = await sim.stats();
  return { values: r.rows.map((x) => x.v), stats, seen: stats.promptsSeen! };
}

const test = suite<{ openai: Side; jsonMode: Side; promptMode: Side }>(
  'semantic: the shipped operators’ fixed prompt overhead',
);

test.before(async (ctx) => {
  ctx.openai = await side({ profile: 'openai' });
  // DeepSeek's API: json_schema refused, JSON mode taken (it needs "json" in some message).
  ctx.jsonMode = await side({ profile: 'json-object-only' });
  // A model that takes no response_format at all: the schema goes in the prompt.
  ctx.promptMode = await side({ quirks: { 'gpt-4o-mini': 'reject-response-format' } });
});
test.after(async (ctx) => {
  for (const s of [ctx.openai, ctx.jsonMode, ctx.promptMode]) {
    await s.engine.close();
    await s.sim.close();
  }
});

const LABELS = ['eco bottle', 'running shoe', 'kitchen knife'] as const;
const CLASSIFY = `SELECT CLASSIFY(body, '${LABELS.join(',')}') AS v FROM t`;
const QUESTION = `'Which product kind is it', body`;
const AS_VARCHAR = `SELECT LLM(${QUESTION}) AS v FROM t`;
const AS_ENUM = `SELECT LLM(${QUESTION} RETURNING ENUM(${LABELS.map((l) => `'${l}'`).join(', ')})) AS v FROM t`;

/**
 * One call of each operator on the same row: its messages' input tokens, the
 * response_format schema's, and its answer.
 * Before issue 67 (the schema in a system message too, "Answer as JSON." in
 * the prompt): 79, 98, 95, 77, 81, 92, 92, 111, 136; before issue 51: 100,
 * 111, 108, 96, 100, 113, 113 (messages alone: the simulator did not count the schema).
 */
const CASES: readonly { sql: string; messages: number; schema: number; value: unknown }[] = [
  { sql: `SELECT body MEANS 'eco friendly' AS v FROM t`, messages: 40, schema: 23, value: true },
  { sql: `SELECT body ABOUT 'eco friendly' AS v FROM t`, messages: 53, schema: 31, value: 1 },
  { sql: `SELECT body ALIGNS WITH 'eco friendly' AS v FROM t`, messages: 50, schema: 31, value: 1 },
  { sql: `SELECT body IMPLIES 'it is eco friendly' AS v FROM t`, messages: 40, schema: 23, value: true },
  {
    sql: `SELECT body CONTRADICTS 'it is not eco friendly' AS v FROM t`,
    messages: 44,
    schema: 23,
    value: true,
  },
  { sql: `SELECT LLM_FILTER('is eco friendly', body) AS v FROM t`, messages: 53, schema: 23, value: true },
  { sql: `SELECT body ~ 'eco friendly bottle' AS v FROM t`, messages: 55, schema: 23, value: true },
  { sql: CLASSIFY, messages: 28, schema: 36, value: 'eco bottle' },
  { sql: AS_ENUM, messages: 48, schema: 36, value: 'eco bottle' },
];

test('TOPICS: the assign step asks without spelling its JSON (discover + assign: 2 calls, 171 input tokens with both schemas, 108 in the messages; 191 before issue 67, 200 before issue 51)', async ({
  openai,
}) => {
  const { sim, engine } = openai;
  await sim.resetStats();
  const r = await engine.query(
    `-- @ cache: false\nSELECT TOPICS(body, 2) AS topic, count(*) AS n FROM t GROUP BY 1`,
  );
  assert.equal(
    JSON.stringify(r.rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)),
    // The simulator's topic is a seeded draw from the text's words, seeded by the messages: it changed with them.
    '[{"topic":"friendly bottle eco","n":1}]',
  );
  const s = await sim.stats();
  assert.is(s.requests, 2);
  assert.is(s.tokensIn, 171);
  assert.is(s.tokensIn - s.promptsSeen!.reduce((n, seen) => n + schemaTokens(seen), 0), 108);
});

for (const c of CASES) {
  test(`${c.sql}: ${c.messages} + ${c.schema} (schema) input tokens in one call, one user message, the same answer`, async ({
    openai,
  }) => {
    const { values, stats, seen } = await run(openai, c.sql);
    assert.equal(values, [c.value]);
    assert.is(stats.requests, 1);
    assert.is(stats.tokensIn, c.messages + c.schema);
    assert.is(schemaTokens(seen[0]!), c.schema);
    // The schema went as response_format and nowhere else: no system message restating it.
    assert.is(seen[0]!.hasResponseFormat, true);
    assert.equal(
      seen[0]!.messages.map((m) => m.role),
      ['user'],
    );
    const user = seen[0]!.messages[0]!.content;
    assert.not.match(user, /JSON|"type"|comma-separated/);
    // The fixed instructions come first; the row's value is the last block.
    assert.ok(user.indexOf('\n') < user.indexOf('<'), user);
    assert.ok(user.trimEnd().endsWith('</text>') || user.trimEnd().endsWith('</b>'), user);
  });
}

test('one unpacked MEANS call over a 5-token text: ≤ 40 input tokens in its messages (76–79 before issue 67), 23 more its schema', async ({
  openai,
}) => {
  const { stats, seen } = await run(openai, `SELECT body MEANS 'eco friendly' AS v FROM t`);
  const messages = stats.tokensIn - schemaTokens(seen[0]!);
  assert.ok(messages <= 40, String(messages));
  assert.is(stats.tokensIn, 63);
});

test('labels are stated once: an ENUM question’s messages cost ≤ 1.1× the same question returning VARCHAR (48 vs 48; 136 vs 110 before); with the schemas, where the labels are, 84 vs 71', async ({
  openai,
}) => {
  const asText = await run(openai, AS_VARCHAR);
  const asLabel = await run(openai, AS_ENUM);
  const messages = (r: typeof asText) => r.stats.tokensIn - schemaTokens(r.seen[0]!);
  assert.is(messages(asText), 48);
  assert.is(messages(asLabel), 48);
  assert.ok(messages(asLabel) <= 1.1 * messages(asText));
  assert.is(asText.stats.tokensIn, 71);
  assert.is(asLabel.stats.tokensIn, 84);
  // The labels reached the model in response_format alone: the answer is one of them, by the text's words.
  assert.equal(asLabel.values, ['eco bottle']);
  for (const l of LABELS) assert.not.ok(asLabel.seen[0]!.messages.some((m) => m.content.includes(l)));
});

/** How often `needle` occurs in the request's messages. */
function occurrences(seen: { messages: readonly { content: string }[] }, needle: string): number {
  return seen.messages.reduce((n, m) => n + m.content.split(needle).length - 1, 0);
}

for (const mode of ['jsonMode', 'promptMode'] as const) {
  test(`${mode}: the schema and its labels are stated once, in the client's system message; the same answers`, async (ctx) => {
    const s = ctx[mode];
    // The first call of the model meets the refusal and moves it down (llm/structured.ts): not measured.
    await run(s, `SELECT body MEANS 'warm up' AS v FROM t`);
    for (const c of CASES) {
      const { values, stats, seen } = await run(s, c.sql);
      assert.equal(values, [c.value], c.sql);
      assert.is(stats.requests, 1, c.sql);
      assert.is(seen[0]!.hasResponseFormat, mode === 'jsonMode', c.sql);
      assert.equal(
        seen[0]!.messages.map((m) => m.role),
        ['system', 'user'],
        c.sql,
      );
      assert.is(occurrences(seen[0]!, 'JSON Schema'), 1, c.sql);
      assert.is(occurrences(seen[0]!, '"type":"object"'), 1, c.sql);
    }
    for (const sql of [CLASSIFY, AS_ENUM]) {
      const { seen } = await run(s, sql);
      for (const l of LABELS) assert.is(occurrences(seen[0]!, l), 1, `${sql}: ${l}`);
    }
  });
}

test.run();
