/**
 * Cursors through real clients: psql's FETCH_COUNT and psycopg2's named
 * cursors over 10,000 rows, DECLARE / FETCH / MOVE / CLOSE typed into psql,
 * and extended-protocol portals read with a row limit (what pg-cursor and
 * pgJDBC's setFetchSize send), which stream from DuckDB.
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JAVA, PGJDBC_JAR, requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { psql, psycopg2, run } from './py-client.js';
import { message, rawClient, startupMessage } from './raw-socket.js';

const psqlTest = requires(test, 'psql');
const psycopg2Test = requires(test, 'psycopg2');
const jdbcTest = requires(test, 'java', 'pgjdbc');

let f: ServerFixture;
const TEN_K = `SELECT range AS i, 'x' || range AS s FROM range(10000)`;

test.before(async () => {
  f = await startServerFixture({}, { latencyMs: 20 });
});
test.after(async () => {
  await f.close();
});

psqlTest('psql \\set FETCH_COUNT 100 over 10,000 rows: every row once, in order, 100 per FETCH', async () => {
  const before = f.log.length;
  const r = await psql(f.port, ['-At', '-F', ','], `\\set FETCH_COUNT 100\n${TEN_K};\n`);
  assert.is(r.err, '');
  const lines = r.out.trim().split('\n');
  assert.is(lines.length, 10000);
  assert.is(lines[0], '0,x0');
  assert.is(lines[9999], '9999,x9999');
  assert.ok(lines.every((l, n) => l === `${n},x${n}`));
  const sent = f.log.slice(before).map((l) => l.replace(/^\[\d+\] /, ''));
  assert.ok(sent.some((l) => /^DECLARE _psql_cursor NO SCROLL CURSOR FOR/.test(l)));
  assert.is(sent.filter((l) => l === 'FETCH FORWARD 100 FROM _psql_cursor').length, 101);
});

psycopg2Test('psycopg2 named cursor (itersize 1000) over 10,000 rows', async () => {
  const before = f.log.length;
  const r = await psycopg2(
    f.port,
    [
      "cur = conn.cursor('big')",
      'cur.itersize = 1000',
      `cur.execute(${JSON.stringify(TEN_K)})`,
      'rows = list(cur)',
      'ok = all(r == (n, "x%d" % n) for n, r in enumerate(rows))',
      'print(json.dumps([len(rows), list(rows[0]), list(rows[-1]), ok]))',
      'cur.close()',
      'conn.commit()',
      // The same connection goes on after the cursor.
      'c2 = conn.cursor()',
      "c2.execute('SELECT 7')",
      'print(c2.fetchone()[0])',
    ].join('\n'),
  );
  assert.is(r.err, '');
  const [summary, after] = r.out.trim().split('\n');
  assert.equal(JSON.parse(summary!), [10000, [0, 'x0'], [9999, 'x9999'], true]);
  assert.is(after, '7');
  const sent = f.log.slice(before).map((l) => l.replace(/^\[\d+\] /, ''));
  assert.ok(sent.some((l) => /^DECLARE "big" CURSOR WITHOUT HOLD FOR/.test(l)));
  assert.is(sent.filter((l) => l === 'FETCH FORWARD 1000 FROM "big"').length, 11);
});

psqlTest('DECLARE / FETCH / MOVE / CLOSE typed into psql', async () => {
  const script = [
    'BEGIN;',
    'DECLARE c NO SCROLL CURSOR FOR SELECT range AS i FROM range(10);',
    'FETCH 3 FROM c;',
    'MOVE FORWARD 2 IN c;',
    'FETCH NEXT c;',
    'FETCH ALL c;',
    'FETCH c;',
    'CLOSE c;',
    'COMMIT;',
  ].join('\n');
  const r = await psql(f.port, ['-At', '-e'], script);
  assert.is(r.err, '');
  assert.equal(r.out.trim().split('\n'), [
    'BEGIN;',
    'BEGIN',
    'DECLARE c NO SCROLL CURSOR FOR SELECT range AS i FROM range(10);',
    'DECLARE CURSOR',
    'FETCH 3 FROM c;',
    '0',
    '1',
    '2',
    'MOVE FORWARD 2 IN c;',
    'MOVE 2',
    'FETCH NEXT c;',
    '5',
    'FETCH ALL c;',
    '6',
    '7',
    '8',
    '9',
    'FETCH c;',
    'CLOSE c;',
    'CLOSE CURSOR',
    'COMMIT;',
    'COMMIT',
  ]);
});

test('cursor rules: WITHOUT HOLD needs a block, the block end closes it, WITH HOLD outlives it', async () => {
  const c = await f.client();
  const err = await c.query('DECLARE c CURSOR FOR SELECT 1').catch((e) => e);
  assert.is(err.code, '25P01');
  await c.query('BEGIN');
  await c.query('DECLARE c CURSOR FOR SELECT range AS i FROM range(3)');
  assert.is((await c.query('DECLARE c CURSOR FOR SELECT 1').catch((e) => e)).code, '42P03');
  await c.query('ROLLBACK');
  await c.query('BEGIN');
  await c.query('DECLARE c CURSOR FOR SELECT range AS i FROM range(3)');
  assert.equal((await c.query('FETCH 1 FROM c')).rows, [{ i: 0n.toString() }]);
  await c.query('COMMIT');
  assert.is((await c.query('FETCH c').catch((e) => e)).code, '34000');
  // WITH HOLD outside a block; another statement while it is open; a backward fetch is refused.
  await c.query('DECLARE h CURSOR WITH HOLD FOR SELECT range AS i, range * 2 AS i FROM range(5)');
  const first = await c.query({ text: 'FETCH 2 h', rowMode: 'array' });
  assert.equal(first.rows, [
    ['0', '0'],
    ['1', '2'],
  ]);
  assert.equal((await c.query('SELECT 42 AS x')).rows, [{ x: 42 }]);
  assert.is((await c.query('FETCH PRIOR h').catch((e) => e)).code, '55000');
  assert.equal((await c.query({ text: 'FETCH ALL FROM h', rowMode: 'array' })).rows, [
    ['2', '4'],
    ['3', '6'],
    ['4', '8'],
  ]);
  assert.is((await c.query('CLOSE ALL')).command, 'CLOSE');
  assert.is((await c.query('CLOSE h').catch((e) => e)).code, '34000');
});

test('a cursor over a semantic SELECT and over an RVBBIT MAP', async () => {
  const c = await f.client();
  await c.query('BEGIN');
  await c.query(
    `DECLARE s CURSOR FOR SELECT id FROM products WHERE product_name MEANS 'kitchen appliance' ORDER BY id LIMIT 3`,
  );
  const a = await c.query('FETCH 2 FROM s');
  const b = await c.query('FETCH 2 FROM s');
  assert.is(a.rows.length + b.rows.length, 3);
  await c.query(
    `DECLARE m CURSOR FOR RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR) USING (SELECT id, product_name FROM products ORDER BY id LIMIT 3)`,
  );
  assert.equal(
    (await c.query('FETCH ALL m')).rows.map((r) => [r.id, r.brand]),
    [
      ['1', 'IKEA'],
      ['2', 'OXO'],
      ['3', 'Ninja'],
    ],
  );
  await c.query('COMMIT');
});

/** DataRows and the other messages in a byte stream, by type. */
function messageTypes(data: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i + 5 <= data.length; i += 1 + data.readInt32BE(i + 1))
    out.push(String.fromCharCode(data[i]!));
  return out;
}

test('extended protocol: Execute with a row limit pages a streamed portal (PortalSuspended), then completes', async () => {
  const raw = await rawClient(f.port);
  raw.socket.write(startupMessage());
  await raw.readyCount(1);
  const skip = raw.received().length;
  const cstr = (s: string) => Buffer.from(`${s}\0`);
  const execute = (max: number) => {
    const b = Buffer.alloc(1 + 4); // portal '' and the row limit
    b.writeInt32BE(max, 1);
    return message('E', b);
  };
  raw.socket.write(
    Buffer.concat([
      message('P', Buffer.concat([cstr(''), cstr(TEN_K), Buffer.from([0, 0])])),
      message('B', Buffer.concat([cstr(''), cstr(''), Buffer.from([0, 0, 0, 0, 0, 0])])),
      message('D', Buffer.concat([Buffer.from('P'), cstr('')])),
      execute(4000),
      execute(4000),
      execute(4000),
      message('S', Buffer.alloc(0)),
    ]),
  );
  await raw.readyCount(1, 30_000, skip);
  const types = messageTypes(raw.received().subarray(skip));
  assert.is(types.filter((t) => t === 'D').length, 10000);
  assert.is(types.filter((t) => t === 's').length, 2);
  assert.equal(types.slice(0, 3), ['1', '2', 'T']);
  assert.equal(types.slice(-2), ['C', 'Z']);
  const data = raw.received().subarray(skip);
  assert.match(data.toString('latin1'), /SELECT 10000\0/);
  raw.socket.destroy();
});

jdbcTest(
  'pgJDBC setFetchSize: 10,000 plain rows 100 at a time (streamed), and a MAP 2 at a time',
  async () => {
    const source = fileURLToPath(new URL('../fixtures/jdbc/RvbbitJdbcFetch.java', import.meta.url));
    const { code, out, err } = await run(JAVA, ['-cp', PGJDBC_JAR, source, String(f.port)]);
    assert.is(err, '');
    assert.is(code, 0);
    assert.equal(out.trimEnd().split('\n'), [
      'plain 10000 0 9999 true',
      'map 1=IKEA 2=OXO 3=Ninja 4=The 5=Sony',
    ]);
  },
);

test.run();
