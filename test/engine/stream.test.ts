import * as assert from 'uvu/assert';
import type { Engine } from '../../src/index.js';
import { until } from '../llm/helpers.js';
import { engineSuite, productsSql } from './engine-fixture.js';

const st = engineSuite('engine: stream');

type Row = Record<string, unknown>;

async function collect(engine: Engine, sql: string): Promise<{ batches: number[]; rows: Row[] }> {
  const batches: number[] = [];
  const rows: Row[] = [];
  for await (const batch of engine.stream(sql)) {
    batches.push(batch.length);
    rows.push(...batch);
  }
  return { batches, rows };
}

/** A streamed row without `_error`, which a stream always carries and engine.query only on failure. */
const withoutError = ({ _error, ...row }: Row) => row;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The simulator's request count once it holds still (the same over 300 ms): when a MAP held back
 * or cancelled has stopped calling. Waited for, not assumed after a fixed sleep: on a loaded
 * machine the calls already started can take seconds to end. A MAP that never stops fails here.
 */
async function requestsOnceStill(
  f: { sim: { stats(): { requests: number } } },
  what: string,
): Promise<number> {
  const limitMs = 60_000;
  const began = performance.now();
  let last = f.sim.stats().requests;
  for (;;) {
    await sleep(300);
    const now = f.sim.stats().requests;
    if (now === last) return now;
    if (performance.now() - began > limitMs)
      throw new Error(`still calling after ${limitMs} ms (${now} requests): ${what}`);
    last = now;
  }
}
const labelMap = (n: number, parallel: number, extra = '') =>
  `RVBBIT MAP PARALLEL ${parallel} 'label' AS label
   USING (SELECT id, product_name AS text FROM (${productsSql(n)})) WITH (cache = false, limit = 0${extra})`;

async function lastMapQuery(engine: Engine): Promise<Row> {
  const q = await engine.query(
    `SELECT query_id, rows_in, rows_out, calls, status FROM rvbbit.queries WHERE kind IN ('map', 'MapStatement')
     ORDER BY started_at DESC LIMIT 1`,
  );
  return q.rows[0]!;
}

st('plain SQL over 10,000 rows streams in several batches equal to engine.query rows', async ({ f }) => {
  const sql = `SELECT range AS i, range::INTEGER AS n, 'row ' || range AS s, DATE '2024-01-01' + range::INTEGER AS d,
    [range, 1] AS l, {'k': range} AS st, range / 3 AS q FROM range(10000)`;
  const streamed = await collect(f.engine, sql);
  assert.ok(streamed.batches.length > 1, `${streamed.batches.length} batch(es)`);
  assert.ok(streamed.batches.every((n) => n > 0 && n <= 2048));
  assert.equal(streamed.rows, (await f.engine.query(sql)).rows as Row[]);
});

st('values stay intact after their DuckDB chunk is released: long strings, blobs, lists', async ({ f }) => {
  // Each chunk's data is freed as soon as it is converted (releaseChunk); a
  // value still pointing into it would read freed memory here.
  const sql = `SELECT range AS i, repeat('lorem ipsum ', 90) || range AS s, ('bytes-' || repeat('b', 40) || range)::BLOB AS b,
    [repeat('y', 30) || range] AS l FROM range(6000)`;
  const streamed = await collect(f.engine, sql);
  const expected = (await f.engine.query(sql)).rows as Row[];
  assert.equal(streamed.rows.length, 6000);
  assert.equal(streamed.rows, expected);
  assert.equal(streamed.rows[5999]!.s, `${'lorem ipsum '.repeat(90)}5999`);
  assert.equal(Buffer.from(streamed.rows[17]!.b as Uint8Array).toString(), `bytes-${'b'.repeat(40)}17`);
  // The MAP's input pages come from released chunks too.
  const map = await collect(
    f.engine,
    `RVBBIT MAP PARALLEL 8 'label' AS label USING (SELECT range AS id, repeat('z', 500) || range AS text FROM range(3000))
     WITH (cache = false, limit = 0)`,
  );
  assert.equal(map.rows.length, 3000);
  map.rows.forEach((r, i) => {
    assert.equal(r.id, BigInt(i));
    assert.equal(r.text, `${'z'.repeat(500)}${i}`);
  });
});

st('sessions read streaming results with a small look-ahead (streaming_buffer_size)', async ({ f }) => {
  const q = await f.engine.query(`SELECT current_setting('streaming_buffer_size') AS v`);
  assert.equal(q.rows, [{ v: '62.5 KiB' }]);
});

st('a plain SQL stream is read as consumed: breaking out of 10^9 rows returns at once', async ({ f }) => {
  const firstBatch = async () => {
    for await (const batch of f.engine.stream('SELECT range AS i FROM range(1000000000)')) return batch;
    return [];
  };
  // Materialising 10^9 rows would take minutes (and gigabytes) before the first batch.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('no first batch within 5 s: the result is not streamed')),
      5000,
    );
  });
  const first = await Promise.race([firstBatch(), timeout]).finally(() => clearTimeout(timer));
  assert.equal(first[0], { i: 0n });
  // The abandoned stream released the session: its next statements run.
  assert.equal((await f.engine.query('SELECT 42 AS x')).rows, [{ x: 42 }]);
});

st(
  'a 2,000-row MAP streamed equals engine.query in exact order, with completions out of order',
  async ({ f }) => {
    f.sim.setOptions({ latency: { dist: 'lognormal', medianMs: 4, sigma: 1 } });
    const sql = labelMap(2000, 16);
    const streamed = await collect(f.engine, sql);
    const stats = f.sim.stats();
    assert.is(stats.requests, 2000);
    assert.ok(stats.maxInFlight <= 16, `${stats.maxInFlight} in flight`);
    assert.ok(streamed.batches.length > 1);
    assert.ok(streamed.batches.every((n) => n > 0 && n <= 2048));
    const log = await lastMapQuery(f.engine);
    assert.equal(
      { ...log, query_id: undefined },
      { query_id: undefined, rows_in: 2000n, rows_out: 2000n, calls: 2000n, status: 'ok' },
    );
    // Rows finished out of order (some row ended before an earlier one), yet came out in order.
    const late = await f.engine.query(
      `SELECT count(*)::INTEGER AS n FROM (
         SELECT epoch_ms("timestamp") + duration_ms AS ended,
                max(epoch_ms("timestamp") + duration_ms) OVER (ORDER BY row_index ROWS UNBOUNDED PRECEDING) AS latest
         FROM rvbbit.unified_logs WHERE query_id = $1) WHERE ended < latest`,
      [String(log.query_id)],
    );
    assert.ok(Number(late.rows[0]!.n) > 0, 'completions came back out of order');
    assert.ok(streamed.rows.every((r) => Object.keys(r).at(-1) === '_error' && r._error === null));

    f.sim.resetStats();
    const queried = await f.engine.query(sql);
    assert.is(f.sim.stats().requests, 2000);
    assert.equal(
      streamed.rows.map((r) => r.id),
      Array.from({ length: 2000 }, (_, i) => i),
    );
    assert.equal(streamed.rows.map(withoutError), queried.rows as Row[]);
  },
);

st('typed AS columns come out cast exactly as engine.query casts them, _error included', async ({ f }) => {
  const typed = `RVBBIT MAP PARALLEL 4 'brand' AS (brand VARCHAR, confidence DOUBLE)
    USING (SELECT id, product_name FROM (${productsSql(300)})) WITH (cache = false)`;
  const streamed = await collect(f.engine, typed);
  const queried = await f.engine.query(typed);
  assert.is(streamed.rows.length, 300);
  assert.equal(streamed.rows.map(withoutError), queried.rows as Row[]);
  assert.ok(streamed.rows.every((r) => typeof r.confidence === 'number' && r._error === null));

  // Fields that do not fit: NULL values and the same `_error` text as engine.query.
  const wrong = `RVBBIT MAP 'wrong_shape' AS ("when" DATE, size INTEGER, missing VARCHAR)
    USING (SELECT 'a parcel ' || range AS text FROM range(3)) WITH (cache = false)`;
  const bad = await collect(f.engine, wrong);
  assert.equal(bad.rows, (await f.engine.query(wrong)).rows as Row[]);
  assert.match(String(bad.rows[0]!._error), /column when: cannot cast \w+ to DATE/);
});

st("a row that fails carries its _error; on_error = 'fail' ends the stream with the error", async ({ f }) => {
  f.sim.setOptions({ errorRate: 0.3, seed: 7 });
  const { rows } = await collect(f.engine, labelMap(200, 8, ', retries = 1'));
  assert.is(rows.length, 200);
  const failed = rows.filter((r) => r._error !== null);
  assert.ok(failed.length > 0 && failed.length < 200, `${failed.length} failed`);
  for (const r of failed) {
    assert.match(String(r._error), /500/);
    assert.match(String(r.label), /^ERROR: /);
  }
  assert.ok(rows.filter((r) => r._error === null).every((r) => !String(r.label).startsWith('ERROR')));
  // With retries = 1 each failed row is exactly one 500.
  assert.is(f.sim.stats().byStatus['500'], failed.length);

  f.sim.setOptions({ errorRate: 1 });
  const yielded: Row[] = [];
  try {
    for await (const batch of f.engine.stream(labelMap(50, 4, ", retries = 1, on_error = 'fail'")))
      yielded.push(...batch);
    assert.unreachable('should have failed');
  } catch (err) {
    assert.is((err as { code: string }).code, 'MAP_ROW_FAILED');
  }
  assert.ok(yielded.every((r) => r._error === null));
  assert.is((await lastMapQuery(f.engine)).status, 'error');
});

st(
  'breaking after the first batch of a 5,000-row MAP stops the calls; the engine runs the next query',
  async ({ f }) => {
    f.sim.setOptions({ latencyMs: 20 });
    let first = 0;
    let atBreak = 0;
    for await (const batch of f.engine.stream(labelMap(5000, 8))) {
      first = batch.length;
      atBreak = f.sim.stats().requests;
      break;
    }
    assert.ok(first > 0);
    const stopped = await requestsOnceStill(f, 'after the stream was closed');
    // At most the calls already on the wire when the consumer stopped (PARALLEL 8), plus one
    // round that was starting; not the thousands a running MAP would make (a loaded machine
    // may take long to yield the first batch, so the count before the break is not bounded).
    assert.ok(stopped - atBreak <= 16, `${stopped - atBreak} calls after the break`);
    assert.ok(stopped < 5000 / 2, `${stopped} calls`);
    assert.ok(f.sim.stats().maxInFlight <= 8);
    // The calls on the wire at the break release their slots once their answers are read (a loaded
    // worker may read them after the requests stopped): none is left held.
    await until(
      () => f.engine.shared.provider.gate.snapshot().inFlight === 0,
      'the gate released every slot',
    );
    const log = await lastMapQuery(f.engine);
    assert.equal([log.status, log.rows_out], ['cancelled', BigInt(first)]);

    f.sim.setOptions({ latencyMs: 0 });
    assert.equal((await f.engine.query('SELECT 42 AS x')).rows, [{ x: 42 }]);
    const again = await f.engine.query(labelMap(20, 4));
    assert.is(again.rows.length, 20);
  },
);

st('a consumer that stops pulling holds the MAP back: reading stops far short of N', async ({ f }) => {
  const n = 20_000;
  const stream = f.engine.stream(labelMap(n, 16));
  try {
    const first = await stream.next();
    assert.ok(!first.done);
    const paused = await requestsOnceStill(f, 'while nobody reads');
    // Bounded by the reorder limit (about a thousand rows here), not by N.
    assert.ok(paused < 4000, `${paused} calls made ahead of the consumer`);
    let count = first.value.length;
    let next = first.value.length;
    for await (const batch of stream) {
      for (const r of batch) assert.is(r.id, next++);
      count += batch.length;
    }
    assert.ok(first.value.every((r, i) => r.id === i));
    assert.is(count, n);
    assert.is(f.sim.stats().requests, n);
  } finally {
    // A failed assertion must not leave the stream holding the session's connection: the next
    // test would wait for it forever (CI's run of 2026-11-28 did, until the runner's file limit).
    await stream.return(undefined);
  }
});

st('a DuckDB error in USING names the line and column; the session stays usable', async ({ f }) => {
  const codeOf = async (sql: string) => {
    try {
      for await (const _ of f.engine.stream(sql)) {
      }
    } catch (err) {
      return err as { code: string; message: string; detail: Record<string, unknown> };
    }
    throw new Error('expected an error');
  };
  const err = await codeOf(`RVBBIT MAP 'label'\nUSING (SELECT text\n  FROM no_such_table)`);
  assert.is(err.code, 'DUCKDB_CATALOG');
  assert.match(err.message, /no_such_table does not exist/);
  assert.equal([err.detail.line, err.detail.column], [3, 8]);
  // An error raised while rows are already flowing (row 3000 does not cast).
  const late = await codeOf(
    `RVBBIT MAP PARALLEL 8 'label' USING (SELECT (CASE WHEN range < 3000 THEN range::VARCHAR ELSE 'x' END)::INTEGER AS text
     FROM range(4000)) WITH (cache = false, limit = 0)`,
  );
  assert.is(late.code, 'DUCKDB_CONVERSION');
  const sqlErr = await codeOf('SELECT 1 AS a;\nSELECT nope FROM range(3)');
  assert.is(sqlErr.code, 'DUCKDB_BINDER');
  assert.equal(sqlErr.detail.line, 2);
  assert.equal((await f.engine.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
});

st.run();
