/**
 * The call log after many calls (issue 66): `calls` rows written through the
 * engine's own log writer (`rvbbit.unified_logs`, one row per call, each
 * with its run's session id, as a MAP logs them), then
 * `SELECT count(*) FROM rvbbit.unified_logs WHERE session_id = …` timed
 * (median of 9, each a different session), the plan printed, and the
 * process's RSS and the log database's size reported.
 *
 *   flock /work/notes/heavy.lock node --import tsx bench/logs-query.bench.ts [calls] [--db file]
 *
 * Target: ≤ 100 ms at 1,000,000 calls. An in-memory database's log keeps its
 * newest 200,000 calls (obs/log-retention.ts): the probes are sessions among
 * them; a database file keeps every call, and they are spread over all.
 */
import { sessionId } from '../src/cascade/session-id.js';
import { createEngine } from '../src/engine/engine.js';
import { DEFAULT_MAX_LOG_ROWS } from '../src/obs/log-retention.js';
import { type CallOrigin, loggedCall } from '../src/obs/log-writer.js';

const calls = Number(process.argv[2] ?? 1_000_000);
const dbFlag = process.argv.indexOf('--db');
const database = dbFlag > 0 ? process.argv[dbFlag + 1] : undefined;
const BATCH = 2048;
const TARGET_MS = 100;

const engine = await createEngine(database ? { database } : {});
const logs = engine.shared.logs;
const origin: CallOrigin = { callerId: 'map', queryId: 'bench-query', cascadeId: 'bench' };
const probes: string[] = [];
// The calls the log keeps: the probes are spread over them.
const kept = database ? calls : Math.min(calls, DEFAULT_MAX_LOG_ROWS);
const firstKept = calls - kept;
const t0 = performance.now();
for (let at = 0; at < calls; at += BATCH) {
  const n = Math.min(BATCH, calls - at);
  const rows = Array.from({ length: n }, (_, i) => {
    const id = sessionId('udf');
    const k = at + i - firstKept;
    if (k >= 0 && k % Math.floor(kept / 9) === 0 && probes.length < 9) probes.push(id);
    return loggedCall(
      origin,
      { sessionId: id, index: at + i },
      {
        cell: 'main',
        model: 'sim-small',
        started_at: Date.now(),
        duration_ms: 1,
        tokens_in: 40,
        tokens_out: 4,
        cost: 0.00001,
        status: 'ok',
      },
    );
  });
  await logs.calls(rows);
}
await logs.flush();
const writeS = (performance.now() - t0) / 1000;

const times: number[] = [];
for (const id of probes) {
  const t = performance.now();
  const r = await engine.query('SELECT count(*) AS n FROM rvbbit.unified_logs WHERE session_id = $1', [id]);
  times.push(performance.now() - t);
  if (Number(r.rows[0]!.n) !== 1) throw new Error(`session ${id}: ${String(r.rows[0]!.n)} rows, expected 1`);
}
// The same path's fixed cost: a statement that reads nothing.
const baseline: number[] = [];
for (let i = 0; i < 9; i++) {
  const t = performance.now();
  await engine.query('SELECT 1');
  baseline.push(performance.now() - t);
}
const plan = await engine.query(
  `EXPLAIN SELECT count(*) FROM rvbbit.unified_logs WHERE session_id = '${probes[0]}'`,
);
const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const median = medianOf(times);
const size = await engine.query(`SELECT sum(memory_usage_bytes) AS bytes FROM duckdb_memory()`);
const held = await engine.query('SELECT count(*)::DOUBLE AS n FROM rvbbit.unified_logs');
console.log(
  `${calls} calls logged in ${writeS.toFixed(1)} s (${database ?? 'in-memory database'}); the log holds ${Number(held.rows[0]!.n)}`,
);
console.log(
  `count by session: median ${median.toFixed(1)} ms of ${times.length} (${times.map((t) => t.toFixed(0)).join(', ')}); target ≤ ${TARGET_MS} ms ${median <= TARGET_MS ? 'met' : 'MISSED'}`,
);
console.log(`engine.query('SELECT 1') on the same engine: median ${medianOf(baseline).toFixed(1)} ms`);
console.log(
  `RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB; DuckDB's buffer memory ${(Number(size.rows[0]!.bytes) / 2 ** 20).toFixed(0)} MB`,
);
console.log(
  String(plan.rows.map((r) => r['explain_value']).join('\n'))
    .split('\n')
    .filter((l) => /Type:|SEQ_SCAN|INDEX/.test(l))
    .join('\n'),
);
await engine.close();
