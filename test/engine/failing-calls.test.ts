/**
 * A statement whose calls all fail is no plain success: its inputs are NULL
 * (each named in a notice, as before), rvbbit.queries' status is `partial`
 * with the count in `error`, and its `calls` are the requests sent, as the
 * simulator counted them: a call the client refused itself (over a window it
 * learned) is logged with its error but sent nothing, and is not counted.
 * The simulator over HTTP answers every request 400 context_length_exceeded,
 * or cuts every answer (finish_reason length).
 */
import * as assert from 'uvu/assert';
import { engineSuite, type Fixture } from './engine-fixture.js';

// Pinned unpacked (operatorBatch: 1): these count each tuple's failing call; unannotated statements pack since
// issue 67 (test/semantic/auto-packing.test.ts).
const c = engineSuite('engine: always-failing calls are counted and reported', { operatorBatch: 1 });

const TABLE = `CREATE OR REPLACE TABLE things AS SELECT range AS id, 'thing number ' || range AS body FROM range(20)`;
const MEANS = `-- @ cache: false\nSELECT id, body MEANS 'eco friendly' AS m FROM things`;

c.before(async ({ f }) => {
  await f.engine.query(TABLE);
});
c.after.each(({ f }) => f.sim.setOptions({ contextWindow: null, maxOutputTokens: null, quirks: {} }));

async function lastSemantic(f: Fixture) {
  const q = await f.engine.query(
    `SELECT query_id, calls::INTEGER AS calls, status, error FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  const row = q.rows[0]!;
  const logged = await f.engine.query(
    `SELECT count(*)::INTEGER AS n FROM rvbbit.unified_logs WHERE query_id = '${String(row.query_id)}' AND status = 'error'`,
  );
  return { calls: row.calls, status: row.status, error: row.error, errorRows: logged.rows[0]!.n };
}

c('a statement whose calls are answered stays ok', async ({ f }) => {
  const r = await f.engine.query(MEANS);
  assert.ok(r.rows.every((row) => typeof row.m === 'boolean'));
  const q = await lastSemantic(f);
  assert.is(q.status, 'ok');
  assert.is(q.error, null);
  assert.is(q.calls, f.sim.stats().requests);
  assert.is(q.calls, 20);
});

c('every answer cut (finish_reason length): calls = requests sent, status partial', async ({ f }) => {
  f.sim.setOptions({ quirks: { 'sim-small': 'verbose' }, maxOutputTokens: 20 });
  const r = await f.engine.query(MEANS);
  assert.is(r.rows.length, 20);
  assert.ok(r.rows.every((row) => row.m === null));
  const s = f.sim.stats();
  assert.is(s.requests, 20);
  assert.is(s.truncated, 20);
  const q = await lastSemantic(f);
  assert.is(q.calls, s.requests);
  assert.is(q.status, 'partial');
  assert.match(String(q.error), /^20 inputs are NULL: their calls failed/);
  assert.is(q.errorRows, 20);
});

// Last: its 400s teach the engine's clients a window of 10 tokens for sim-small.
c(
  'every request answered 400 context_length_exceeded: calls = requests sent, status partial',
  async ({ f }) => {
    f.sim.setOptions({ contextWindow: 10 });
    const notices: string[] = [];
    const r = await f.engine.query(MEANS, [], { onNotice: (n) => notices.push(n) });
    assert.is(r.rows.length, 20);
    assert.ok(r.rows.every((row) => row.m === null));
    const sent = f.sim.stats().requests;
    assert.ok(sent >= 1, `sent ${sent}`);
    assert.is(f.sim.stats().byStatus[400], sent);
    const q = await lastSemantic(f);
    assert.is(q.calls, sent);
    assert.is(q.status, 'partial');
    assert.is(
      q.error,
      "20 inputs are NULL: their calls failed (the statement's notices and rvbbit.unified_logs say why)",
    );
    // Every input's error is logged, sent or refused here.
    assert.is(q.errorRows, 20);
    assert.match(notices[0]!, /input \d+ of 20 is NULL: LLM_CONTEXT_TOO_LONG/);
  },
);

c.run();
