/** Statements at their edges: progress events, failing input, cache logs and keys, clear errors. */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { codeOf, ENGINE_CASCADES, productsSuite } from './engine-fixture.js';

const st = productsSuite('engine: statement edges');

st('progress events of a MAP carry the true total from the first one', async ({ f }) => {
  const seen: { done: number; total: number }[] = [];
  await f.engine.query(
    `RVBBIT MAP PARALLEL 8 'label' USING (SELECT 'progress ' || range AS text FROM range(300)) WITH (cache = false)`,
    undefined,
    { onProgress: (p) => seen.push({ done: p.rowsDone, total: p.rowsTotal }) },
  );
  assert.ok(seen.length > 1, `${seen.length} events`);
  assert.equal([...new Set(seen.map((s) => s.total))], [300]);
  assert.is(seen.at(-1)!.done, 300);
});

st('a MAP over several DuckDB chunks of input: every progress event has the final total', async ({ f }) => {
  // 5,000 rows are three DuckDB chunks: the first rows finish before the last chunk is read.
  const seen: { done: number; total: number }[] = [];
  const r = await f.engine.query(
    `RVBBIT MAP PARALLEL 32 'label' USING (SELECT 'read ahead ' || range AS text FROM range(5000)) WITH (cache = false, limit = 0)`,
    undefined,
    { onProgress: (p) => seen.push({ done: p.rowsDone, total: p.rowsTotal }) },
  );
  assert.is(r.rows.length, 5000);
  assert.equal(
    r.rows.slice(0, 2).map((row) => row.text),
    ['read ahead 0', 'read ahead 1'],
  );
  assert.equal([...new Set(seen.map((s) => s.total))], [5000]);
  assert.ok(
    seen.every((s, i) => i === 0 || s.done > seen[i - 1]!.done),
    'rowsDone only grows',
  );
  assert.is(seen.at(-1)!.done, 5000);
});

st("a USING query that fails halfway through its rows fails the MAP with DuckDB's error", async ({ f }) => {
  const sql = `RVBBIT MAP PARALLEL 16 'label' USING (
      SELECT CASE WHEN range < 3000 THEN 'fine ' || range ELSE error('bad row ' || range) END AS text FROM range(5000))
    WITH (cache = false, limit = 0)`;
  const err = await f.engine.query(sql).then(
    () => undefined,
    (e: unknown) => e as { code?: string; message: string },
  );
  assert.ok(err, 'the MAP must fail');
  // DuckDB's error() raises "Invalid Input Error: …".
  assert.is(err!.code, 'DUCKDB_INVALID_INPUT');
  assert.match(err!.message, /bad row \d+/);
  // The session goes on.
  assert.equal((await f.engine.query('SELECT 41 + 1 AS n')).rows, [{ n: 42 }]);
});

st('a cached re-run logs one unified_logs row per cache hit', async ({ f }) => {
  const sql = `RVBBIT MAP PARALLEL 3 'label' USING (SELECT 'hit me ' || range AS text FROM range(4))`;
  await f.engine.query(sql);
  await f.engine.query(sql);
  const q = await f.engine.query(
    `SELECT query_id, cache_hits FROM rvbbit.queries WHERE kind = 'map' ORDER BY started_at DESC LIMIT 1`,
  );
  assert.is(q.rows[0]!.cache_hits, 4n);
  const logs = await f.engine.query(
    `SELECT row_index, caller_id, cascade_id, cache_hit, status, answered_by, tokens_in, error
     FROM rvbbit.unified_logs WHERE query_id = $1 ORDER BY row_index`,
    [String(q.rows[0]!.query_id)],
  );
  assert.equal(
    logs.rows,
    [0, 1, 2, 3].map((i) => ({
      row_index: BigInt(i),
      caller_id: 'map',
      cascade_id: 'label',
      cache_hit: true,
      status: 'ok',
      answered_by: 'cache',
      tokens_in: 0,
      error: null,
    })),
  );
});

st('editing a cascade file changes its cache keys: the next run misses', async ({ f }) => {
  const root = mkdtempSync(join(tmpdir(), 'rvbbit-cascades-'));
  copyFileSync(join(ENGINE_CASCADES, 'label.yaml'), join(root, 'label.yaml'));
  const { createEngine } = await import('../../src/index.js');
  const engine = await createEngine({ cascadeRoots: [root], provider: { baseUrl: f.sim.url }, threads: 1 });
  try {
    const sql = `RVBBIT MAP PARALLEL 3 'label' USING (SELECT 'edit ' || range AS text FROM range(3))`;
    await engine.query(sql);
    await engine.query(sql);
    assert.is(f.sim.stats().requests, 3);
    writeFileSync(join(root, 'label.yaml'), `${readFileSync(join(root, 'label.yaml'), 'utf8')}\n# edited\n`);
    await engine.query(sql);
    assert.is(f.sim.stats().requests, 6);
    const stats = await engine.query('SELECT hits, misses FROM rvbbit.cache_stats');
    assert.equal(stats.rows, [{ hits: 3n, misses: 6n }]);
  } finally {
    await engine.close();
  }
});

st('a cascade that does not exist, or escapes the roots, is a clear error', async ({ f }) => {
  const missing = await codeOf(f.engine.query(`RVBBIT MAP 'nope/missing' USING (SELECT 1 AS x)`));
  assert.is(missing.code, 'CASCADE_NOT_FOUND');
  assert.match(missing.message, /^cascade 'nope\/missing' not found\. Searched the cascade folders /);
  assert.match(String(missing.detail['searched']), /nope\/missing,.*nope\/missing\.yaml/);
  const outside = await codeOf(f.engine.query(`RVBBIT MAP '../../etc/passwd' USING (SELECT 1 AS x)`));
  assert.is(outside.code, 'CASCADE_OUTSIDE_ROOTS');
  assert.is(f.sim.stats().requests, 0);
});

st(
  'a USING query with a DuckDB error reports the message and its position in the statement',
  async ({ f }) => {
    const err = await codeOf(f.engine.query(`RVBBIT MAP 'label'\nUSING (SELECT text\n  FROM no_such_table)`));
    assert.is(err.code, 'DUCKDB_CATALOG');
    assert.match(err.message, /no_such_table does not exist/);
    assert.equal([err.detail.line, err.detail.column], [3, 8]);
  },
);

st('a syntax error comes back with its code, position and caret', async ({ f }) => {
  const err = await codeOf(f.engine.query(`RVBBIT MAP PARALLEL 0 'label' USING (SELECT 1)`));
  assert.is(err.code, 'E_BAD_PARALLEL');
  assert.equal([err.detail.line, err.detail.column], [1, 21]);
  assert.match(err.message, /\^/);
});

st(
  'engine.stream yields plain SQL in batches straight from DuckDB; the connection stays usable',
  async ({ f }) => {
    const batches: number[] = [];
    let total = 0n;
    for await (const rows of f.engine.stream('SELECT 1; SELECT range AS i FROM range(5000)')) {
      batches.push(rows.length);
      for (const r of rows) total += r.i as bigint;
    }
    assert.equal(batches, [2048, 2048, 904]);
    assert.is(total, 12497500n);
    const after = await f.engine.query('SELECT 42 AS x');
    assert.equal(after.rows, [{ x: 42 }]);
    const mapped: unknown[] = [];
    for await (const rows of f.engine.stream(`RVBBIT MAP 'label' USING (SELECT 'streamed' AS text)`))
      mapped.push(...rows);
    assert.is(mapped.length, 1);
  },
);

st(
  'every WITH option with a wrong type or value is an error naming the key, before any call',
  async ({ f }) => {
    const bad: [string, RegExp][] = [
      ['as_table = 3', /as_table must be a non-empty string/],
      ["result_column = ''", /result_column must be a non-empty string/],
      ['dedupe_by = TRUE', /dedupe_by must be a non-empty string/],
      ['limit = -1', /limit must be an integer/],
      ["limit = 'ten'", /limit must be an integer/],
      ["cache = 'forever'", /cache/],
      ['model = NULL', /model must be a non-empty string/],
      ["on_error = 'ignore'", /on_error/],
      ["timeout = 'soon'", /timeout/],
      ['budget_dollars = 0', /budget_dollars must be a number > 0/],
      ['retries = 99', /retries must be an integer from 0 to 20/],
      ['colour = 1', /unknown .*colour.*as_table/s],
    ];
    for (const [option, message] of bad) {
      const err = await codeOf(
        f.engine.query(`RVBBIT MAP 'label' USING (SELECT 'x' AS text) WITH (${option})`),
      );
      assert.ok(['E_BAD_WITH_VALUE', 'E_UNKNOWN_WITH_KEY'].includes(err.code), `${option}: ${err.code}`);
      assert.match(err.message, message, option);
      assert.equal([err.detail.line, typeof err.detail.column], [1, 'number'], option);
    }
    assert.is(f.sim.stats().requests, 0);
  },
);

st.run();
