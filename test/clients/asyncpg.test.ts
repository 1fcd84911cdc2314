/**
 * asyncpg against a real server: it prepares every statement (Parse,
 * Describe), then sends parameters and reads results in binary by the types
 * the server described, so every type must be described and encoded exactly.
 */
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from '../server/helpers.js';
import { EVERY_TYPE_PY, EVERY_TYPE_ROW, EXACT_JSON_PY } from './every-type.js';
import { python } from './py-clients.js';

let f: ServerFixture;
const test = requires(uvuTest, 'py-clients');

test.before(async () => {
  f = await startServerFixture();
});
test.after(async () => {
  await f.close();
});

/** Runs `body` (indented Python, inside `async def main(conn)`) and returns what it printed, as JSON. */
async function asyncpg(body: string): Promise<unknown> {
  const script = [
    EVERY_TYPE_PY,
    EXACT_JSON_PY,
    'import asyncpg',
    'async def main(conn):',
    body,
    'async def run():',
    "    conn = await asyncpg.connect(host=os.environ['PGHOST'], port=int(os.environ['PGPORT']), user='py', database='asyncpg')",
    '    try:',
    '        await main(conn)',
    '    finally:',
    '        await conn.close()',
    'asyncio.run(run())',
  ].join('\n');
  const ran = await python(script, f.port);
  assert.is(ran.err, '', ran.err);
  assert.is(ran.code, 0);
  return JSON.parse(ran.out);
}

test('every type round-trips exactly: binary parameters in, binary results out, NULLs as NULL', async () => {
  const out = (await asyncpg(
    [
      "    await conn.execute('CREATE TABLE every_type (' + COLS + ')')",
      "    await conn.execute('INSERT INTO every_type VALUES (' + PLACEHOLDERS + ')', *ROW)",
      "    await conn.execute('INSERT INTO every_type VALUES (' + PLACEHOLDERS + ')', 2, *([None] * (len(ROW) - 1)))",
      "    rows = await conn.fetch('SELECT * FROM every_type ORDER BY id')",
      "    print(exact_json({'sent': rep(ROW), 'got': [rep(list(r.values())) for r in rows]}))",
    ].join('\n'),
  )) as { sent: unknown[]; got: unknown[][] };
  assert.equal(out.sent, EVERY_TYPE_ROW);
  assert.equal(out.got[0], EVERY_TYPE_ROW);
  assert.equal(out.got[1], [2, ...new Array(EVERY_TYPE_ROW.length - 1).fill(null)]);
});

test('parameters are described by type: fetchval("SELECT $1::INTEGER + 1", 1) is 2; a prepared statement reused', async () => {
  const out = await asyncpg(
    [
      "    two = await conn.fetchval('SELECT $1::INTEGER + 1', 1)",
      "    stmt = await conn.prepare('SELECT $1::INTEGER + 1 AS n, $2::TIMESTAMP AS ts, $3::DECIMAL(20,2) AS d, $4::INTEGER[] AS a')",
      '    params = [t.name for t in stmt.get_parameters()]',
      '    columns = [(a.name, a.type.name) for a in stmt.get_attributes()]',
      '    runs = []',
      '    for i in range(3):',
      "        r = await stmt.fetchrow(i, dt.datetime(2024, 1, 1, 0, 0, 0, i + 1), D('1.0%d' % i), [i, None])",
      '        runs.append(rep(list(r.values())))',
      "    print(exact_json({'two': two, 'params': params, 'columns': columns, 'runs': runs}))",
    ].join('\n'),
  );
  assert.equal(out, {
    two: 2,
    params: ['int4', 'timestamp', 'numeric', 'int4[]'],
    columns: [
      ['n', 'int4'],
      ['ts', 'timestamp'],
      ['d', 'numeric'],
      ['a', 'int4[]'],
    ],
    runs: [0, 1, 2].map((i) => [i + 1, `2024-01-01T00:00:00.00000${i + 1}`, `dec:1.0${i}`, [i, null]]),
  });
});

test('copy_records_to_table (binary COPY FROM STDIN) stores timestamps, numerics and text exactly', async () => {
  const out = await asyncpg(
    [
      "    await conn.execute('CREATE TABLE copied (id INTEGER, ts TIMESTAMP, tstz TIMESTAMPTZ, n DECIMAL(30,4), t VARCHAR, b BLOB, u UUID)')",
      '    records = [',
      "        (1, dt.datetime(2024, 2, 29, 12, 34, 56, 123456), dt.datetime(2024, 2, 29, 12, 34, 56, 7, tzinfo=UTC), D('12345678901234567.1234'), 'héllo', b'\\x00\\xff', U),",
      '        (2, None, None, None, None, None, None),',
      '    ]',
      "    status = await conn.copy_records_to_table('copied', records=records)",
      "    rows = await conn.fetch('SELECT * FROM copied ORDER BY id')",
      "    print(exact_json({'status': status, 'rows': [rep(list(r.values())) for r in rows]}))",
    ].join('\n'),
  );
  assert.equal(out, {
    status: 'COPY 2',
    rows: [
      [
        1,
        '2024-02-29T12:34:56.123456',
        '2024-02-29T12:34:56.000007+00:00',
        'dec:12345678901234567.1234',
        'héllo',
        'hex:00ff',
        'uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      ],
      [2, null, null, null, null, null, null],
    ],
  });
});

test('a cursor in a transaction reads every row in order, a few at a time', async () => {
  const out = await asyncpg(
    [
      '    seen = []',
      '    async with conn.transaction():',
      "        async for r in conn.cursor('SELECT i, i * 1.5::DECIMAL(10,1) AS x FROM range(7) t(i) ORDER BY i', prefetch=2):",
      "            seen.append([r['i'], rep(r['x'])])",
      "        cur = await conn.cursor('SELECT i FROM range(10) t(i) ORDER BY i')",
      '        first = [r[0] for r in await cur.fetch(3)]',
      '        middle = [r[0] for r in await cur.fetch(4)]',
      '        rest = [r[0] for r in await cur.fetch(10)]',
      "    print(exact_json({'seen': seen, 'first': first, 'middle': middle, 'rest': rest}))",
    ].join('\n'),
  );
  assert.equal(out, {
    seen: [0, 1, 2, 3, 4, 5, 6].map((i) => [i, `dec:${(i * 1.5).toFixed(1)}`]),
    first: [0, 1, 2],
    middle: [3, 4, 5, 6],
    rest: [7, 8, 9],
  });
});

test('a bad statement fails with its SQLSTATE and the connection goes on; a rolled-back transaction leaves nothing', async () => {
  const out = await asyncpg(
    [
      "    await conn.execute('CREATE TABLE ledger (id INTEGER, amount DECIMAL(12,2))')",
      '    errors = []',
      '    try:',
      "        await conn.fetch('SELECT * FROM no_such_table')",
      '    except asyncpg.PostgresError as e:',
      '        errors.append(e.sqlstate)',
      '    try:',
      "        await conn.fetchval('SELECT $1::INTEGER', 'not a number')",
      '    except (asyncpg.PostgresError, asyncpg.DataError) as e:',
      '        errors.append(type(e).__name__)',
      "    after_error = await conn.fetchval('SELECT $1::INTEGER * 2', 21)",
      '    tr = conn.transaction()',
      '    await tr.start()',
      "    await conn.execute('INSERT INTO ledger VALUES ($1, $2)', 1, D('10.50'))",
      "    inside = await conn.fetchval('SELECT count(*) FROM ledger')",
      '    await tr.rollback()',
      '    try:',
      '        async with conn.transaction():',
      "            await conn.execute('INSERT INTO ledger VALUES ($1, $2)', 2, D('3.25'))",
      "            raise RuntimeError('undo')",
      '    except RuntimeError:',
      '        pass',
      '    async with conn.transaction():',
      "        await conn.execute('INSERT INTO ledger VALUES ($1, $2)', 3, D('99.99'))",
      "    rows = [rep(list(r.values())) for r in await conn.fetch('SELECT * FROM ledger ORDER BY id')]",
      "    print(exact_json({'errors': errors, 'after_error': after_error, 'inside': inside, 'rows': rows}))",
    ].join('\n'),
  );
  assert.equal(out, {
    errors: ['42P01', 'DataError'],
    after_error: 42,
    inside: 1,
    rows: [[3, 'dec:99.99']],
  });
});

test.run();
