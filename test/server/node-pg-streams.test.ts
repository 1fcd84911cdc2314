/**
 * node-postgres' own streaming add-ons against the server: pg-cursor reads a
 * result a page at a time (extended protocol, Execute with a row limit), and
 * pg-copy-streams runs COPY TO STDOUT / FROM STDIN.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import Cursor from 'pg-cursor';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startServerFixture } from './helpers.js';

test('pg-cursor reads 10,000 rows 1,000 at a time, in order', async () => {
  const f = await startServerFixture();
  const c = await f.client();
  const cursor = c.query(new Cursor(`SELECT range::INT AS i, 'r' || range AS s FROM range(10000)`));
  const pages: number[] = [];
  let next = 0;
  let inOrder = true;
  for (;;) {
    const rows = (await cursor.read(1000)) as { i: number; s: string }[];
    if (rows.length === 0) break;
    pages.push(rows.length);
    for (const r of rows) {
      if (r.i !== next || r.s !== `r${next}`) inOrder = false;
      next++;
    }
  }
  await cursor.close();
  assert.equal(pages, Array(10).fill(1000));
  assert.ok(inOrder);
  assert.equal((await c.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
  await f.close();
});

test('pg-copy-streams: COPY FROM STDIN then COPY TO STDOUT, the same rows back', async () => {
  const f = await startServerFixture();
  const c = await f.client();
  await c.query('CREATE TABLE streamed (i INT, s VARCHAR)');
  const lines = Array.from({ length: 5000 }, (_, i) => `${i},"v ${i}, quoted"\n`);
  await pipeline(Readable.from(lines), c.query(copyFrom('COPY streamed FROM STDIN WITH (FORMAT csv)')));
  assert.equal((await c.query('SELECT count(*)::INT AS n FROM streamed')).rows, [{ n: 5000 }]);
  let out = '';
  const stream = c.query(copyTo('COPY (SELECT * FROM streamed ORDER BY i) TO STDOUT WITH (FORMAT csv)'));
  for await (const chunk of stream) out += chunk;
  assert.is(out, lines.join(''));
  await f.close();
});

test('pg-copy-streams: COPY TO STDOUT in binary is Postgres binary COPY, byte for byte', async () => {
  const f = await startServerFixture();
  const c = await f.client();
  const chunks: Buffer[] = [];
  const sql = `COPY (SELECT * FROM (VALUES (1::INT, 'a'), (NULL, 'bc')) t(i, s)) TO STDOUT WITH (FORMAT binary)`;
  for await (const chunk of c.query(copyTo(sql))) chunks.push(chunk as Buffer);
  const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  const expected = Buffer.concat([
    Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
    int32(0),
    int32(0),
    Buffer.from([0, 2]),
    int32(4),
    int32(1),
    int32(1),
    Buffer.from('a'),
    Buffer.from([0, 2]),
    int32(-1),
    int32(2),
    Buffer.from('bc'),
    Buffer.from([0xff, 0xff]),
  ]);
  assert.equal([...Buffer.concat(chunks)], [...expected]);
  await f.close();
});

test.run();
