/**
 * pgJDBC (DBeaver's driver) defines a semantic function on the server, a
 * second connection uses it through a PreparedStatement (the extended
 * protocol: Parse, Describe, Bind, Execute), a refused definition carries its
 * SQLSTATE and position, and DROP removes it
 * (test/fixtures/jdbc/RvbbitJdbcFunctions.java on the machine's Java 17).
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JAVA, PGJDBC_JAR, requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { run } from './py-client.js';

const SOURCE = fileURLToPath(new URL('../fixtures/jdbc/RvbbitJdbcFunctions.java', import.meta.url));
const jdbcTest = requires(test, 'java', 'pgjdbc');

let f: ServerFixture;
jdbcTest.before(async () => {
  f = await startServerFixture();
});
jdbcTest.after(async () => {
  await f.close();
});

jdbcTest('create, use from another connection, a refusal with its SQLSTATE and position, drop', async () => {
  const { code, out, err } = await run(JAVA, ['-cp', PGJDBC_JAR, SOURCE, String(f.port)]);
  assert.is(err, '');
  assert.is(code, 0);
  assert.equal(out.trimEnd().split('\n'), [
    'created 0',
    'row 1 true',
    'row 2 true',
    'row 3 true',
    'refused 42601 62',
    'dropped',
  ]);
  assert.equal((await f.engine.query('SELECT * FROM rvbbit.semantic_functions')).rows, []);
});

test.run();
