/**
 * psycopg 3 against a real server: parameters in text (%t) and binary (%b),
 * results through text and binary cursors, server-side prepared statements,
 * pipeline mode, errors and rollback; typed semantic functions (LLM_SCORE,
 * LLM(… RETURNING BOOLEAN)) as Python ints and bools. psycopg 3 declares each
 * parameter's type in its Parse (a list of strings as unknown, for the server
 * to infer).
 */
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { ROOT, type ServerFixture, startServerFixture } from '../server/helpers.js';
import { EVERY_TYPE_PY, EVERY_TYPE_ROW, EXACT_JSON_PY, PG15_FORMS } from './every-type.js';
import { python } from './py-clients.js';

let f: ServerFixture;
const test = requires(uvuTest, 'py-clients');

test.before(async () => {
  // The reviews table is read through the server's file guard: open the folder it is in.
  f = await startServerFixture({ allowFiles: [`${ROOT}examples/data`] });
});
test.after(async () => {
  await f.close();
});

/** Runs `body` (Python with `conn`, an autocommit psycopg 3 connection) and returns what it printed, as JSON. */
async function psycopg3(body: string, autocommit = true): Promise<unknown> {
  const script = [
    EVERY_TYPE_PY,
    EXACT_JSON_PY,
    'import psycopg',
    `conn = psycopg.connect(host=os.environ['PGHOST'], port=int(os.environ['PGPORT']), user='py', dbname='psycopg3', autocommit=${autocommit ? 'True' : 'False'})`,
    body,
    'conn.close()',
  ].join('\n');
  const ran = await python(script, f.port);
  assert.is(ran.err, '', ran.err);
  assert.is(ran.code, 0);
  return JSON.parse(ran.out);
}

const NULL_ROW = (id: number) => [id, ...new Array(EVERY_TYPE_ROW.length - 1).fill(null)];
const row = (id: number) => [id, ...EVERY_TYPE_ROW.slice(1)];

test('every type round-trips exactly: text and binary parameters, read through text and binary cursors', async () => {
  const out = (await psycopg3(
    [
      "conn.execute('CREATE TABLE every_type (' + COLS + ')')",
      "conn.execute('INSERT INTO every_type VALUES (' + ', '.join(['%t'] * len(ROW)) + ')', [1] + ROW[1:])",
      "conn.execute('INSERT INTO every_type (id) VALUES (%s)', [2])",
      "conn.execute('INSERT INTO every_type VALUES (' + ', '.join(['%b'] * len(ROW)) + ')', [3] + ROW[1:])",
      'got = {}',
      'for binary in (False, True):',
      '    cur = conn.cursor(binary=binary)',
      "    cur.execute('SELECT * FROM every_type ORDER BY id')",
      "    got['binary' if binary else 'text'] = [rep(list(r)) for r in cur.fetchall()]",
      'print(exact_json(got))',
    ].join('\n'),
  )) as { text: unknown[][]; binary: unknown[][] };
  assert.equal(out.text, [row(1), NULL_ROW(2), row(3)]);
  assert.equal(out.binary, [row(1), NULL_ROW(2), row(3)]);
});

test('each type goes out byte for byte as PostgreSQL 15 sends it, in text and in binary, with its OID', async () => {
  const out = (await psycopg3(
    [
      `exprs = json.loads(${JSON.stringify(JSON.stringify(PG15_FORMS.map(([e]) => e)))})`,
      'forms = []',
      'for e in exprs:',
      '    text = conn.cursor(); text.execute("SELECT " + e)',
      '    binary = conn.cursor(binary=True); binary.execute("SELECT " + e)',
      '    forms.append([e, text.pgresult.ftype(0), text.pgresult.get_value(0, 0).decode(), binary.pgresult.get_value(0, 0).hex()])',
      'print(json.dumps(forms))',
    ].join('\n'),
  )) as unknown[];
  assert.is(out.length, PG15_FORMS.length);
  for (const [i, expected] of PG15_FORMS.entries()) assert.equal(out[i], expected);
});

test('parameters: SELECT %s::INTEGER + 1; prepared on the server and reused; arrays, numerics and timestamps both ways', async () => {
  const out = await psycopg3(
    [
      "two = conn.execute('SELECT %s::INTEGER + 1', [1]).fetchone()[0]",
      'runs = []',
      'for i in range(4):',
      "    cur = conn.execute('SELECT %s::INTEGER * 2 AS n, %s::DECIMAL(20,2) AS d, %s::TIMESTAMPTZ AS ts, %s::VARCHAR[] AS a', [i, D('0.5%d' % i), dt.datetime(2024, 1, 1, 0, 0, 0, i + 1, tzinfo=UTC), ['x', None]], prepare=True)",
      '    runs.append(rep(list(cur.fetchone())))',
      'cur = conn.cursor(binary=True)',
      "cur.execute('SELECT %b::DECIMAL(20,2)[] AS a, %b AS n', [[D('1.25'), None], D('-12345678901234567890.123456789')])",
      'binary = rep(list(cur.fetchone()))',
      "print(exact_json({'two': two, 'runs': runs, 'prepared': len(conn._prepared._names) > 0, 'binary': binary}))",
    ].join('\n'),
  );
  assert.equal(out, {
    two: 2,
    runs: [0, 1, 2, 3].map((i) => [
      i * 2,
      `dec:0.5${i}`,
      `2024-01-01T00:00:00.00000${i + 1}+00:00`,
      ['x', null],
    ]),
    prepared: true,
    binary: [['dec:1.25', null], 'dec:-12345678901234567890.123456789'],
  });
});

test('parameters inlined into the SQL (ClientCursor, as psycopg2 sends them) read as Postgres reads them', async () => {
  const out = await psycopg3(
    [
      'cur = psycopg.ClientCursor(conn)',
      "values = [b'\\x00\\x01\\xff', D('1.23456'), D('-12345678901234567890.1234'), [1, None, -3], [b'\\x00\\\\', None], [dt.datetime(2024, 1, 1, 0, 0, 0, 7)], dt.timedelta(days=1, microseconds=3)]",
      "sql = 'SELECT ' + ', '.join(['%s'] * len(values))",
      'cur.execute(sql, values)',
      'got = rep(list(cur.fetchone()))',
      "conn.execute('CREATE TABLE inlined (b BLOB, n DECIMAL(10,5), a SMALLINT[])')",
      "cur.execute('INSERT INTO inlined VALUES (%s, %s, %s)', [b'\\x00\\x01\\xff', D('1.23456'), [7, None]])",
      "stored = rep(list(conn.execute('SELECT b, octet_length(b), n, a FROM inlined').fetchone()))",
      "print(exact_json({'sql': cur.mogrify(sql, values), 'got': got, 'stored': stored}))",
    ].join('\n'),
  );
  const { sql, ...values } = out as { sql: string };
  // The forms Postgres reads differently from DuckDB, all in the SQL text.
  for (const form of ["'\\x0001ff'::bytea", "'{1,NULL,-3}'::int2[]", "E'{", '::bytea[]', '::timestamp[]'])
    assert.ok(sql.includes(form), `${form} in ${sql}`);
  assert.equal(values, {
    got: [
      'hex:0001ff',
      'dec:1.23456',
      'dec:-12345678901234567890.1234',
      [1, null, -3],
      ['hex:005c', null],
      ['2024-01-01T00:00:00.000007'],
      'td:1d0s3us',
    ],
    stored: ['hex:0001ff', 3, 'dec:1.23456', [7, null]],
  });
});

test('pipeline mode: many statements in one round trip, results in order', async () => {
  const out = await psycopg3(
    [
      "conn.execute('CREATE TABLE pipe (id INTEGER, stamp TIMESTAMP, amount DECIMAL(12,2))')",
      'with conn.pipeline():',
      '    for i in range(5):',
      "        conn.execute('INSERT INTO pipe VALUES (%s, %s, %s)', [i, dt.datetime(2024, 3, 1, 12, 0, 0, 999999 - i), D('%d.01' % i)])",
      "    c1 = conn.execute('SELECT count(*) FROM pipe')",
      "    c2 = conn.execute('SELECT id, stamp, amount FROM pipe ORDER BY id DESC LIMIT 2')",
      '    n = c1.fetchone()[0]',
      '    last = [rep(list(r)) for r in c2.fetchall()]',
      "print(exact_json({'n': n, 'last': last}))",
    ].join('\n'),
  );
  assert.equal(out, {
    n: 5,
    last: [
      [4, '2024-03-01T12:00:00.999995', 'dec:4.01'],
      [3, '2024-03-01T12:00:00.999996', 'dec:3.01'],
    ],
  });
});

test('a bad statement fails with its SQLSTATE and the connection goes on; rollback leaves nothing', async () => {
  const out = await psycopg3(
    [
      "conn.execute('CREATE TABLE ledger (id INTEGER, amount DECIMAL(12,2))')",
      'conn.commit()',
      'errors = []',
      'try:',
      "    conn.execute('SELECT * FROM no_such_table')",
      'except psycopg.Error as e:',
      '    errors.append(e.sqlstate)',
      '    conn.rollback()',
      "after_error = conn.execute('SELECT %s::INTEGER * 2', [21]).fetchone()[0]",
      "conn.execute('INSERT INTO ledger VALUES (%s, %s)', [1, D('10.50')])",
      "inside = conn.execute('SELECT count(*) FROM ledger').fetchone()[0]",
      'conn.rollback()',
      'try:',
      '    with conn.transaction():',
      "        conn.execute('INSERT INTO ledger VALUES (%s, %s)', [2, D('3.25')])",
      "        raise RuntimeError('undo')",
      'except RuntimeError:',
      '    pass',
      'with conn.transaction():',
      "    conn.execute('INSERT INTO ledger VALUES (%s, %s)', [3, D('99.99')])",
      "rows = [rep(list(r)) for r in conn.execute('SELECT * FROM ledger ORDER BY id').fetchall()]",
      'conn.commit()',
      "print(exact_json({'errors': errors, 'after_error': after_error, 'inside': inside, 'rows': rows}))",
    ].join('\n'),
    false,
  );
  assert.equal(out, { errors: ['42P01'], after_error: 42, inside: 1, rows: [[3, 'dec:99.99']] });
});

const UNALIASED = "LLM_SCORE(review, 'how positive', 1, 5)";
const SCORE = `SELECT id, LLM_SCORE(review, 'how positive the review is', 1, 5) AS s, ${UNALIASED} FROM reviews WHERE id <= 5 ORDER BY id`;
// Reviews 17..24: some liked, some not.
const LIKED = `SELECT id, LLM('The reviewer liked the film', review RETURNING BOOLEAN) AS liked FROM reviews WHERE id BETWEEN 17 AND 24 ORDER BY id`;

test('LLM_SCORE as Python ints equal to the library, named as written; LLM(… RETURNING BOOLEAN) as Python bools', async () => {
  await f.engine.query(`CREATE TABLE reviews AS SELECT * FROM read_csv('${ROOT}examples/data/reviews.csv')`);
  const score = await f.engine.query(SCORE);
  assert.equal(
    score.columns.map((c) => `${c.name} ${c.type}`),
    ['id BIGINT', 's INTEGER', `${UNALIASED} INTEGER`],
  );
  const scores = score.rows.map((r) => [Number(r.id), r.s as number, r[UNALIASED] as number]);
  assert.is(scores.length, 5);
  for (const [, ...s] of scores)
    assert.ok(
      s.every((x) => Number.isInteger(x) && x >= 1 && x <= 5),
      String(s),
    );
  const liked = (await f.engine.query(LIKED)).rows.map((r) => [Number(r.id), r.liked as boolean]);
  assert.is(liked.length, 8);
  assert.ok(liked.some(([, l]) => l === true) && liked.some(([, l]) => l === false), JSON.stringify(liked));
  const out = await psycopg3(
    [
      `queries = json.loads(${JSON.stringify(JSON.stringify([SCORE, LIKED]))})`,
      'got = {}',
      'for binary in (False, True):',
      '    results = []',
      '    for sql in queries:',
      '        cur = conn.cursor(binary=binary)',
      '        cur.execute(sql)',
      '        results.append({',
      "            'description': [[d.name, d.type_code] for d in cur.description],",
      "            'rows': [[[type(v).__name__, v] for v in r] for r in cur.fetchall()],",
      '        })',
      "    got['binary' if binary else 'text'] = results",
      'print(json.dumps(got))',
    ].join('\n'),
  );
  // int8, int4, bool OIDs; each value with its Python type.
  const expected = [
    {
      description: [
        ['id', 20],
        ['s', 23],
        [UNALIASED, 23],
      ],
      rows: scores.map((r) => r.map((v) => ['int', v])),
    },
    {
      description: [
        ['id', 20],
        ['liked', 16],
      ],
      rows: liked.map(([id, l]) => [
        ['int', id],
        ['bool', l],
      ]),
    },
  ];
  assert.equal(out, { text: expected, binary: expected });
});

test.run();
