/**
 * COPY … TO STDOUT over the wire: psql's \copy and psycopg2's copy_expert get
 * the rows (not the server's stdout), in Postgres' text and CSV formats, with
 * NULLs, quotes, line breaks, tabs and backslashes escaped as Postgres does.
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JAVA, PGJDBC_JAR, requires } from '../requires.js';
import { rejection, startServerFixture } from './helpers.js';
import { psql, psycopg2, run } from './py-client.js';

const psqlTest = requires(test, 'psql');
const psycopg2Test = requires(test, 'psycopg2');
const jdbcTest = requires(test, 'java', 'pgjdbc');

const SETUP = `CREATE TABLE tricky AS SELECT * FROM (VALUES
  (1, 'plain', 1.5),
  (2, NULL, NULL),
  (3, 'a,b "q"', 2.0),
  (4, E'line\\nbreak\\ttab\\\\slash', -1.25),
  (5, '', 0.0)) t(id, s, x)`; // x is DECIMAL(3,2): Postgres prints 1.50

psqlTest('psql \\copy (query) TO STDOUT: text and csv with header, exact bytes', async () => {
  const f = await startServerFixture();
  const c = await f.client();
  await c.query(SETUP.replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS'));
  const text = await psql(f.port, ['-c', '\\copy (SELECT * FROM tricky ORDER BY id) TO STDOUT']);
  assert.is(text.err, '');
  assert.is(
    text.out,
    '1\tplain\t1.50\n2\t\\N\t\\N\n3\ta,b "q"\t2.00\n4\tline\\nbreak\\ttab\\\\slash\t-1.25\n5\t\t0.00\n',
  );
  const csv = await psql(f.port, [
    '-c',
    '\\copy (SELECT * FROM tricky ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)',
  ]);
  assert.is(
    csv.out,
    'id,s,x\n1,plain,1.50\n2,,\n3,"a,b ""q""",2.00\n4,"line\nbreak\ttab\\slash",-1.25\n5,"",0.00\n',
  );
  // A table with a column list, and a MAP's rows.
  const cols = await psql(f.port, ['-c', '\\copy tricky (id) TO STDOUT']);
  assert.equal(cols.out.split('\n').filter(Boolean).sort(), ['1', '2', '3', '4', '5']);
  const map = await psql(f.port, [
    '-c',
    `\\copy (RVBBIT MAP 'traits/extract_brand.yaml' AS brand USING (SELECT product_name FROM products ORDER BY id LIMIT 3)) TO STDOUT WITH (FORMAT csv)`,
  ]);
  assert.is(map.out.trim().split('\n').length, 3);
  assert.is(f.sim.stats().requests, 3);
  await f.close();
});

psycopg2Test('psycopg2 copy_expert COPY … TO STDOUT, 10,000 rows in order', async () => {
  const f = await startServerFixture();
  const r = await psycopg2(
    f.port,
    [
      'import io',
      'buf = io.StringIO()',
      'cur = conn.cursor()',
      `cur.copy_expert("COPY (SELECT range AS i, 'r' || range AS s FROM range(10000)) TO STDOUT WITH CSV HEADER", buf)`,
      'lines = buf.getvalue().splitlines()',
      'print(json.dumps([len(lines), lines[0], lines[1], lines[-1], cur.rowcount]))',
    ].join('\n'),
  );
  assert.is(r.err, '');
  assert.equal(JSON.parse(r.out), [10001, 'i,s', '0,r0', '9999,r9999', 10000]);
  await f.close();
});

test('binary COPY FROM STDIN into a column binary cannot fill is refused (0A000); a client that cannot feed COPY FROM STDIN fails it (57014); the session goes on', async () => {
  const f = await startServerFixture();
  const c = await f.client();
  await c.query('CREATE TABLE listy (a INT[])');
  const bin = await rejection(c.query('COPY listy FROM STDIN WITH (FORMAT binary)'));
  assert.is(bin.code, '0A000');
  assert.is(
    bin.message,
    'COPY listy FROM STDIN (FORMAT binary): column "a" of type INTEGER[] has no binary form here; use csv or text',
  );
  // node-postgres answers a CopyInResponse it has no stream for with CopyFail.
  await c.query('CREATE TABLE sink (a INT)');
  const stdin = await rejection(c.query('COPY sink FROM STDIN'));
  assert.is(stdin.code, '57014');
  assert.match(stdin.message, /^COPY from stdin failed: /);
  assert.equal((await c.query('SELECT count(*)::INT AS n FROM sink')).rows, [{ n: 0 }]);
  await f.close();
});

psqlTest(
  'psql \\copy FROM STDIN (csv and text) inserts every row exactly; a bad line inserts none',
  async () => {
    const f = await startServerFixture();
    const c = await f.client();
    await c.query('CREATE TABLE landed (id INT, s VARCHAR, x DOUBLE)');
    const csv = 'id,s,x\n1,plain,1.5\n2,,\n3,"a,b ""q""",2\n4,"line\nbreak",-1\n5,"",0\n';
    const r1 = await psql(f.port, ['-c', '\\copy landed FROM STDIN WITH (FORMAT csv, HEADER)'], csv);
    assert.is(r1.err, '');
    assert.is(r1.out, 'COPY 5\n');
    const text = '6\ttab\\there\t7.5\n7\t\\N\t\\N\n8\tback\\\\slash\t8\n';
    const r2 = await psql(f.port, ['-c', '\\copy landed FROM STDIN'], text);
    assert.is(r2.out, 'COPY 3\n');
    const rows = await c.query('SELECT id, s, x FROM landed ORDER BY id');
    assert.equal(rows.rows, [
      { id: 1, s: 'plain', x: 1.5 },
      { id: 2, s: null, x: null },
      { id: 3, s: 'a,b "q"', x: 2 },
      { id: 4, s: 'line\nbreak', x: -1 },
      { id: 5, s: '', x: 0 },
      { id: 6, s: 'tab\there', x: 7.5 },
      { id: 7, s: null, x: null },
      { id: 8, s: 'back\\slash', x: 8 },
    ]);
    const bad = await psql(
      f.port,
      ['-c', '\\copy landed FROM STDIN WITH (FORMAT csv)'],
      '9,ok,1\n10,missing\n',
    );
    assert.match(bad.err, /ERROR: {2}COPY landed FROM STDIN: missing data for column 3 on line 2/);
    assert.equal((await c.query('SELECT count(*)::INT AS n FROM landed')).rows, [{ n: 8 }]);
    await f.close();
  },
);

psycopg2Test('psycopg2 copy_expert FROM STDIN: 10,000 rows, then read back', async () => {
  const f = await startServerFixture();
  const r = await psycopg2(
    f.port,
    [
      'import io',
      'cur = conn.cursor()',
      "cur.execute('CREATE TABLE big (i INT, s VARCHAR)')",
      "data = io.StringIO(''.join(f'{i},r{i}\\n' for i in range(10000)))",
      "cur.copy_expert('COPY big FROM STDIN WITH CSV', data)",
      'conn.commit()',
      "cur.execute('SELECT count(*)::INT, sum(i)::BIGINT, max(s) FROM big')",
      'print(json.dumps(list(cur.fetchone())))',
    ].join('\n'),
  );
  assert.is(r.err, '');
  assert.equal(JSON.parse(r.out), [10000, 49995000, 'r9999']);
  await f.close();
});

jdbcTest('pgJDBC CopyManager: copyIn then copyOut', async () => {
  const f = await startServerFixture();
  const source = fileURLToPath(new URL('../fixtures/jdbc/RvbbitJdbcCopy.java', import.meta.url));
  const { code, out, err } = await run(JAVA, ['-cp', PGJDBC_JAR, source, String(f.port)]);
  assert.is(err, '');
  assert.is(code, 0);
  assert.equal(out.trimEnd().split('\n'), ['in 3', 'out 3 id,note|1,one|2,"t,wo"|3,|']);
  await f.close();
});

test.run();
