/**
 * pgJDBC's `setSavepoint()` and `rollback(savepoint)` against the server
 * (src/server/savepoints.ts), through test/fixtures/jdbc/RvbbitJdbcSavepoints.java
 * run as a single-file program on the machine's Java with Debian's pgJDBC; and
 * the same rules through psql. Rolling back to a savepoint after which the
 * transaction only read, or did nothing, succeeds; after a write, 0A000.
 * Without Java or psql the tests are skipped (test/requires.ts), and fail under CI.
 */
import { fileURLToPath } from 'node:url';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { JAVA, PGJDBC_JAR, requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from '../server/helpers.js';
import { psql, run } from '../server/py-client.js';

const SOURCE = fileURLToPath(new URL('../fixtures/jdbc/RvbbitJdbcSavepoints.java', import.meta.url));
const jdbcTest = requires(uvuTest, 'java', 'pgjdbc');
const psqlTest = requires(uvuTest, 'psql');

let f: ServerFixture;
uvuTest.before(async () => {
  f = await startServerFixture();
});
uvuTest.after(async () => {
  await f.close();
});

jdbcTest(
  'pgJDBC: rollback(savepoint) with nothing, reads, a failed read, then a write since it',
  async () => {
    const { code, out, err } = await run(JAVA, ['-cp', PGJDBC_JAR, SOURCE, String(f.port)]);
    assert.is(err, '');
    assert.is(code, 0);
    assert.equal(out.trimEnd().split('\n'), [
      'rollback, nothing since ok',
      'read 1',
      'rollback, reads since ok',
      'typo 42703',
      'rollback, failed read since ok',
      'committed 2',
      'rollback, write since 0A000',
      'then 25P02',
      'rows 2',
    ]);
  },
);

/** psql reading `input` on stdin, going on past errors: its rows, and its errors by SQLSTATE. */
async function psqlScript(input: string): Promise<{ rows: string[]; errors: string[] }> {
  const r = await psql(f.port, ['-X', '-q', '-A', '-t', '-v', 'VERBOSITY=sqlstate'], input, 'rvbbit');
  const lines = (text: string) => text.split('\n').filter((l) => l !== '');
  return { rows: lines(r.out), errors: lines(r.err) };
}

psqlTest('psql: SAVEPOINT a; SELECT 1; ROLLBACK TO SAVEPOINT a; COMMIT succeeds', async () => {
  const lines = await psqlScript(
    'BEGIN;\nSAVEPOINT a;\nSELECT 1;\nROLLBACK TO SAVEPOINT a;\nSELECT 2;\nRELEASE SAVEPOINT a;\nCOMMIT;\n',
  );
  assert.equal(lines, { rows: ['1', '2'], errors: [] });
  // The same as one Query (psql -c): each statement's tag, ROLLBACK TO SAVEPOINT's being ROLLBACK as in Postgres.
  const one = await psql(
    f.port,
    ['-X', '-c', 'BEGIN; SAVEPOINT a; SELECT 1 AS one; ROLLBACK TO SAVEPOINT a; COMMIT'],
    undefined,
    'rvbbit',
  );
  assert.equal([one.code, one.err], [0, '']);
  assert.equal(one.out.split('\n'), [
    'BEGIN',
    'SAVEPOINT',
    ' one ',
    '-----',
    '   1',
    '(1 row)',
    '',
    'ROLLBACK',
    'COMMIT',
    '',
  ]);
});

psqlTest(
  'psql: a write since the savepoint is 0A000, the block then 25P02; an unknown name is 3B001',
  async () => {
    const lines = await psqlScript(
      [
        'CREATE TABLE IF NOT EXISTS psql_sp (n INT);',
        'BEGIN;',
        'SAVEPOINT a;',
        'INSERT INTO psql_sp VALUES (1);',
        'ROLLBACK TO SAVEPOINT a;',
        'SELECT 1;',
        'ROLLBACK;',
        'BEGIN;',
        'ROLLBACK TO SAVEPOINT never_made;',
        'ROLLBACK;',
        'SELECT count(*) FROM psql_sp;',
        '',
      ].join('\n'),
    );
    // The INSERT was rolled back with the block.
    assert.equal(lines, { rows: ['0'], errors: ['ERROR:  0A000', 'ERROR:  25P02', 'ERROR:  3B001'] });
  },
);

uvuTest.run();
