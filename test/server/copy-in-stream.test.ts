/**
 * COPY FROM STDIN as a stream of CopyData messages cut anywhere: a character
 * split across two messages arrives intact (text and CSV), a line longer
 * than maxCopyLineBytes fails the copy at once with 54000 (in time linear in
 * the data, other clients served meanwhile), and bytes that are not UTF-8
 * fail it with 22021, as in Postgres. Raw sockets, so the cuts are exact.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { heldInProcess } from './probe.js';
import { firstError, loggedIn, message, query, type RawClient } from './raw-socket.js';

const MiB = 1024 * 1024;

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture();
});
test.after(async () => {
  await f.close();
});

/** Whether a message of `type` has arrived after byte `from`. */
function hasArrived(raw: RawClient, type: string, from: number): boolean {
  const code = type.charCodeAt(0);
  const data = raw.received();
  for (let i = from; i + 5 <= data.length; i += 1 + data.readInt32BE(i + 1))
    if (data[i] === code) return true;
  return false;
}

/** Resolves once a message of `type` has arrived after byte `from`. */
async function arrived(raw: RawClient, type: string, from: number, timeoutMs = 10_000): Promise<void> {
  const t0 = performance.now();
  while (!hasArrived(raw, type, from)) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`no '${type}' within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function write(raw: RawClient, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (raw.socket.write(data)) resolve();
    else raw.socket.once('drain', () => resolve());
  });
}

/** Runs `sql` (a COPY FROM STDIN), sends `chunks` as CopyData and CopyDone; the first error, if any. */
async function copyIn(raw: RawClient, sql: string, chunks: readonly Buffer[]) {
  const from = raw.received().length;
  raw.socket.write(query(sql));
  await arrived(raw, 'G', from);
  for (const chunk of chunks) await write(raw, message('d', chunk));
  await write(raw, message('c', Buffer.alloc(0)));
  await raw.readyCount(1, 30_000, from);
  return firstError(raw.received().subarray(from));
}

const TEXT_ROWS = Array.from({ length: 20 }, (_, i) => `é€😀 ${i} ñ`);

test('text and CSV COPY: rows of multibyte characters cut at every byte boundary arrive byte for byte', async () => {
  const c = await f.client();
  await c.query('CREATE TABLE mb (id INT, s VARCHAR)');
  const raw = await loggedIn(f.port, true);
  for (const format of ['text', 'csv'] as const) {
    const sep = format === 'csv' ? ',' : '\t';
    const data = Buffer.from(TEXT_ROWS.map((s, i) => `${i}${sep}${s}\n`).join(''));
    const sql = `COPY mb FROM STDIN${format === 'csv' ? ' WITH (FORMAT csv)' : ''}`;
    const cuts: Buffer[][] = [];
    for (let k = 1; k < data.length; k++) cuts.push([data.subarray(0, k), data.subarray(k)]);
    // And every byte a message of its own.
    cuts.push(Array.from(data, (b) => Buffer.from([b])));
    for (const chunks of cuts) {
      await c.query('DELETE FROM mb');
      assert.is(await copyIn(raw, sql, chunks), undefined);
      const rows = (await c.query('SELECT s FROM mb ORDER BY id')).rows.map((r) => Buffer.from(r.s));
      assert.equal(
        rows,
        TEXT_ROWS.map((s) => Buffer.from(s)),
        `${format}, cut ${chunks[0]!.length}`,
      );
    }
  }
  raw.socket.destroy();
});

test("a 50 MB line is refused with 54000 naming its line, once its limit's bytes are in; another client is answered meanwhile, the server's main thread held < 1 s of CPU at a time; nothing is inserted", async () => {
  const c = await f.client();
  await c.query('CREATE TABLE long_line (id INT, s VARCHAR)');
  const raw = await loggedIn(f.port, true);
  const from = raw.received().length;
  raw.socket.write(query('COPY long_line FROM STDIN'));
  await arrived(raw, 'G', from);
  // Bytes sent when the refusal arrived: the limit's 16 MiB, plus what the sockets' buffers held.
  let sent = 0;
  let sentAtRefusal: number | undefined;
  let answered = 0;
  let sending = true;
  const { held } = await heldInProcess(async () => {
    const probe = (async () => {
      while (sending) {
        assert.equal((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
        answered++;
      }
    })();
    await write(raw, message('d', Buffer.from('1\tfine\n2\t')));
    // As psql sends it: 64 KiB CopyData messages, 50 MB in all, then CopyDone.
    const chunk = message('d', Buffer.alloc(64 * 1024, 0x78));
    for (; sent < 50e6; sent += 64 * 1024) {
      await write(raw, chunk);
      if (sentAtRefusal === undefined && hasArrived(raw, 'E', from)) sentAtRefusal = sent;
    }
    await write(raw, message('c', Buffer.alloc(0)));
    await raw.readyCount(1, 30_000, from);
    sending = false;
    await probe;
  });
  const e = firstError(raw.received().subarray(from));
  assert.is(e?.C, '54000');
  assert.is(e?.M, `COPY long_line FROM STDIN: line 2 is longer than the limit of ${16 * MiB} bytes`);
  assert.ok(
    sentAtRefusal !== undefined && sentAtRefusal < 32 * MiB,
    `refused after ${sentAtRefusal} bytes were sent`,
  );
  if (process.env.PROBE_LOG) console.log({ sentAtRefusal, answered, held });
  assert.ok(answered > 0, 'another client was answered while the line arrived');
  assert.ok(
    held.cpuMs < 1000,
    `the server's main thread ran ${Math.round(held.cpuMs)} ms of CPU in one turn`,
  );
  // The CopyDone after the error is dropped, as Postgres drops it; the session goes on.
  const next = raw.received().length;
  raw.socket.write(query('SELECT 1'));
  await raw.readyCount(1, 5000, next);
  assert.is(firstError(raw.received().subarray(next)), undefined);
  assert.equal((await c.query('SELECT count(*)::INT AS n FROM long_line')).rows, [{ n: 0 }]);
  raw.socket.destroy();
});

test('maxCopyLineBytes: a CSV record over the limit is refused with 54000 naming its line', async () => {
  const small = await startServerFixture({ maxCopyLineBytes: 64 * 1024 });
  const c = await small.client();
  await c.query('CREATE TABLE csv_line (id INT, s VARCHAR)');
  const raw = await loggedIn(small.port, true);
  const long = Buffer.from(`1,ok\n2,"${'q'.repeat(200_000)}"\n3,after\n`);
  const chunks = Array.from({ length: Math.ceil(long.length / 8192) }, (_, i) =>
    long.subarray(i * 8192, (i + 1) * 8192),
  );
  const e = await copyIn(raw, 'COPY csv_line FROM STDIN WITH (FORMAT csv)', chunks);
  assert.is(e?.C, '54000');
  assert.is(e?.M, 'COPY csv_line FROM STDIN: line 2 is longer than the limit of 65536 bytes');
  assert.equal((await c.query('SELECT count(*)::INT AS n FROM csv_line')).rows, [{ n: 0 }]);
  raw.socket.destroy();
  await small.close();
});

test('COPY data that is not UTF-8 fails with 22021 naming the bytes and the line (text and CSV, across messages)', async () => {
  const c = await f.client();
  await c.query('CREATE TABLE bad_bytes (id INT, s VARCHAR)');
  const raw = await loggedIn(f.port, true);
  const text = Buffer.concat([Buffer.from('1\tok\n2\tbad'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
  const e1 = await copyIn(raw, 'COPY bad_bytes FROM STDIN', [text.subarray(0, 11), text.subarray(11)]);
  assert.is(e1?.C, '22021');
  assert.is(
    e1?.M,
    'invalid byte sequence for encoding "UTF8": 0xc3 0x28 (COPY bad_bytes FROM STDIN, line 2)',
  );
  const csv = Buffer.concat([Buffer.from('1,ok\n2,x'), Buffer.from([0xe2, 0x82]), Buffer.from('\n')]);
  // 0xe2 0x82 then a newline: the character is cut short, whichever message the bytes come in.
  const e2 = await copyIn(raw, 'COPY bad_bytes FROM STDIN WITH (FORMAT csv)', [
    csv.subarray(0, 9),
    csv.subarray(9),
  ]);
  assert.is(e2?.C, '22021');
  assert.is(
    e2?.M,
    'invalid byte sequence for encoding "UTF8": 0xe2 0x82 0x0a (COPY bad_bytes FROM STDIN, line 2)',
  );
  const nul = await copyIn(raw, 'COPY bad_bytes FROM STDIN', [Buffer.from('3\ta\0b\n')]);
  assert.is(nul?.M, 'invalid byte sequence for encoding "UTF8": 0x00 (COPY bad_bytes FROM STDIN, line 1)');
  assert.equal((await c.query('SELECT count(*)::INT AS n FROM bad_bytes')).rows, [{ n: 0 }]);
  raw.socket.destroy();
});

test.run();
