/**
 * What Postgres checks before it runs anything, checked the same way: SQL
 * and text parameters must be UTF-8 (22021, never U+FFFD); a Bind's
 * format-code count, format codes, lengths and parameter count (08P01, and
 * 22023 for a format code, as Postgres); a Parse's parameter type OIDs
 * (42704 for one that names no type). Each error ends only its exchange:
 * the connection is usable after Sync. Raw messages, as no driver sends them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { firstError, message, query, type RawClient, rawClient, startupMessage } from './raw-socket.js';

let f: ServerFixture;
let raw: RawClient;
test.before(async () => {
  f = await startServerFixture();
  raw = await rawClient(f.port);
  raw.socket.setNoDelay(true);
  raw.socket.write(startupMessage());
  await raw.readyCount(1);
});
test.after(async () => {
  raw.socket.destroy();
  await f.close();
});

const cstr = (s: string | Buffer) => Buffer.concat([Buffer.from(s), Buffer.from([0])]);
const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

function parseMsg(sql: string | Buffer, oids: number[] = [], name = ''): Buffer {
  return message('P', Buffer.concat([cstr(name), cstr(sql), int16(oids.length), ...oids.map(int32)]));
}

interface BindParts {
  formats?: number[];
  values?: (Buffer | null)[];
  /** Written as the parameter count instead of values.length. */
  lengths?: number[];
  resultFormats?: number[];
  statement?: string;
}

function bindMsg(p: BindParts): Buffer {
  const values = p.values ?? [];
  const params = p.lengths
    ? p.lengths.map(int32)
    : values.map((v) => (v === null ? int32(-1) : Buffer.concat([int32(v.length), v])));
  return message(
    'B',
    Buffer.concat([
      cstr(''),
      cstr(p.statement ?? ''),
      int16(p.formats?.length ?? 0),
      ...(p.formats ?? []).map(int16),
      int16(p.lengths?.length ?? values.length),
      ...params,
      int16(p.resultFormats?.length ?? 0),
      ...(p.resultFormats ?? []).map(int16),
    ]),
  );
}

const execute = () => message('E', Buffer.concat([cstr(''), int32(0)]));
const sync = () => message('S', Buffer.alloc(0));

/** Sends the messages and waits for the exchange's ReadyForQuery; its first error (or undefined). */
async function exchange(...messages: Buffer[]) {
  const from = raw.received().length;
  raw.socket.write(Buffer.concat(messages));
  await raw.readyCount(1, 10_000, from);
  return firstError(raw.received().subarray(from));
}

/** The DataRow values of the replies after `from`, as text. */
function dataRows(from: number): string[][] {
  const data = raw.received();
  const rows: string[][] = [];
  for (let i = from; i + 5 <= data.length; i += 1 + data.readInt32BE(i + 1)) {
    if (data[i] !== 0x44) continue;
    const n = data.readInt16BE(i + 5);
    let j = i + 7;
    const row: string[] = [];
    for (let k = 0; k < n; k++) {
      const len = data.readInt32BE(j);
      row.push(len < 0 ? 'NULL' : data.toString('utf8', j + 4, j + 4 + len));
      j += 4 + Math.max(len, 0);
    }
    rows.push(row);
  }
  return rows;
}

/** The connection still works: a simple SELECT answers. */
async function stillWorks() {
  const from = raw.received().length;
  assert.is(await exchange(query('SELECT 41 + 1')), undefined);
  assert.equal(dataRows(from), [['42']]);
}

test('a Query that is not UTF-8 is 22021 naming the bytes, as Postgres; the session goes on', async () => {
  const e = await exchange(
    message('Q', Buffer.concat([Buffer.from("SELECT 'a"), Buffer.from([0xc3, 0x28]), Buffer.from("'\0")])),
  );
  assert.is(e?.C, '22021');
  assert.is(e?.M, 'invalid byte sequence for encoding "UTF8": 0xc3 0x28');
  const lone = await exchange(
    message('Q', Buffer.concat([Buffer.from("SELECT '"), Buffer.from([0xff]), Buffer.from("'\0")])),
  );
  assert.is(lone?.M, 'invalid byte sequence for encoding "UTF8": 0xff');
  // A surrogate encoded in UTF-8 (CESU) is not UTF-8 either.
  const surrogate = await exchange(
    message(
      'Q',
      Buffer.concat([Buffer.from("SELECT '"), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from("'\0")]),
    ),
  );
  assert.is(surrogate?.M, 'invalid byte sequence for encoding "UTF8": 0xed 0xa0 0x80');
  const from = raw.received().length;
  assert.is(await exchange(query("SELECT 'é€😀' AS s")), undefined);
  assert.equal(dataRows(from), [['é€😀']]);
});

test('Parse SQL and text parameters that are not UTF-8 are 22021; a NUL in a text parameter too', async () => {
  const parse = await exchange(
    parseMsg(Buffer.concat([Buffer.from("SELECT '"), Buffer.from([0xe2, 0x28, 0xa1]), Buffer.from("'")])),
    sync(),
  );
  assert.is(parse?.C, '22021');
  assert.is(parse?.M, 'invalid byte sequence for encoding "UTF8": 0xe2 0x28 0xa1');
  const param = await exchange(
    parseMsg('SELECT $1::VARCHAR'),
    bindMsg({ values: [Buffer.from([0x61, 0x80])] }),
    execute(),
    sync(),
  );
  assert.is(param?.C, '22021');
  assert.is(param?.M, 'invalid byte sequence for encoding "UTF8": 0x80');
  const nul = await exchange(
    parseMsg('SELECT $1::VARCHAR'),
    bindMsg({ values: [Buffer.from('a\0b')] }),
    execute(),
    sync(),
  );
  assert.is(nul?.M, 'invalid byte sequence for encoding "UTF8": 0x00');
  // A binary text parameter is text too.
  const binary = await exchange(
    parseMsg('SELECT $1', [25]),
    bindMsg({ formats: [1], values: [Buffer.from([0xc0, 0xaf])] }),
    execute(),
    sync(),
  );
  assert.is(binary?.M, 'invalid byte sequence for encoding "UTF8": 0xc0 0xaf');
  const from = raw.received().length;
  assert.is(
    await exchange(
      parseMsg('SELECT $1::VARCHAR'),
      bindMsg({ values: [Buffer.from('ñé€😀')] }),
      execute(),
      sync(),
    ),
    undefined,
  );
  assert.equal(dataRows(from), [['ñé€😀']]);
});

test('Bind: a format-code count neither 0, 1 nor the parameter count is 08P01', async () => {
  const e = await exchange(
    parseMsg('SELECT $1::INT + $2::INT + $3::INT'),
    bindMsg({ formats: [0, 0], values: ['1', '2', '3'].map((v) => Buffer.from(v)) }),
    execute(),
    sync(),
  );
  assert.is(e?.C, '08P01');
  assert.is(e?.M, 'bind message has 2 parameter formats but 3 parameters');
  await stillWorks();
});

test('Bind: a format code other than 0 and 1 is 22023 "unsupported format code", as Postgres says', async () => {
  const e = await exchange(
    parseMsg('SELECT $1::INT'),
    bindMsg({ formats: [2], values: [Buffer.from('1')] }),
    execute(),
    sync(),
  );
  assert.is(e?.C, '22023');
  assert.is(e?.M, 'unsupported format code: 2');
  const result = await exchange(parseMsg('SELECT 1'), bindMsg({ resultFormats: [7] }), execute(), sync());
  assert.is(result?.M, 'unsupported format code: 7');
  await stillWorks();
});

test('Bind: a parameter length below -1 is 08P01', async () => {
  const e = await exchange(parseMsg('SELECT $1::INT'), bindMsg({ lengths: [-2] }), execute(), sync());
  assert.is(e?.C, '08P01');
  assert.is(e?.M, 'invalid parameter length -2 in bind message');
  await stillWorks();
});

test("Bind: a parameter count other than the statement's is 08P01, with Postgres' message", async () => {
  const more = await exchange(
    parseMsg('SELECT $1::INT AS x', [], 's1'),
    bindMsg({ statement: 's1', values: [Buffer.from('1'), Buffer.from('2')] }),
    execute(),
    sync(),
  );
  assert.is(more?.C, '08P01');
  assert.is(more?.M, 'bind message supplies 2 parameters, but prepared statement "s1" requires 1');
  const fewer = await exchange(bindMsg({ statement: 's1' }), execute(), sync());
  assert.is(fewer?.M, 'bind message supplies 0 parameters, but prepared statement "s1" requires 1');
  // Declared types count too (Postgres: the larger of the types given and the highest $n).
  const declared = await exchange(
    parseMsg('SELECT 1', [23, 23]),
    bindMsg({ values: [Buffer.from('1')] }),
    execute(),
    sync(),
  );
  assert.is(declared?.M, 'bind message supplies 1 parameters, but prepared statement "" requires 2');
  // `$9` in a string or a comment is no parameter.
  const from = raw.received().length;
  assert.is(
    await exchange(
      parseMsg("SELECT $1::INT AS x, '$9' AS s -- $8\n"),
      bindMsg({ values: [Buffer.from('5')] }),
      execute(),
      sync(),
    ),
    undefined,
  );
  assert.equal(dataRows(from), [['5', '$9']]);
  await stillWorks();
});

test('Parse: a parameter type OID that names no type is 42704', async () => {
  const e = await exchange(parseMsg('SELECT $1', [99_999]), sync());
  assert.is(e?.C, '42704');
  assert.is(e?.M, 'type with OID 99999 does not exist');
  const huge = await exchange(parseMsg('SELECT $1', [-1]), sync());
  assert.is(huge?.M, 'type with OID 4294967295 does not exist');
  // Built-in types the server does not list (interval[], money) are still accepted, as text.
  const from = raw.received().length;
  assert.is(
    await exchange(
      parseMsg('SELECT $1::VARCHAR AS v', [790]),
      bindMsg({ values: [Buffer.from('12.5')] }),
      execute(),
      sync(),
    ),
    undefined,
  );
  assert.equal(dataRows(from), [['12.5']]);
});

test.run();
