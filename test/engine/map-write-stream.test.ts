/**
 * A MAP that writes (CREATE TABLE … AS, INSERT INTO …, COPY (…) TO) over more
 * rows than one DuckDB chunk streams into its target (issue 66,
 * map-stream-write.ts): the input is read a chunk at a time and never copied
 * whole into a TEMP table (the streamed write's own counter: every row went
 * through its scratch table, and none of the batch path's `__rvbbit_in_`
 * tables), the rows land in input order, exactly those of the same MAP read
 * by engine.query, and `_error` is written only when some row failed — then
 * exactly the rows whose call failed (the call log's status). Inside a
 * transaction block the batch path still runs (its rollback test is
 * map-write.test.ts). Real engine, real DuckDB, real simulator over HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { streamedWrites } from '../../src/statements/map/map-stream-write.js';
import { engineSuite, productsSql } from './engine-fixture.js';

/** More rows than a DuckDB chunk (2,048) and than a batch of finished rows. */
const N = 5000;
const LABEL = (extra = '') =>
  `RVBBIT MAP PARALLEL 16 'label' AS label
   USING (SELECT id, product_name AS text FROM (${productsSql(N)})) WITH (limit = 0${extra})`;

const s = engineSuite('map-write-stream');
let dir = '';
s.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rvbbit-map-write-stream-'));
});
s.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const plain = (rows: readonly Record<string, unknown>[]) =>
  JSON.parse(JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));

const ids = (rows: readonly Record<string, unknown>[]) => rows.map((r) => Number(r.id));
const inOrder = Array.from({ length: N }, (_, i) => i);

s(
  'CREATE TABLE … AS and INSERT INTO … stream every row in input order; no row failed: no _error',
  async ({ f }) => {
    const e = f.engine;
    const before = { ...streamedWrites };
    const meta = await e.query(`CREATE TABLE labelled AS ${LABEL()}`);
    assert.equal(
      plain(meta.rows).map((r: Record<string, unknown>) => [r.status, r.row_count, r.columns]),
      [['success', N, '["id","text","label"]']],
    );
    assert.is(f.sim.stats().requests, N);
    assert.is(streamedWrites.started, before.started + 1);
    // Appended straight into the new table: no scratch file between.
    assert.is(streamedWrites.directRows, before.directRows + N);
    assert.is(streamedWrites.scratchRows, before.scratchRows);
    const stored = plain((await e.query('SELECT * FROM labelled')).rows);
    assert.equal(ids(stored), inOrder);
    // The rows engine.query gives for the same MAP (its answers now from the cache: no call).
    f.sim.resetStats();
    const read = plain((await e.query(LABEL())).rows);
    assert.is(f.sim.stats().requests, 0);
    assert.equal(stored, read);
    assert.ok(stored.every((r: { label: unknown }) => typeof r.label === 'string' && r.label !== ''));

    await e.query('CREATE TABLE appended (id INTEGER, text VARCHAR, label VARCHAR)');
    const r = await e.query(`INSERT INTO appended ${LABEL()}`);
    assert.equal(plain(r.rows), [{ Count: N }]);
    assert.is(streamedWrites.scratchRows, before.scratchRows + N);
    assert.equal(plain((await e.query('SELECT * FROM appended')).rows), read);
    // The batch path's input and outcome tables were never made; the scratch database is gone.
    const left = await e.query(
      `SELECT (SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '__rvbbit_%')::INT AS tables,
            (SELECT count(*) FROM duckdb_databases() WHERE database_name LIKE '__rvbbit_scratch_%')::INT AS scratch`,
    );
    assert.equal(plain(left.rows), [{ tables: 0, scratch: 0 }]);
  },
);

s(
  'COPY (RVBBIT MAP …) TO a parquet file: rows in input order, _error exactly on the rows whose call failed',
  async ({ f }) => {
    const e = f.engine;
    f.sim.setOptions({ errorRate: 0.2, seed: 11 });
    const before = { ...streamedWrites };
    const file = join(dir, 'labels.parquet');
    const r = await e.query(`COPY (${LABEL(', cache = false, retries = 1')}) TO '${file}' (FORMAT parquet)`);
    assert.equal(plain(r.rows), [{ Count: N }]);
    assert.is(streamedWrites.scratchRows, before.scratchRows + N);
    const failedCalls = f.sim.stats().byStatus['500'] ?? 0;
    assert.ok(failedCalls > 0 && failedCalls < N, `${failedCalls} failed`);
    const rows = plain((await e.query(`SELECT * FROM read_parquet('${file}')`)).rows) as {
      id: number;
      label: string;
      _error: string | null;
    }[];
    assert.equal(Object.keys(rows[0]!), ['id', 'text', 'label', '_error']);
    assert.equal(ids(rows), inOrder);
    const failed = rows.filter((row) => row._error !== null);
    // With retries = 1 each failed row is exactly one 500, and the call log names its row.
    assert.is(failed.length, failedCalls);
    const q = await e.query(
      `SELECT query_id FROM rvbbit.queries WHERE kind IN ('map', 'MapStatement') ORDER BY started_at DESC LIMIT 1`,
    );
    const logged = await e.query(
      `SELECT row_index::INT AS i FROM rvbbit.unified_logs WHERE query_id = $1 AND status = 'error' ORDER BY row_index`,
      [String(q.rows[0]!.query_id)],
    );
    assert.equal(
      failed.map((row) => row.id),
      plain(logged.rows).map((row: { i: number }) => row.i),
    );
    for (const row of failed) {
      assert.match(row._error!, /500/);
      assert.match(row.label, /^ERROR: /);
    }
    assert.ok(rows.filter((row) => row._error === null).every((row) => !row.label.startsWith('ERROR')));
  },
);

s(
  'a typed MAP streamed into CTAS: typed as the batch path types it; a cast problem writes _error',
  async ({ f }) => {
    const e = f.engine;
    const before = { ...streamedWrites };
    const typed = `RVBBIT MAP PARALLEL 16 'brand' AS (brand VARCHAR, confidence DOUBLE)
    USING (SELECT id, product_name FROM (${productsSql(N)})) WITH (limit = 0)`;
    await e.query(`CREATE TABLE branded AS ${typed}`);
    const types = await e.query(
      `SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'branded' ORDER BY column_index`,
    );
    assert.equal(plain(types.rows), [
      { column_name: 'id', data_type: 'INTEGER' },
      { column_name: 'product_name', data_type: 'VARCHAR' },
      { column_name: 'brand', data_type: 'VARCHAR' },
      { column_name: 'confidence', data_type: 'DOUBLE' },
    ]);
    const stored = plain((await e.query('SELECT * FROM branded')).rows);
    assert.equal(ids(stored), inOrder);
    assert.equal(stored, plain((await e.query(typed)).rows));

    const wrong = `RVBBIT MAP 'wrong_shape' AS ("when" DATE, size VARCHAR)
    USING (SELECT 'a parcel ' || range AS text FROM range(3000)) WITH (limit = 0)`;
    await e.query(`CREATE TABLE shaped AS ${wrong}`);
    const shaped = plain((await e.query('SELECT * FROM shaped')).rows) as Record<string, unknown>[];
    assert.equal(shaped, plain((await e.query(wrong)).rows));
    assert.equal(Object.keys(shaped[0]!), ['text', 'when', 'size', '_error']);
    assert.match(String(shaped[0]!._error), /^column when: cannot cast \w+ to DATE$/);
    assert.is(streamedWrites.directRows, before.directRows + N + 3000);

    // A TEMP table goes through the scratch file (the appending connection cannot see it): the same rows.
    await e.query(`CREATE TEMP TABLE shaped_temp AS ${wrong}`);
    assert.is(streamedWrites.scratchRows, before.scratchRows + 3000);
    assert.equal(plain((await e.query('SELECT * FROM shaped_temp')).rows), shaped);
  },
);

s(
  'CREATE TABLE … AS of a table that exists fails before the first call; the table is untouched',
  async ({ f }) => {
    const e = f.engine;
    await e.query('CREATE TABLE taken AS SELECT 1 AS one');
    f.sim.resetStats();
    try {
      await e.query(`CREATE TABLE taken AS ${LABEL()}`);
      assert.unreachable('created');
    } catch (err) {
      assert.match((err as Error).message, /Table with name "?taken"? already exists/);
    }
    assert.is(f.sim.stats().requests, 0);
    assert.equal(plain((await e.query('SELECT * FROM taken')).rows), [{ one: 1 }]);
    // The failed write left nothing behind: once the old table is dropped, the same CTAS makes it.
    await e.query('DROP TABLE taken');
    await e.query(`CREATE TABLE taken AS ${LABEL()}`);
    assert.equal(ids(plain((await e.query('SELECT id FROM taken')).rows)), inOrder);
  },
);

s('DISTINCT and as_table stream too: the first row of each value, in input order', async ({ f }) => {
  const e = f.engine;
  const before = { ...streamedWrites };
  // 5,000 rows, 3,000 distinct names: DISTINCT keeps each name's first row.
  const distinct = `RVBBIT MAP DISTINCT PARALLEL 16 'label' AS label
    USING (SELECT product_name AS text FROM (${productsSql(N, 3000)})) WITH (limit = 0)`;
  await e.query(`CREATE TABLE firsts AS ${distinct}`);
  assert.is(streamedWrites.directRows, before.directRows + 3000);
  const stored = plain((await e.query('SELECT * FROM firsts')).rows) as { text: string }[];
  assert.equal(
    stored.map((r) => r.text),
    Array.from({ length: 3000 }, (_, i) => `Acme Widget ${i}`),
  );
  assert.equal(stored, plain((await e.query(distinct)).rows));
  // as_table with a schema-qualified name: through the scratch file.
  await e.query(`${distinct.replace('WITH (limit = 0)', "WITH (limit = 0, as_table = 'main.firsts_too')")}`);
  assert.is(streamedWrites.scratchRows, before.scratchRows + 3000);
  assert.equal(plain((await e.query('SELECT * FROM main.firsts_too')).rows), stored);
});

s('inside a transaction block the batch path writes (the streamed write is not taken)', async ({ f }) => {
  const e = f.engine;
  const before = { ...streamedWrites };
  await e.query('BEGIN');
  try {
    await e.query(`CREATE TABLE in_tx AS ${LABEL()}`);
    assert.equal(ids(plain((await e.query('SELECT id FROM in_tx')).rows)), inOrder);
  } finally {
    await e.query('ROLLBACK');
  }
  assert.equal({ ...streamedWrites }, before);
});

s.run();
