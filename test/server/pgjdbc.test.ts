/**
 * pgJDBC (DBeaver's driver; Debian libpostgresql-jdbc-java) against the
 * server, through test/fixtures/jdbc/RvbbitJdbc.java run as a single-file
 * program on the machine's Java 17, and typed semantic functions read through
 * ResultSetMetaData and getObject (RvbbitJdbcTyped.java). CI installs both
 * (.ci/run); without them the tests are skipped (test/requires.ts).
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JAVA, PGJDBC_JAR, requires } from '../requires.js';
import { PRODUCTS_CSV, type ServerFixture, startServerFixture } from './helpers.js';
import { run } from './py-client.js';

const SOURCE = fileURLToPath(new URL('../fixtures/jdbc/RvbbitJdbc.java', import.meta.url));
const TYPED = fileURLToPath(new URL('../fixtures/jdbc/RvbbitJdbcTyped.java', import.meta.url));
const jdbcTest = requires(test, 'java', 'pgjdbc');

let f: ServerFixture;
jdbcTest.before(async () => {
  // The Java client loads the products CSV through the server: open its folder to clients.
  f = await startServerFixture({ allowFiles: [dirname(PRODUCTS_CSV)] });
  await f.engine.query('DROP TABLE products');
});
jdbcTest.after(async () => {
  await f.close();
});

jdbcTest(
  'connect, PreparedStatement, DatabaseMetaData.getTables/getColumns, a MAP, errors, transactions',
  async () => {
    const { code, out, err } = await run(JAVA, ['-cp', PGJDBC_JAR, SOURCE, String(f.port), PRODUCTS_CSV]);
    assert.is(err, '');
    assert.is(code, 0);
    assert.equal(out.trimEnd().split('\n'), [
      'product PostgreSQL',
      'row 1 IKEA MALM Dresser 6-drawer 82.07',
      'types 42 9007199254740993 true 2024-02-29 2024-02-29 12:34:56.0 12.30',
      'types 42 9007199254740993 true 2024-02-29 2024-02-29 12:34:56.0 12.30',
      'table main.products TABLE',
      'column id int8 -5',
      'column product_name text 12',
      'column category text 12',
      'column price float8 8',
      'column description text 12',
      // The simulator's seeded draws (0.377, 0.642, 0.07 before issue 67's messages).
      // The simulator world's confidences since issue 68 (0.512, 0.577, 0.995 before: seeded by the messages).
      'map 1 {"brand":"IKEA","confidence":0.388}',
      'map 2 {"brand":"OXO","confidence":0.257}',
      'map 3 {"brand":"Ninja","confidence":0.178}',
      'error 42P01',
      'insert 2',
      'fetch 25 300',
      'after rollback 0',
    ]);
    // pgJDBC's connect-time settings were acknowledged.
    assert.ok(f.log.some((l) => /SET extra_float_digits = 3/.test(l)));
  },
);

const TYPED_SQL = `SELECT id, LLM_SCORE(review, 'how positive the review is', 1, 5) AS s,
LLM('The aspect discussed', review RETURNING STRUCT(aspect VARCHAR, liked BOOLEAN)) AS v
FROM reviews WHERE id <= ? ORDER BY id`;

jdbcTest(
  "LLM_SCORE and LLM(… RETURNING STRUCT): Types.INTEGER with the library's integers, the struct as text in DuckDB's own text",
  async () => {
    await f.engine.query(
      `CREATE TABLE reviews AS SELECT * FROM read_csv('${dirname(PRODUCTS_CSV)}/reviews.csv')`,
    );
    const lib = await f.engine.query(TYPED_SQL.replace('?', '3'));
    assert.equal(
      lib.columns.map((c) => c.type),
      ['BIGINT', 'INTEGER', 'STRUCT("aspect" VARCHAR, "liked" BOOLEAN)'],
    );
    const rows = lib.rows.map((r) => ({
      s: r.s as number,
      v: r.v as { aspect: string; liked: boolean },
    }));
    assert.is(rows.length, 3);
    for (const { s, v } of rows) {
      assert.ok(Number.isInteger(s) && s >= 1 && s <= 5, String(s));
      assert.equal(Object.keys(v), ['aspect', 'liked']);
      assert.type(v.aspect, 'string');
      assert.type(v.liked, 'boolean');
    }
    const { code, out, err } = await run(JAVA, ['-cp', PGJDBC_JAR, TYPED, String(f.port), TYPED_SQL, '3']);
    assert.is(err, '');
    assert.is(code, 0);
    assert.equal(out.trimEnd().split('\n'), [
      // label, java.sql.Types (BIGINT -5, INTEGER 4, VARCHAR 12), the Postgres type name
      'column id -5 int8',
      'column s 4 int4',
      'column v 12 text',
      // The struct as DuckDB casts it to text: field names quoted, the string bare, true/false.
      ...rows.map(
        ({ s, v }, i) =>
          `row Long:${i + 1}\tInteger:${s}\tString:{'aspect': ${v.aspect}, 'liked': ${v.liked}}`,
      ),
    ]);
  },
);

test.run();
