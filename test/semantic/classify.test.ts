/**
 * LLM_CLASSIFY answers one of its labels: the labels are the enum of the
 * cascade's output schema (sent as response_format), a non-label answer is
 * retried, and one still not a label is NULL with the calls logged as errors
 * in rvbbit.unified_logs, never a non-label. The simulator's `ignore-enum`
 * quirks make it answer outside the list.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: LLM_CLASSIFY labels');

test.before(async (ctx) => {
  ctx.f = await startSemFixture(
    {},
    { record: true, quirks: { 'sim-off-list': 'ignore-enum', 'sim-off-once': 'ignore-enum-once' } },
  );
});
test.after(async (ctx) => {
  await ctx.f.close();
});

const SQL = `SELECT category, LLM_CLASSIFY(body, 'good, bad') AS c FROM docs WHERE category <> 'other' GROUP BY category ORDER BY category`;
const CATEGORIES = ['home', 'sport', 'tech'];
const annotations = (model: string) => `-- @ model: ${model}\n-- @ cache: false`;

async function lastQueryLogs(f: SemFixture): Promise<{ status: string; error: string | null }[]> {
  const q = await f.rows(
    `SELECT query_id FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return (await f.rows(
    `SELECT status, error FROM rvbbit.unified_logs WHERE query_id = $1 ORDER BY "timestamp", status`,
    undefined,
    [q[0]!.query_id],
  )) as { status: string; error: string | null }[];
}

test('the labels are the enum of the request: every answer is a label, one call per group', async ({ f }) => {
  await f.sim.resetStats();
  const rows = await f.rows(SQL, annotations('sim-small'));
  assert.equal(
    rows.map((r) => r.category),
    CATEGORIES,
  );
  for (const r of rows) assert.ok(['good', 'bad'].includes(String(r.c)), String(r.c));
  const stats = await f.sim.stats();
  assert.is(stats.requests, 3);
  for (const seen of stats.promptsSeen ?? []) {
    assert.ok(seen.hasResponseFormat);
    // The labels go once, as the enum of the response_format (issue 67: no system message restates them).
    assert.match(JSON.stringify(seen.responseFormat), '"label":{"type":"string","enum":["good","bad"]}');
  }
  assert.ok((await lastQueryLogs(f)).every((l) => l.status === 'ok'));
});

test('a non-label answer is retried, and the retry answers a label', async ({ f }) => {
  await f.sim.resetStats();
  const rows = await f.rows(SQL, annotations('sim-off-once'));
  for (const r of rows) assert.ok(['good', 'bad'].includes(String(r.c)), String(r.c));
  assert.is(await f.requests(), 6);
  const logs = await lastQueryLogs(f);
  assert.is(logs.length, 6);
  assert.is(logs.filter((l) => l.status === 'ok').length, 3);
  const invalid = logs.filter((l) => l.status === 'error');
  assert.is(invalid.length, 3);
  for (const l of invalid) assert.match(String(l.error), /^CASCADE_OUTPUT_INVALID: .*allowed values/);
});

test('still not a label after the retry: NULL, the calls logged as errors, the statement succeeds', async ({
  f,
}) => {
  await f.sim.resetStats();
  const rows = await f.rows(SQL, annotations('sim-off-list'));
  assert.equal(rows, [
    { category: 'home', c: null },
    { category: 'sport', c: null },
    { category: 'tech', c: null },
  ]);
  // max_attempts 2: two calls per group.
  assert.is(await f.requests(), 6);
  const logs = await lastQueryLogs(f);
  assert.is(logs.length, 6);
  for (const l of logs) {
    assert.is(l.status, 'error');
    assert.match(String(l.error), /^CASCADE_OUTPUT_INVALID: the answer does not match output_schema/);
  }
  const q = await f.rows(
    `SELECT status, calls::INTEGER AS calls FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  assert.equal(q, [{ status: 'ok', calls: 6 }]);
});

test.run();
