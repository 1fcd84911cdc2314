/**
 * pgJDBC (DBeaver's driver; Debian libpostgresql-jdbc-java) against the
 * server, through test/fixtures/jdbc/RvbbitJdbc.java run as a single-file
 * program on the machine's Java 17. CI installs both (.ci/run); without them
 * the test says why and skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PRODUCTS_CSV, type ServerFixture, startServerFixture } from './helpers.js';
import { run } from './py-client.js';

const JAR = '/usr/share/java/postgresql.jar';
const SOURCE = fileURLToPath(new URL('../fixtures/jdbc/RvbbitJdbc.java', import.meta.url));
const hasJava = spawnSync('java', ['-version']).status === 0;
const missing = !hasJava
  ? 'java is not installed'
  : !existsSync(JAR)
    ? `${JAR} is missing (libpostgresql-jdbc-java)`
    : '';

if (missing) {
  console.log(`pgjdbc.test.ts: skipped — ${missing}; .ci/run installs it`);
} else {
  let f: ServerFixture;
  test.before(async () => {
    // The Java client loads the products CSV through the server: open its folder to clients.
    f = await startServerFixture({ allowFiles: [dirname(PRODUCTS_CSV)] });
    await f.engine.query('DROP TABLE products');
  });
  test.after(async () => {
    await f.close();
  });

  test('connect, PreparedStatement, DatabaseMetaData.getTables/getColumns, a MAP, errors, transactions', async () => {
    const { code, out, err } = await run('java', ['-cp', JAR, SOURCE, String(f.port), PRODUCTS_CSV]);
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
      'map 1 {"brand":"IKEA","confidence":0.377}',
      'map 2 {"brand":"OXO","confidence":0.642}',
      'map 3 {"brand":"Ninja","confidence":0.07}',
      'error 42P01',
      'insert 2',
      'fetch 25 300',
      'after rollback 0',
    ]);
    // pgJDBC's connect-time settings were acknowledged.
    assert.ok(f.log.some((l) => /SET extra_float_digits = 3/.test(l)));
  });
}

test.run();
