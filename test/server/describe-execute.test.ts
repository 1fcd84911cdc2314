/**
 * Describe tells the truth (issue 32), at the protocol level: for every kind
 * of statement, Describe statement names the columns the statement sends
 * (the simple protocol's RowDescription of the same statement), without a
 * model call; Execute sends as many fields as were described; a DECLAREd
 * cursor is a portal to Describe, Execute and Close; CopyData, CopyDone and
 * CopyFail after a COPY ended are dropped, as Postgres drops them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { message, query, type RawClient, rawClient, startupMessage } from './raw-socket.js';

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture();
});
test.after(async () => {
  await f.close();
});

interface Msg {
  readonly type: string;
  readonly body: Buffer;
}

function messages(data: Buffer): Msg[] {
  const out: Msg[] = [];
  for (let i = 0; i + 5 <= data.length; ) {
    const len = data.readInt32BE(i + 1);
    out.push({ type: String.fromCharCode(data[i]!), body: data.subarray(i + 5, i + 1 + len) });
    i += 1 + len;
  }
  return out;
}

/** RowDescription fields as `name:oid:format`. */
function fields(body: Buffer): string[] {
  const n = body.readInt16BE(0);
  const out: string[] = [];
  let i = 2;
  for (let k = 0; k < n; k++) {
    const end = body.indexOf(0, i);
    const name = body.toString('utf8', i, end);
    i = end + 1;
    const oid = body.readInt32BE(i + 6);
    const format = body.readInt16BE(i + 16);
    out.push(`${name}:${oid}:${format}`);
    i += 18;
  }
  return out;
}

const cstr = (s: string) => Buffer.from(`${s}\0`);
const parse = (name: string, sql: string) =>
  message('P', Buffer.concat([cstr(name), cstr(sql), Buffer.from([0, 0])]));
const bind = (portal: string, statement: string, params: string[] = []) => {
  const parts = [cstr(portal), cstr(statement), Buffer.from([0, 0])];
  const count = Buffer.alloc(2);
  count.writeInt16BE(params.length);
  parts.push(count);
  for (const p of params) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(Buffer.byteLength(p));
    parts.push(len, Buffer.from(p));
  }
  parts.push(Buffer.from([0, 0]));
  return message('B', Buffer.concat(parts));
};
const describe = (kind: 'S' | 'P', name: string) =>
  message('D', Buffer.concat([Buffer.from(kind), cstr(name)]));
const execute = (portal: string, max = 0) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(max);
  return message('E', Buffer.concat([cstr(portal), b]));
};
const close = (kind: 'S' | 'P', name: string) => message('C', Buffer.concat([Buffer.from(kind), cstr(name)]));
const sync = () => message('S', Buffer.alloc(0));

async function connected(): Promise<RawClient> {
  const raw = await rawClient(f.port);
  raw.socket.write(startupMessage());
  await raw.readyCount(1);
  return raw;
}

/** Sends `bytes`, waits for `ready` more ReadyForQuery, and returns what came back meanwhile. */
async function exchange(raw: RawClient, bytes: Buffer, ready = 1): Promise<Msg[]> {
  const skip = raw.received().length;
  raw.socket.write(bytes);
  await raw.readyCount(ready, 60_000, skip);
  return messages(raw.received().subarray(skip));
}

const STATEMENTS = [
  "SELECT 1 AS a, 'x' AS b, 2.5 AS c, DATE '2024-01-02' AS d",
  'EXPLAIN SELECT 1',
  'SELECT current_user, version()',
  "RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT id, product_name FROM products ORDER BY id LIMIT 2)",
  // An input column named like a result column comes out renamed (map-names.ts).
  "RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR, confidence DOUBLE) USING (SELECT id, product_name AS brand FROM products ORDER BY id LIMIT 2)",
  "RVBBIT MAP DISTINCT 'traits/extract_brand.yaml' AS brand USING (SELECT category FROM products LIMIT 4)",
  "RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT product_name FROM products LIMIT 2) WITH (as_table = 'mapped_meta')",
  "CREATE TEMP TABLE mapped_ctas AS RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT product_name FROM products LIMIT 2)",
  "RVBBIT RUN 'traits/analyze_batch.yaml' USING (SELECT * FROM products LIMIT 3)",
  "EXPLAIN RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT product_name FROM products LIMIT 2)",
  "SELECT id, product_name MEANS 'coffee' AS coffee FROM products ORDER BY id LIMIT 3",
  "SELECT product_name FROM products WHERE product_name MEANS 'coffee' ORDER BY id",
  "EXPLAIN SELECT product_name FROM products WHERE product_name MEANS 'coffee'",
  "EXPLAIN (FORMAT JSON) SELECT product_name FROM products WHERE product_name MEANS 'coffee'",
  'CREATE TEMP TABLE described_t (a INT)',
  'INSERT INTO described_t VALUES (1)',
];

test('Describe statement names the columns each kind of statement sends, with no model call', async () => {
  const raw = await connected();
  const described: string[][] = [];
  const before = f.sim.stats().requests;
  for (const sql of STATEMENTS) {
    const got = await exchange(raw, Buffer.concat([parse('', sql), describe('S', ''), sync()]));
    assert.equal(
      got.map((m) => m.type),
      ['1', 't', got[2]!.type, 'Z'],
      sql,
    );
    described.push(got[2]!.type === 'T' ? fields(got[2]!.body) : []);
  }
  assert.is(f.sim.stats().requests, before, 'describing called no model');
  for (const [i, sql] of STATEMENTS.entries()) {
    const got = await exchange(raw, query(sql));
    const ran = got.find((m) => m.type === 'T');
    const sent = ran ? fields(ran.body) : [];
    // A MAP's `_error` is named before it runs: rows that did not fail send it NULL.
    const isMap = sql.startsWith('RVBBIT MAP') && !sql.includes('as_table');
    const expected = isMap ? [...sent.filter((c) => !c.startsWith('_error:')), '_error:25:0'] : sent;
    assert.equal(described[i], expected, sql);
  }
  raw.socket.destroy();
});

test('Execute sends the fields Describe named: a MAP with _error NULL, a SELECT of an untyped parameter as text', async () => {
  const raw = await connected();
  const map =
    "RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT id, product_name FROM products WHERE id <= $1 ORDER BY id)";
  const got = await exchange(
    raw,
    Buffer.concat([
      parse('m', map),
      describe('S', 'm'),
      bind('', 'm', ['2']),
      execute(''),
      parse('p', 'SELECT $1 AS a, 2 AS b'),
      describe('S', 'p'),
      bind('', 'p', ['x']),
      execute(''),
      sync(),
    ]),
  );
  const rowDescriptions = got.filter((m) => m.type === 'T').map((m) => fields(m.body));
  assert.equal(rowDescriptions, [
    ['id:20:0', 'product_name:25:0', 'result:25:0', '_error:25:0'],
    ['a:25:0', 'b:23:0'],
  ]);
  const rows = got.filter((m) => m.type === 'D').map((m) => m.body.readInt16BE(0));
  assert.equal(rows, [4, 4, 2]);
  // The last field of each MAP row is NULL (-1): no row failed.
  const mapRows = got.filter((m) => m.type === 'D').slice(0, 2);
  for (const r of mapRows) assert.is(r.body.readInt32BE(r.body.length - 4), -1);
  raw.socket.destroy();
});

test('a DECLAREd cursor is a portal: Describe, Execute with a row limit, Close', async () => {
  const raw = await connected();
  await exchange(
    raw,
    query("BEGIN; DECLARE c CURSOR FOR SELECT i::INT AS i, 'r' || i AS s FROM range(5) t(i) ORDER BY i"),
  );
  const got = await exchange(
    raw,
    Buffer.concat([
      describe('P', 'c'),
      execute('c', 2),
      execute('c', 2),
      execute('c', 0),
      close('P', 'c'),
      sync(),
    ]),
  );
  assert.equal(
    got.map((m) => m.type),
    ['T', 'D', 'D', 's', 'D', 'D', 's', 'D', 'C', '3', 'Z'],
  );
  assert.equal(fields(got[0]!.body), ['i:23:0', 's:25:0']);
  assert.match(got[8]!.body.toString('latin1'), /^SELECT 1\0/);
  // Closed: FETCH finds no cursor (34000); a BINARY cursor is described in binary.
  const after = await exchange(raw, query('FETCH c'));
  assert.ok(after.some((m) => m.type === 'E' && m.body.toString('latin1').includes('C34000')));
  await exchange(raw, query('ROLLBACK; BEGIN; DECLARE b BINARY CURSOR FOR SELECT 7::INT AS seven'));
  const bin = await exchange(raw, Buffer.concat([describe('P', 'b'), execute('b'), sync()]));
  assert.equal(fields(bin[0]!.body), ['seven:23:1']);
  assert.equal([...bin[1]!.body.subarray(2)], [0, 0, 0, 4, 0, 0, 0, 7]);
  await exchange(raw, query('ROLLBACK'));
  raw.socket.destroy();
});

test('CopyData, CopyDone and CopyFail after a COPY ended are dropped, as Postgres drops them', async () => {
  const raw = await connected();
  await exchange(raw, query('CREATE TEMP TABLE stray (a INT)'));
  // A COPY FROM STDIN ended by CopyDone, then what postgres.js sends after it: CopyFail.
  const got = await exchange(
    raw,
    Buffer.concat([
      query('COPY stray FROM STDIN'),
      message('d', Buffer.from('1\n')),
      message('c', Buffer.alloc(0)),
      message('f', cstr('stream ended')),
      message('d', Buffer.from('2\n')),
      query('SELECT count(*)::INT AS n FROM stray'),
    ]),
    2,
  );
  assert.equal(
    got.map((m) => m.type),
    ['G', 'C', 'Z', 'T', 'D', 'C', 'Z'],
  );
  assert.is(got[4]!.body.toString('latin1', 6), '1');
  raw.socket.destroy();
});

test.run();
