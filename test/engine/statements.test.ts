import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ENGINE_CASCADES, type Fixture, productsSql, startFixture } from './engine-fixture.js';

const st = suite<{ f: Fixture }>('engine: statements');

st.before(async (ctx) => {
  ctx.f = await startFixture();
  await ctx.f.engine.query(
    `CREATE TABLE products AS SELECT * FROM (VALUES
       (1, 'Apple iPhone 15', 'electronics', 999.0), (2, 'Sony WH-1000XM5', 'electronics', 349.0),
       (3, 'YETI Rambler', 'outdoor', 35.0), (4, 'OXO Salad Spinner', 'kitchen', 29.99)) t(id, product_name, category, price)`,
  );
});
st.after(async (ctx) => {
  await ctx.f.close();
});
st.before.each((ctx) => {
  ctx.f.sim.resetStats();
});

const codeOf = async (
  p: Promise<unknown>,
): Promise<{ code: string; message: string; detail: Record<string, unknown> }> => {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string; detail: Record<string, unknown> };
  }
  throw new Error('expected an error');
};

st('plain SQL passes through, with $1 parameters; several statements give the last result', async ({ f }) => {
  const r = await f.engine.query(
    'SELECT 1 AS a; SELECT id, product_name FROM products WHERE price > $1 ORDER BY id',
    [300],
  );
  assert.equal(r.rows, [
    { id: 1, product_name: 'Apple iPhone 15' },
    { id: 2, product_name: 'Sony WH-1000XM5' },
  ]);
  assert.equal(r.columns, [
    { name: 'id', type: 'INTEGER' },
    { name: 'product_name', type: 'VARCHAR' },
  ]);
});

st(
  '$1 parameters bind inside a MAP USING query and in EXPLAIN; JSON columns keep their type name',
  async ({ f }) => {
    const r = await f.engine.query(
      `RVBBIT MAP PARALLEL 2 'label' USING (SELECT product_name AS text FROM products WHERE price > $1 ORDER BY id)`,
      [300],
    );
    assert.equal(
      r.rows.map((row) => row.text),
      ['Apple iPhone 15', 'Sony WH-1000XM5'],
    );
    const e = await f.engine.query(
      `EXPLAIN (FORMAT JSON) RVBBIT MAP 'label' USING (SELECT product_name AS text FROM products WHERE price > $1)`,
      [300],
    );
    assert.equal(e.columns, [{ name: 'explain', type: 'JSON' }]);
    assert.is(JSON.parse(String(e.rows[0]!.explain)).input_rows, 2);
  },
);

st('RUN writes the input table and runs the cascade once over it, sql_data reading it', async ({ f }) => {
  const r = await f.engine.query(
    `RVBBIT RUN 'summarize_table' USING (SELECT * FROM products WHERE category = 'electronics') WITH (as_table = 'electronics_batch')`,
  );
  assert.equal(
    r.columns.map((c) => c.name),
    ['status', 'session_id', 'table_created', 'row_count', 'outputs', 'error', 'duration_ms', 'cost'],
  );
  const row = r.rows[0]!;
  assert.is(row.status, 'success');
  assert.match(String(row.session_id), /^batch-[a-z]+-[a-z]+-[0-9a-f]{6}$/);
  assert.is(row.table_created, 'electronics_batch');
  assert.is(row.row_count, 2n);
  assert.is(row.error, null);
  const outputs = JSON.parse(String(row.outputs));
  assert.equal(outputs.load.rows, [{ category: 'electronics', n: 2 }]);
  assert.type(outputs.analyze.summary, 'string');
  assert.is(f.sim.stats().requests, 1);
  const t = await f.engine.query('SELECT count(*)::INTEGER AS n FROM electronics_batch');
  assert.equal(t.rows, [{ n: 2 }]);
});

st('RUN ASYNC returns at once with status running; rvbbit.jobs has the final row', async ({ f }) => {
  f.sim.setOptions({ latencyMs: 150 });
  const r = await f.engine.query(`RVBBIT RUN ASYNC 'summarize_table' USING (SELECT * FROM products)`);
  f.sim.setOptions({ latencyMs: 0 });
  const id = String(r.rows[0]!.session_id);
  assert.is(r.rows[0]!.status, 'running');
  const running = await f.engine.query('SELECT status FROM rvbbit.jobs WHERE session_id = $1', [id]);
  assert.equal(running.rows, [{ status: 'running' }]);
  let status = 'running';
  for (let i = 0; i < 50 && status === 'running'; i++) {
    await new Promise((res) => setTimeout(res, 50));
    const j = await f.engine.query('SELECT status, row_count FROM rvbbit.jobs WHERE session_id = $1', [id]);
    status = String(j.rows[0]!.status);
  }
  assert.is(status, 'success');
});

st('EXPLAIN makes no LLM call and counts rows, distinct rows, cache hits and calls', async ({ f }) => {
  const sql = `RVBBIT MAP PARALLEL 10 DISTINCT 'label' USING (SELECT product_name AS text FROM (${productsSql(30, 6)}))`;
  const before = JSON.parse(String((await f.engine.query(`EXPLAIN (FORMAT JSON) ${sql}`)).rows[0]!.explain));
  assert.is(f.sim.stats().requests, 0);
  assert.equal(
    [
      before.input_rows,
      before.distinct_rows,
      before.cache_hits_expected,
      before.cascade_runs,
      before.llm_calls,
    ],
    [30, 6, 0, 6, 6],
  );
  assert.equal(before.models, ['sim-small']);
  assert.ok(before.est_tokens_in > 0 && before.est_dollars > 0);
  await f.engine.query(sql);
  assert.is(f.sim.stats().requests, 6);
  const after = JSON.parse(String((await f.engine.query(`EXPLAIN (FORMAT JSON) ${sql}`)).rows[0]!.explain));
  assert.equal([after.cache_hits_expected, after.cascade_runs, after.llm_calls], [6, 0, 0]);
  const text = await f.engine.query(`EXPLAIN ${sql}`);
  assert.ok(text.rows.some((r) => r.property === 'distinct_rows' && r.value === '6'));
  assert.is(f.sim.stats().requests, 6);
  // DISTINCT copies its input first; a plain MAP streams the USING query itself.
  assert.match(after.sql, /^CREATE TEMP TABLE <input> AS SELECT \* FROM \(/);
  const plain = JSON.parse(
    String((await f.engine.query(`EXPLAIN (FORMAT JSON) ${sql.replace(' DISTINCT', '')}`)).rows[0]!.explain),
  );
  assert.match(plain.sql, /^SELECT \* FROM \(\nSELECT product_name AS text/);
});

st(
  'CREATE TABLE … AS RVBBIT MAP and WITH (as_table) write the rows and return a metadata row',
  async ({ f }) => {
    const a = await f.engine.query(
      `CREATE TABLE labelled AS RVBBIT MAP PARALLEL 4 'label' USING (SELECT product_name AS text FROM products)`,
    );
    assert.equal(
      { ...a.rows[0], session_id: undefined },
      {
        status: 'success',
        table_created: 'labelled',
        row_count: 4n,
        columns: '["text","result"]',
        session_id: undefined,
      },
    );
    const b = await f.engine.query(
      `RVBBIT MAP 'label' USING (SELECT product_name AS text FROM products) WITH (as_table = 'labelled2')`,
    );
    assert.is(b.rows[0]!.row_count, 4n);
    const rows = await f.engine.query('SELECT text FROM labelled2');
    assert.equal(
      rows.rows.map((r) => r.text),
      ['Apple iPhone 15', 'Sony WH-1000XM5', 'YETI Rambler', 'OXO Salad Spinner'],
    );
  },
);

st(
  'every LLM call is a row of rvbbit.unified_logs; every statement a row of rvbbit.queries',
  async ({ f }) => {
    await f.engine.query(
      `RVBBIT MAP PARALLEL 3 'label' USING (SELECT 'log me ' || range AS text FROM range(5)) WITH (cache = false)`,
    );
    const q = await f.engine.query(
      `SELECT query_id, rows_in, rows_out, calls, status FROM rvbbit.queries WHERE kind = 'map' ORDER BY started_at DESC LIMIT 1`,
    );
    assert.equal(
      { ...q.rows[0], query_id: undefined },
      { query_id: undefined, rows_in: 5n, rows_out: 5n, calls: 5n, status: 'ok' },
    );
    const logs = await f.engine.query(
      `SELECT row_index, cascade_id, cell, model, cache_hit, status, answered_by FROM rvbbit.unified_logs WHERE query_id = $1 ORDER BY row_index`,
      [String(q.rows[0]!.query_id)],
    );
    assert.equal(
      logs.rows,
      [0, 1, 2, 3, 4].map((i) => ({
        row_index: BigInt(i),
        cascade_id: 'label',
        cell: 'label',
        model: 'sim-small',
        cache_hit: false,
        status: 'ok',
        answered_by: 'simulator',
      })),
    );
  },
);

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
  assert.is(err!.code, 'DUCKDB_ERROR');
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
  assert.match(missing.message, /searched: .*nope\/missing, .*nope\/missing\.yaml/);
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
