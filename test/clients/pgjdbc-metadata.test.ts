/**
 * pgJDBC's DatabaseMetaData as DBeaver calls it (catalogs, schemas, tables,
 * columns, primary keys, indexes, foreign keys, functions, types), a MAP's
 * ResultSetMetaData, and savepoints, through
 * test/fixtures/jdbc/RvbbitJdbcMetadata.java run as a single-file program on
 * the machine's Java 17 with Debian's pgJDBC (libpostgresql-jdbc-java; .ci/run
 * installs both). Without them the test is skipped (test/requires.ts), and fails under CI.
 */
import { fileURLToPath } from 'node:url';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { JAVA, PGJDBC_JAR, requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from '../server/helpers.js';
import { run } from '../server/py-client.js';

const SOURCE = fileURLToPath(new URL('../fixtures/jdbc/RvbbitJdbcMetadata.java', import.meta.url));
const test = requires(uvuTest, 'java', 'pgjdbc');

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture();
});
test.after(async () => {
  await f.close();
});

test('DatabaseMetaData as DBeaver reads it, a MAP’s ResultSetMetaData, savepoints', async () => {
  const { code, out, err } = await run(JAVA, ['-cp', PGJDBC_JAR, SOURCE, String(f.port)]);
  assert.is(err, '');
  assert.is(code, 0);
  assert.equal(out.trimEnd().split('\n'), [
    'catalog rvbbit',
    'schema information_schema|null',
    'schema main|null',
    'schema pg_catalog|null',
    'schema rvbbit|null',
    'table main|authors|TABLE',
    'table main|books|TABLE',
    'table main|products|TABLE',
    // name, type, java.sql.Types, size, digits, nullable, default, position, autoincrement
    'column id|int8|-5|19|0|0|null|1|NO',
    'column author_id|int4|4|10|0|0|null|2|NO',
    'column title|text|12|2147483647|0|1|null|3|NO',
    'column price|numeric|2|8|2|1|9.99|4|NO',
    // A SERIAL column: pgJDBC names the type from its nextval default, as for Postgres.
    "column id|serial|nextval('authors_id_seq')|YES",
    'pk books|id|1|books_id_pkey',
    'pk authors|id|1|authors_id_pkey',
    // name, non-unique, position, column, A(scending), tableIndexOther
    'index books_id_pkey|f|1|id|A|3',
    'index books_title|t|1|title|A|3',
    'index books_title|t|2|price|A|3',
    'unique authors_id_pkey|f|1|id',
    'unique authors_name_key|f|1|name',
    // DuckDB's foreign keys are NO ACTION (3) and not deferrable (7).
    'imported authors|id|books|author_id|1|3|3|books_author_id_id_fkey|authors_id_pkey|7',
    'exported authors|books|author_id|books_author_id_id_fkey',
    'function main|book_tax|1',
    'type bool|-7|0|false',
    'type int8|-5|0|false',
    'type numeric|2|1000|false',
    'type int4|4|0|false',
    'type text|12|0|false',
    'type varchar|12|10485760|false',
    'type date|91|0|false',
    'type timestamp|93|6|false',
    'types true',
    'map column id|int4|4',
    'map column product_name|text|12',
    'map column brand|text|12',
    'map column confidence|float8|8',
    'map column _error|text|12',
    'map row 1|OXO',
    'savepoint before_books',
    'savepoint 0',
    // Nothing was written since "again": rolling back to it succeeds (src/server/savepoints.ts).
    'rollback to savepoint: no error',
    'row 1|Le Guin|The Dispossessed',
  ]);
});

test.run();
