/**
 * `-- @ parallel: N` is an exact bound on operator calls in flight, reached
 * when there is enough work and latency; the calls are logged under session
 * ids naming the operator's function, with overlapping times.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture, TABLES } from './semantic-fixture.js';

const ROWS = `${TABLES}
CREATE TABLE tweets AS SELECT range::INTEGER AS id, 'tweet about sql and ai number ' || range AS text FROM range(40);`;

const test = suite<{ f: SemFixture }>('semantic: PARALLEL bound');

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): PARALLEL's bound is shown with one call per tuple (40 calls); unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  ctx.f = await startSemFixture({ operatorBatch: 1 }, { latencyMs: 40 }, ROWS);
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

for (const strategy of ['batch', 'vectorized'] as const) {
  test(`${strategy}: max in flight = parallel (8) with 40 calls of 40 ms`, async ({ f }) => {
    // Answers held until 8 are in flight (src/sim/options.ts gate): at load 15 a round's first call
    // ended before its 8th was sent (7 and 6 seen).
    await f.sim.setOptions({ gate: { requests: 8 } });
    const rows = await f.rows(
      `SELECT id, text ALIGNS WITH 'SQL is good for AI' AS score FROM tweets ORDER BY id`,
      `-- @ parallel: 8\n-- @ cache: false\n-- @ strategy: ${strategy}`,
    );
    assert.is(rows.length, 40);
    const s = await f.sim.stats();
    assert.is(s.requests, 40);
    assert.is(s.maxInFlight, 8);
  });
}

test('progress events count operator calls as they finish, ending at the total', async ({ f }) => {
  const seen: { done: number; total: number; calls: number }[] = [];
  await f.engine.query(
    `-- @ parallel: 8\n-- @ cache: false\nSELECT id FROM tweets WHERE text MEANS 'databases' ORDER BY id`,
    [],
    { onProgress: (p) => seen.push({ done: p.rowsDone, total: p.rowsTotal, calls: p.calls }) },
  );
  assert.ok(seen.length >= 2, `${seen.length} events`);
  const last = seen.at(-1)!;
  assert.equal(last, { done: 40, total: 40, calls: 40 });
  assert.is((await f.sim.stats()).requests, 40);
  assert.ok(seen.every((e, i) => i === 0 || e.done >= seen[i - 1]!.done));
});

test('sequential: one call at a time', async ({ f }) => {
  await f.rows(
    `SELECT id FROM tweets WHERE id < 5 AND text MEANS 'sql'`,
    '-- @ parallel: 8\n-- @ cache: false\n-- @ strategy: sequential',
  );
  const s = await f.sim.stats();
  assert.is(s.requests, 5);
  assert.is(s.maxInFlight, 1);
});

test('parallel 3 is never exceeded', async ({ f }) => {
  await f.sim.setOptions({ gate: { requests: 3 } });
  await f.rows(`SELECT id FROM tweets WHERE text MEANS 'ai'`, '-- @ parallel: 3\n-- @ cache: false');
  const s = await f.sim.stats();
  assert.is(s.requests, 40);
  assert.is(s.maxInFlight, 3);
});

test('unified_logs: one row per call, session ids name the function, calls overlap in time', async ({
  f,
}) => {
  const before = await f.rows(
    `SELECT count(*)::INTEGER AS n FROM rvbbit.unified_logs WHERE session_id LIKE '%semantic_aligns%'`,
  );
  await f.rows(
    `SELECT id, text ALIGNS 'SQL is good for AI' AS score FROM tweets WHERE id < 16`,
    '-- @ parallel: 16\n-- @ cache: false',
  );
  const logs = await f.rows(
    `SELECT session_id, cascade_id, epoch_ms(timestamp) AS t, duration_ms FROM rvbbit.unified_logs
     WHERE session_id LIKE '%semantic_aligns%' ORDER BY timestamp`,
  );
  const fresh = logs.slice(Number(before[0]!.n));
  assert.is(fresh.length, 16);
  assert.ok(
    fresh.every((l) => /^sql_fn_semantic_aligns_[a-z]+-[a-z]+-[0-9a-f]{6}$/.test(String(l.session_id))),
  );
  assert.ok(fresh.every((l) => l.cascade_id === 'semantic_aligns'));
  // Overlap: the 16th call started before the 1st one ended.
  const first = fresh[0]!;
  const last = fresh[fresh.length - 1]!;
  assert.ok(Number(last.t) < Number(first.t) + Number(first.duration_ms), 'calls overlap');
});

test('cancelling stops the statement: CANCELLED, and the calls not yet started never run', async ({ f }) => {
  // Answers held (a gate that never fills: PARALLEL is 2) so the statement is cancelled with exactly
  // its first 2 calls in flight, however busy the machine: a cancel on a 100 ms timer had come before
  // any call was sent at load 10, or after several rounds.
  await f.sim.setOptions({ gate: { requests: 3, timeoutMs: 60_000 } });
  const controller = new AbortController();
  const running = f.engine.query(
    `-- @ parallel: 2\n-- @ cache: false\nSELECT id FROM tweets WHERE text MEANS 'cancel me'`,
    [],
    { signal: controller.signal },
  );
  try {
    while ((await f.sim.stats()).inFlight < 2) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const err = await running.then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.is((err as { code?: string } | undefined)?.code, 'CANCELLED', String(err));
    assert.is((await f.sim.stats()).requests, 2);
  } finally {
    await f.sim.setOptions({ gate: null });
  }
});

test.run();
