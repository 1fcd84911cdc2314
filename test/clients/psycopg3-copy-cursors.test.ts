/**
 * psycopg 3 against the server: binary COPY both ways (`copy.rows()` read a
 * PGCOPY header sent alone as a bad row, issue 32) and named cursors, whose
 * DECLARE psycopg describes as a portal (`portal "p3cur" does not exist`)
 * and whose closing asks pg_cursors.
 */
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from '../server/helpers.js';
import { python } from './py-clients.js';

const test = requires(uvuTest, 'py-clients');
let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture();
});
test.after(async () => {
  await f.close();
});

const CONNECT = `
import json, os, datetime, decimal, uuid
import psycopg
conn = psycopg.connect(host=os.environ['PGHOST'], port=int(os.environ['PGPORT']), user='py', dbname='db', autocommit=True)
cur = conn.cursor()
def show(v):
    if isinstance(v, (datetime.date, datetime.datetime)): return v.isoformat()
    if isinstance(v, (decimal.Decimal, uuid.UUID)): return str(v)
    if isinstance(v, bytes): return v.hex()
    return v
`;

/** Runs `script` after CONNECT; its last printed line is JSON. */
async function run(script: string): Promise<unknown> {
  const r = await python(CONNECT + script, f.port);
  assert.is(r.err, '', r.err);
  assert.is(r.code, 0);
  return JSON.parse(r.out.trim().split('\n').at(-1)!);
}

const TYPES = "['int4', 'text', 'float8', 'date', 'timestamp', 'numeric', 'bool', 'uuid', 'bytea']";

test('binary COPY TO STDOUT: copy.rows() reads every row and type, and an empty result', async () => {
  const out = await run(`
cur.execute("""CREATE TABLE bin_out (i INT, s VARCHAR, x DOUBLE, d DATE, ts TIMESTAMP, n DECIMAL(10,2), b BOOLEAN, u UUID, bytes BLOB)""")
cur.execute("""INSERT INTO bin_out VALUES
  (1, 'héllo', 1.5, DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05.123', 12.30, true, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\\\x00\\\\xFF'::BLOB),
  (-2, '', -0.25, DATE '1970-01-01', TIMESTAMP '1999-12-31 23:59:59', -0.05, false, '00000000-0000-0000-0000-000000000000', ''::BLOB),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)""")
with cur.copy("COPY (SELECT * FROM bin_out ORDER BY i NULLS LAST) TO STDOUT (FORMAT binary)") as copy:
    copy.set_types(${TYPES})
    rows = [[show(v) for v in r] for r in copy.rows()]
with cur.copy("COPY (SELECT * FROM bin_out WHERE false) TO STDOUT (FORMAT binary)") as copy:
    copy.set_types(${TYPES})
    empty = list(copy.rows())
print(json.dumps([rows, empty]))
`);
  assert.equal(out, [
    [
      [
        -2,
        '',
        -0.25,
        '1970-01-01',
        '1999-12-31T23:59:59',
        '-0.05',
        false,
        '00000000-0000-0000-0000-000000000000',
        '',
      ],
      [
        1,
        'héllo',
        1.5,
        '2024-02-29',
        '2024-01-02T03:04:05.123000',
        '12.30',
        true,
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        '00ff',
      ],
      [null, null, null, null, null, null, null, null, null],
    ],
    [],
  ]);
});

test('binary COPY FROM STDIN: copy.write_row() rows land exactly, in one CopyData or cut anywhere', async () => {
  const out = await run(`
cur.execute("""CREATE TABLE bin_in (i INT, s VARCHAR, x DOUBLE, d DATE, ts TIMESTAMP, n DECIMAL(10,2), b BOOLEAN, u UUID, bytes BLOB)""")
rows = [
  (1, 'héllo', 1.5, datetime.date(2024, 2, 29), datetime.datetime(2024, 1, 2, 3, 4, 5, 123456), decimal.Decimal('12.30'), True, uuid.UUID('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), b'\\x00\\xff'),
  (2, None, None, None, None, None, None, None, None),
]
with cur.copy("COPY bin_in FROM STDIN (FORMAT binary)") as copy:
    copy.set_types(${TYPES})
    for r in rows: copy.write_row(r)
# The same bytes again, one CopyData per 7 bytes: rows cut across messages.
buf = bytearray()
with cur.copy("COPY (SELECT * FROM bin_in ORDER BY i) TO STDOUT (FORMAT binary)") as copy:
    for chunk in copy: buf += chunk
with cur.copy("COPY bin_in FROM STDIN (FORMAT binary)") as copy:
    for k in range(0, len(buf), 7): copy.write(bytes(buf[k:k + 7]))
cur.execute("SELECT i, s, x, d::VARCHAR, ts::VARCHAR, n::VARCHAR, b, u::VARCHAR, hex(bytes) FROM bin_in ORDER BY i, s NULLS LAST")
got = [list(r) for r in cur.fetchall()]
# A row whose field count is not the table's: 22P04, nothing of it lands.
try:
    with cur.copy("COPY bin_in FROM STDIN (FORMAT binary)") as copy:
        copy.set_types(['int4', 'text'])
        copy.write_row((9, 'short'))
    bad = None
except psycopg.Error as e:
    bad = [e.sqlstate, str(e).splitlines()[0]]
cur.execute("SELECT count(*) FROM bin_in")
print(json.dumps([got, bad, cur.fetchone()[0]]))
`);
  const full = [
    1,
    'héllo',
    1.5,
    '2024-02-29',
    '2024-01-02 03:04:05.123456',
    '12.30',
    true,
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    '00FF',
  ];
  const nulls = [2, null, null, null, null, null, null, null, null];
  assert.equal(out, [
    [full, full, nulls, nulls],
    ['22P04', 'COPY bin_in FROM STDIN, row 1: row field count is 2, expected 9'],
    4,
  ]);
});

test('named cursors: DECLARE described as a portal, fetched in pages, WITH HOLD, binary, over a MAP; pg_cursors', async () => {
  const out = await run(`
conn.autocommit = False
res = {}
with conn.cursor('p3cur') as nc:
    nc.itersize = 3
    nc.execute("SELECT i::INT AS i, 'r' || i AS s FROM range(10) t(i) ORDER BY i")
    res['description'] = [[d.name, d.type_code] for d in nc.description]
    res['first'] = [list(r) for r in nc.fetchmany(4)]
    res['rest'] = [list(r) for r in nc]
conn.commit()
with conn.cursor('binary_cur', binary=True) as nc:
    nc.execute("SELECT i, (i * 0.5)::DOUBLE AS half FROM range(3) t(i) ORDER BY i")
    res['binary'] = [[r[0], r[1]] for r in nc.fetchall()]
conn.commit()
with conn.cursor('map_cur') as nc:
    nc.execute("RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR) USING (SELECT id, product_name FROM products WHERE id <= 2 ORDER BY id)")
    res['map'] = [[d.name for d in nc.description], [list(r) for r in nc.fetchall()]]
conn.commit()
held = conn.cursor('held', withhold=True)
held.execute("SELECT i FROM range(4) t(i) ORDER BY i")
conn.commit()
plain = conn.cursor()
plain.execute("SELECT name, is_holdable, is_binary, is_scrollable, statement, creation_time <= now() FROM pg_catalog.pg_cursors")
res['pg_cursors'] = [list(r) for r in plain.fetchall()]
res['held'] = [r[0] for r in held.fetchall()]
held.close()
plain.execute("SELECT count(*) FROM pg_cursors")
res['after_close'] = plain.fetchone()[0]
conn.commit()
print(json.dumps(res))
`);
  assert.equal(out, {
    description: [
      ['i', 23],
      ['s', 25],
    ],
    first: [
      [0, 'r0'],
      [1, 'r1'],
      [2, 'r2'],
      [3, 'r3'],
    ],
    rest: [4, 5, 6, 7, 8, 9].map((i) => [i, `r${i}`]),
    binary: [
      [0, 0],
      [1, 0.5],
      [2, 1],
    ],
    // A MAP streamed to a cursor has its `_error` column whatever its rows (docs/server.md, cursors).
    map: [
      ['id', 'product_name', 'brand', '_error'],
      [
        [1, 'IKEA MALM Dresser 6-drawer', 'IKEA', null],
        [2, 'OXO Pour-Over Coffee Maker - Graphite', 'OXO', null],
      ],
    ],
    pg_cursors: [
      [
        'held',
        true,
        false,
        false,
        'DECLARE "held" CURSOR WITH HOLD FOR SELECT i FROM range(4) t(i) ORDER BY i',
        true,
      ],
    ],
    held: [0, 1, 2, 3],
    after_close: 0,
  });
});

test.run();
