/**
 * `INSERT INTO t [(cols)] RVBBIT MAP …` and `COPY (RVBBIT MAP …) TO 'file'
 * (…)` through the library (issue 66): the rows written in input order with
 * CREATE TABLE … AS's typing, DuckDB's count returned; a target that cannot
 * take the rows refused before the first call (simulator's counters: 0
 * requests), naming the target and its place; a value that does not fit
 * fails the write whole; inside a transaction the rows roll back with it.
 * Real engine, real DuckDB, real simulator over HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { engineSuite, productsSql } from './engine-fixture.js';

const N = 50;
const BRAND = (using: string) =>
  `RVBBIT MAP PARALLEL 8 'brand.yaml' AS (brand VARCHAR, confidence DOUBLE) USING (${using}) WITH (limit = 0, cache = false)`;

const s = engineSuite('map-write');
let dir = '';
s.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rvbbit-map-write-'));
});
s.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const plain = (rows: readonly Record<string, unknown>[]) =>
  JSON.parse(JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));

s(
  'INSERT INTO t RVBBIT MAP appends every row in input order, typed as CTAS types them; the answer is DuckDB’s count',
  async ({ f }) => {
    const e = f.engine;
    await e.query('CREATE TABLE ins (id INTEGER, product_name VARCHAR, brand VARCHAR, confidence DOUBLE)');
    await e.query(`INSERT INTO ins VALUES (-1, 'kept', 'Old', 0.5)`);
    const r = await e.query(`INSERT INTO ins ${BRAND(productsSql(N))}`);
    assert.equal(plain(r.rows), [{ Count: N }]);
    assert.equal(
      r.columns.map((c) => c.name),
      ['Count'],
    );
    assert.is(f.sim.stats().requests, N);
    const rows = plain((await e.query('SELECT id, product_name, brand FROM ins')).rows);
    assert.is(rows.length, N + 1);
    assert.equal(rows[0], { id: -1, product_name: 'kept', brand: 'Old' });
    // Stored in input order (rowid order), the same rows a CTAS of the MAP gives.
    assert.equal(
      rows.slice(1).map((row: { id: number }) => row.id),
      Array.from({ length: N }, (_, i) => i),
    );
    await e.query(`CREATE TABLE ctas AS ${BRAND(productsSql(N))}`);
    const same = await e.query(
      `SELECT count(*)::INT AS n FROM (SELECT * FROM ins WHERE id >= 0 EXCEPT ALL SELECT * FROM ctas)`,
    );
    assert.equal(plain(same.rows), [{ n: 0 }]);
    const types = await e.query(
      `SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'ctas' ORDER BY column_index`,
    );
    assert.equal(plain(types.rows), [
      { column_name: 'id', data_type: 'INTEGER' },
      { column_name: 'product_name', data_type: 'VARCHAR' },
      { column_name: 'brand', data_type: 'VARCHAR' },
      { column_name: 'confidence', data_type: 'DOUBLE' },
    ]);
  },
);

s('INSERT INTO t (columns) fills the named columns; the others take their defaults', async ({ f }) => {
  const e = f.engine;
  await e.query(
    `CREATE TABLE named (note VARCHAR DEFAULT 'none', brand VARCHAR, id INTEGER, product_name VARCHAR, confidence DOUBLE)`,
  );
  const r = await e.query(`INSERT INTO named (id, product_name, brand, confidence) ${BRAND(productsSql(3))}`);
  assert.equal(plain(r.rows), [{ Count: 3 }]);
  assert.equal(plain((await e.query('SELECT note, id, brand FROM named')).rows), [
    { note: 'none', id: 0, brand: 'Acme' },
    { note: 'none', id: 1, brand: 'Acme' },
    { note: 'none', id: 2, brand: 'Acme' },
  ]);
});

s(
  'a target with one column more than the MAP takes _error: each row’s problem, NULL where none',
  async ({ f }) => {
    const e = f.engine;
    await e.query('CREATE TABLE shaped (text VARCHAR, "when" DATE, size VARCHAR, _error VARCHAR)');
    const r = await e.query(
      `INSERT INTO shaped RVBBIT MAP 'wrong_shape.yaml' AS ("when" DATE, size VARCHAR)
     USING (SELECT 'a' AS text UNION ALL SELECT 'b')`,
    );
    assert.equal(plain(r.rows), [{ Count: 2 }]);
    const rows = plain((await e.query('SELECT text, "when", _error FROM shaped')).rows) as {
      text: string;
      when: null;
      _error: string;
    }[];
    assert.equal(
      rows.map((row) => row.text),
      ['a', 'b'],
    );
    for (const row of rows) {
      assert.is(row.when, null);
      assert.match(row._error, /^column when: cannot cast (tomorrow|yesterday) to DATE$/, row._error);
    }
  },
);

s(
  'a target that cannot take the rows is refused before the first call, naming it and where it is',
  async ({ f }) => {
    const e = f.engine;
    await e.query('CREATE TABLE narrow (id INTEGER, brand VARCHAR)');
    await e.query(`INSERT INTO narrow VALUES (7, 'x')`);
    const cases: [string, string, RegExp][] = [
      [
        `INSERT INTO missing ${BRAND(productsSql(5))}`,
        'DUCKDB_CATALOG',
        /^INSERT INTO missing \(line 1, column 13\): Catalog Error: Table with name missing does not exist!/,
      ],
      [
        `INSERT INTO narrow\n  ${BRAND(productsSql(5))}`,
        'DUCKDB_BINDER',
        /^INSERT INTO narrow \(line 1, column 13\): Binder Error: table narrow has 2 columns but 4 values were supplied/,
      ],
      [
        `INSERT INTO narrow (id, nope) ${BRAND(productsSql(5))}`,
        'DUCKDB_BINDER',
        /^INSERT INTO narrow \(line 1, column 13\): Binder Error: Table "narrow" does not have a column with name "nope"/,
      ],
    ];
    for (const [sql, code, message] of cases) {
      f.sim.resetStats();
      try {
        await e.query(sql);
        assert.unreachable(`ran: ${sql}`);
      } catch (err) {
        assert.is((err as { code?: string }).code, code, String(err));
        assert.match((err as Error).message, message);
        assert.equal((err as { detail?: unknown }).detail, { line: 1, column: 13 });
      }
      assert.is(f.sim.stats().requests, 0, sql);
    }
    assert.equal(plain((await e.query('SELECT * FROM narrow')).rows), [{ id: 7, brand: 'x' }]);
    // The session goes on, and its MAP temp tables are gone.
    const temps = await e.query(
      `SELECT count(*)::INT AS n FROM duckdb_tables() WHERE table_name LIKE '__rvbbit_%'`,
    );
    assert.equal(plain(temps.rows), [{ n: 0 }]);
  },
);

s('a value the target’s type cannot take fails the INSERT whole: no row written', async ({ f }) => {
  const e = f.engine;
  // brand goes into an INTEGER column: DuckDB casts at the write, and 'Acme' is no integer.
  await e.query('CREATE TABLE typed (id INTEGER, product_name VARCHAR, brand INTEGER, confidence DOUBLE)');
  try {
    await e.query(`INSERT INTO typed ${BRAND(productsSql(5))}`);
    assert.unreachable('inserted');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'DUCKDB_CONVERSION');
    assert.match(
      (err as Error).message,
      /^INSERT INTO typed \(line 1, column 13\): Conversion Error: .*Acme/,
    );
  }
  assert.equal(plain((await e.query('SELECT count(*)::INT AS n FROM typed')).rows), [{ n: 0 }]);
});

s('inside a transaction the INSERT rolls back with it', async ({ f }) => {
  const e = f.engine;
  await e.query('CREATE TABLE tx (id INTEGER, product_name VARCHAR, brand VARCHAR, confidence DOUBLE)');
  await e.query('BEGIN');
  const r = await e.query(`INSERT INTO tx ${BRAND(productsSql(4))}`);
  assert.equal(plain(r.rows), [{ Count: 4 }]);
  assert.equal(plain((await e.query('SELECT count(*)::INT AS n FROM tx')).rows), [{ n: 4 }]);
  await e.query('ROLLBACK');
  assert.equal(plain((await e.query('SELECT count(*)::INT AS n FROM tx')).rows), [{ n: 0 }]);
});

s(
  'a DISTINCT MAP inside a transaction reads its input table (rowids local to the transaction) and gives every row',
  async ({ f }) => {
    const e = f.engine;
    await e.query('BEGIN');
    try {
      const r = await e.query(
        `RVBBIT MAP DISTINCT 'brand.yaml' AS (brand VARCHAR) USING (SELECT 'Acme Widget ' || (range % 2) AS product_name FROM range(6)) WITH (cache = false)`,
      );
      assert.equal(plain(r.rows), [
        { product_name: 'Acme Widget 0', brand: 'Acme' },
        { product_name: 'Acme Widget 1', brand: 'Acme' },
      ]);
      assert.is(f.sim.stats().requests, 2);
    } finally {
      await e.query('ROLLBACK');
    }
  },
);

s(
  'COPY (RVBBIT MAP …) TO a parquet file: every row in input order, typed; the answer is DuckDB’s count',
  async ({ f }) => {
    const e = f.engine;
    const file = join(dir, 'out.parquet');
    const r = await e.query(`COPY (${BRAND(productsSql(N))}) TO '${file}' (FORMAT parquet)`);
    assert.equal(plain(r.rows), [{ Count: N }]);
    assert.is(f.sim.stats().requests, N);
    const rows = plain((await e.query(`SELECT * FROM read_parquet('${file}')`)).rows) as Record<
      string,
      unknown
    >[];
    assert.is(rows.length, N);
    assert.equal(Object.keys(rows[0]!), ['id', 'product_name', 'brand', 'confidence']);
    assert.equal(
      rows.map((row) => row.id),
      Array.from({ length: N }, (_, i) => i),
    );
    const types = await e.query(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    assert.equal(
      plain(types.rows).map((c: { column_type: string }) => c.column_type),
      ['INTEGER', 'VARCHAR', 'VARCHAR', 'DOUBLE'],
    );
  },
);

s('COPY … TO a csv file WITH (options): DuckDB reads the options as written', async ({ f }) => {
  const e = f.engine;
  const file = join(dir, 'out.csv');
  await e.query(
    `COPY (RVBBIT MAP 'brand.yaml' AS (brand VARCHAR) USING (${productsSql(3)})) TO '${file}' WITH (HEADER false, DELIMITER '|')`,
  );
  const text = plain((await e.query(`SELECT content FROM read_text('${file}')`)).rows)[0].content;
  assert.is(text, '0|Acme Widget 0|Acme\n1|Acme Widget 1|Acme\n2|Acme Widget 2|Acme\n');
});

s(
  'COPY options DuckDB refuses are refused before the first call, naming the file and where it is',
  async ({ f }) => {
    const e = f.engine;
    for (const [options, message] of [
      ['(FORMAT parqet)', /Copy Function with name parqet does not exist/],
      ['(FORMAT parquet, NOPE 1)', /Unrecognized option "NOPE" for parquet/],
    ] as const) {
      f.sim.resetStats();
      const sql = `COPY (${BRAND(productsSql(5))}) TO '${join(dir, 'bad.parquet')}' ${options}`;
      try {
        await e.query(sql);
        assert.unreachable(options);
      } catch (err) {
        const at = sql.indexOf(`'${dir}`) + 1;
        assert.match(
          (err as Error).message,
          `COPY … TO '${join(dir, 'bad.parquet')}' (line 1, column ${at}): `,
        );
        assert.match((err as Error).message, message);
      }
      assert.is(f.sim.stats().requests, 0);
    }
  },
);

s.run();
