/**
 * `sql_data` in a MAP may only read tables and views: each row below tries one
 * forbidden thing (a sequence, checkpoint, a file, a URL, a statement that is
 * not a query) and fails with SQL_DATA_NOT_READ_ONLY naming it, while the
 * permitted lookup rows between them succeed and nothing changes.
 */
import * as assert from 'uvu/assert';
import { engineSuite } from './engine-fixture.js';

const t = engineSuite('engine: sql_data lockdown in a MAP and a RUN');

/** [query, what the row's error must say]. */
const REFUSED: readonly (readonly [string, RegExp])[] = [
  ["SELECT nextval('probe_seq') AS n", /refused: nextval\(\) uses a sequence/],
  ["SELECT main.nextval('probe_seq') AS n", /refused: nextval\(\) uses a sequence/],
  ["SELECT currval('probe_seq') AS n", /refused: currval\(\) uses a sequence/],
  ["SELECT setval('probe_seq', 5) AS n", /refused: setval\(\) uses a sequence/],
  ['SELECT * FROM checkpoint()', /refused: checkpoint\(\) writes the database file/],
  ['FROM force_checkpoint()', /refused: force_checkpoint\(\) writes the database file/],
  ["FROM read_csv('/etc/passwd')", /refused: read_csv\(\) reads files/],
  ["FROM read_text('/etc/hostname')", /refused: read_text\(\) reads files/],
  ["SELECT * FROM glob('/etc/*')", /refused: glob\(\) reads files/],
  ["FROM read_parquet('https://example.com/x.parquet')", /refused: read_parquet\(\) reads files/],
  [
    "SELECT price FROM prices WHERE product IN (SELECT content FROM read_text('/etc/hostname'))",
    /refused: read_text\(\) reads files/,
  ],
  ["FROM '/etc/hostname'", /refused: "\/etc\/hostname" is not a table or view of the database/],
  ['FROM "/etc/passwd"', /refused: "\/etc\/passwd" is not a table or view/],
  [
    "FROM 'https://example.com/data.csv'",
    /refused: "https:\/\/example.com\/data.csv" is not a table or view/,
  ],
  ["DESCRIBE '/etc/hostname'", /refused: "\/etc\/hostname" is not a table or view/],
  ["FROM query('SELECT 1')", /refused: query\(\) is not a permitted table function/],
  ["SELECT write_log('x') AS w", /refused: write_log\(\) has side effects/],
  ['CREATE SEQUENCE other_seq', /not a single read-only query: .*Parser Error: syntax error/],
  ["INSERT INTO prices VALUES ('x', 1)", /not a single read-only query: .*Parser Error: syntax error/],
  ["ATTACH '/tmp/rvbbit-lockdown.db' AS other", /not a single read-only query: .*Parser Error: syntax error/],
  ["COPY prices TO '/tmp/rvbbit-lockdown.csv'", /not a single read-only query: .*Parser Error: syntax error/],
  ["EXPORT DATABASE '/tmp/rvbbit-lockdown'", /not a single read-only query: .*Parser Error: syntax error/],
  ['INSTALL httpfs', /not a single read-only query: .*Parser Error: syntax error/],
  ['LOAD httpfs', /not a single read-only query: .*Parser Error: syntax error/],
  ['SET threads = 1', /not a single read-only query: .*Parser Error: syntax error/],
  ['PRAGMA threads = 1', /not a single read-only query: .*Parser Error: syntax error/],
  ['CALL checkpoint()', /not a single read-only query: .*Parser Error: syntax error/],
  ['BEGIN TRANSACTION', /not a single read-only query: .*Parser Error: syntax error/],
];
const LOOKUP = "SELECT price FROM prices WHERE product = 'item 2'";

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

t(
  'each forbidden query fails its row naming what was refused; the lookups between them go on',
  async ({ f }) => {
    await f.engine.query(
      "CREATE OR REPLACE TABLE prices AS SELECT * FROM (VALUES ('item 1', 1.5), ('item 2', 3.0)) v(product, price)",
    );
    await f.engine.query('CREATE OR REPLACE SEQUENCE probe_seq');
    // A lookup row after every refused one, so a refusal cannot spoil the next query.
    const queries = REFUSED.flatMap(([q]) => [q, LOOKUP]);
    const values = queries.map((q, i) => `(${i}, ${sqlString(q)})`).join(', ');
    const r = await f.engine.query(
      `RVBBIT MAP PARALLEL 3 'sql_data_probe' USING (SELECT q FROM (VALUES ${values}) v(i, q) ORDER BY i) WITH (cache = false)`,
    );
    assert.is(r.rows.length, queries.length);
    REFUSED.forEach(([q, why], k) => {
      const refused = r.rows[2 * k]!;
      assert.is(refused.q, q);
      assert.match(String(refused._error), /^sql_data: /, q);
      assert.match(String(refused._error), why, `${q}: ${String(refused._error)}`);
      const lookup = r.rows[2 * k + 1]!;
      assert.is(lookup._error, null, `lookup after ${q}: ${String(lookup._error)}`);
      assert.equal(JSON.parse(String(lookup.result)).rows, [{ price: 3 }]);
    });
    // Nothing moved: the sequence was never advanced, the table is as it was.
    assert.equal((await f.engine.query("SELECT nextval('probe_seq')::INTEGER AS n")).rows, [{ n: 1 }]);
    assert.equal((await f.engine.query('SELECT count(*)::INTEGER AS n FROM prices')).rows, [{ n: 2 }]);
  },
);

t("the row's error code is SQL_DATA_NOT_READ_ONLY (seen with on_error = 'fail')", async ({ f }) => {
  await f.engine.query('CREATE OR REPLACE SEQUENCE probe_seq');
  for (const q of [
    "SELECT nextval('probe_seq') AS n",
    "FROM read_csv('/etc/passwd')",
    'SELECT * FROM checkpoint()',
  ]) {
    const err = (await f.engine
      .query(
        `RVBBIT MAP 'sql_data_probe' USING (SELECT ${sqlString(q)} AS q) WITH (cache = false, on_error = 'fail')`,
      )
      .then(
        () => null,
        (e: unknown) => e,
      )) as { code?: string; message?: string; details?: { cause?: string } } | null;
    assert.ok(err, `accepted: ${q}`);
    assert.is(err!.code, 'MAP_ROW_FAILED', q);
    assert.match(String(err!.message), /SQL_DATA_NOT_READ_ONLY: sql_data: refused: /, q);
  }
});

t(
  'permitted reads still work: CTEs, views, catalog listings, computed rows, qualified names',
  async ({ f }) => {
    await f.engine.query(
      "CREATE OR REPLACE TABLE prices AS SELECT * FROM (VALUES ('item 1', 1.5), ('item 2', 3.0)) v(product, price)",
    );
    await f.engine.query('CREATE OR REPLACE VIEW cheap AS SELECT * FROM prices WHERE price < 2');
    const ok = [
      ['WITH p AS (SELECT * FROM prices) SELECT count(*)::INTEGER AS n FROM p', [{ n: 2 }]],
      ['SELECT product FROM cheap', [{ product: 'item 1' }]],
      ['SELECT count(*)::INTEGER AS n FROM main.prices', [{ n: 2 }]],
      ["SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'prices'", [{ n: 1 }]],
      ['SELECT sum(range)::INTEGER AS s FROM range(4)', [{ s: 6 }]],
      [
        "SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'prices'",
        [{ n: 1 }],
      ],
    ] as const;
    const values = ok.map(([q], i) => `(${i}, ${sqlString(q)})`).join(', ');
    const r = await f.engine.query(
      `RVBBIT MAP 'sql_data_probe' USING (SELECT q FROM (VALUES ${values}) v(i, q) ORDER BY i) WITH (cache = false)`,
    );
    ok.forEach(([q, rows], i) => {
      assert.is(r.rows[i]!._error ?? null, null, `${q}: ${String(r.rows[i]!._error)}`);
      assert.equal(JSON.parse(String(r.rows[i]!.result)).rows, rows, q);
    });
  },
);

t(
  "RUN's sql_data is locked down the same way, reading its TEMP input table through the session",
  async ({ f }) => {
    await f.engine.query('CREATE OR REPLACE SEQUENCE probe_seq');
    const r = await f.engine.query(
      `RVBBIT RUN 'run_sql_data_probe' USING (SELECT range AS i FROM range(4)) WITH (cache = false)`,
    );
    const row = r.rows[0]!;
    assert.is(row.status, 'failed');
    assert.is(row.error, 'SQL_DATA_NOT_READ_ONLY: sql_data: refused: nextval() uses a sequence');
    assert.equal(JSON.parse(String(row.outputs)).load, {
      rows: [{ n: 4 }],
      row_count: 1,
      columns: [{ name: 'n', type: 'BIGINT' }],
    });
    assert.equal((await f.engine.query("SELECT nextval('probe_seq')::INTEGER AS n")).rows, [{ n: 1 }]);
  },
);

t.run();
