/** Statements end to end: plain SQL, MAP, RUN, RUN ASYNC, EXPLAIN. */
import * as assert from 'uvu/assert';
import { productsSql, productsSuite } from './engine-fixture.js';

const st = productsSuite('engine: statements');

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

st.run();
