/**
 * A MAP's rows reach a Postgres client as they come (issue 66), however it
 * reads them: a simple query (psql without FETCH_COUNT), Execute with a row
 * limit (pg-cursor), DECLARE … CURSOR and FETCH (psql's FETCH_COUNT). Checked
 * on the simulator's counters: the first rows arrive before the simulator
 * was asked for the last one. A client that stops reading stops the MAP.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ServerFixture, startServerFixture } from './helpers.js';

const N = 300;
const mapOver = (n: number, text = `'Brand' || range || ' phone'`) =>
  `RVBBIT MAP PARALLEL 4 'traits/extract_brand.yaml' AS (brand VARCHAR)
   USING (SELECT range::INT AS id, ${text} AS product_name FROM range(${n}))
   WITH (cache = false, limit = 0)`;

let f: ServerFixture;
test.before(async () => {
  // 4 in flight at 50 ms: the MAP's calls take ~4 s, long enough to see its first rows early on a loaded machine.
  f = await startServerFixture({}, { latencyMs: 50 });
});
test.after(async () => {
  await f.close();
});

type Row = { id: number; product_name: string; brand: string; _error: string | null };

test('simple query: a MAP’s first rows arrive before its last row is asked for', async () => {
  const c = await f.client();
  f.sim.resetStats();
  let askedAtFirst = -1;
  const rows: Row[] = [];
  const query = new pg.Query(mapOver(N));
  query.on('row', (row: Row) => {
    if (askedAtFirst < 0) askedAtFirst = f.sim.stats().requests;
    rows.push(row);
  });
  await new Promise<void>((resolve, reject) => {
    query.on('end', () => resolve());
    query.on('error', reject);
    c.query(query);
  });
  assert.ok(askedAtFirst >= 0 && askedAtFirst < N, `first row after ${askedAtFirst} of ${N} calls`);
  assert.is(rows.length, N);
  assert.equal(rows[N - 1], {
    id: N - 1,
    product_name: `Brand${N - 1} phone`,
    brand: `Brand${N - 1}`,
    _error: null,
  });
  assert.is(f.sim.stats().requests, N);
  // The connection goes on.
  assert.equal((await c.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
});

test('Execute with a row limit (pg-cursor): the first page arrives before the last row is asked for', async () => {
  const c = await f.client();
  f.sim.resetStats();
  // 200 ms a call (75 rounds of PARALLEL 4: 15 s): a loaded machine still reads the first page long before the last call.
  f.sim.setOptions({ latencyMs: 200 });
  const cursor = c.query(new Cursor(mapOver(N)));
  const first = (await cursor.read(10)) as Row[];
  const asked = f.sim.stats().requests;
  assert.equal(
    first.map((r) => r.id),
    Array.from({ length: 10 }, (_, i) => i),
  );
  assert.ok(asked < N, `the first page after ${asked} of ${N} calls`);
  let total = first.length;
  for (;;) {
    const page = (await cursor.read(100)) as Row[];
    if (page.length === 0) break;
    total += page.length;
  }
  await cursor.close();
  f.sim.setOptions({ latencyMs: 50 });
  assert.is(total, N);
  assert.is(f.sim.stats().requests, N);
});

test('DECLARE … CURSOR over a MAP: FETCH returns rows before the last row is asked for', async () => {
  const c = await f.client();
  f.sim.resetStats();
  await c.query('BEGIN');
  await c.query(`DECLARE m CURSOR FOR ${mapOver(N)}`);
  const first = await c.query('FETCH 10 FROM m');
  const asked = f.sim.stats().requests;
  assert.is(first.rowCount, 10);
  assert.ok(asked < N, `the first FETCH after ${asked} of ${N} calls`);
  const rest = await c.query('FETCH ALL FROM m');
  assert.is(rest.rowCount, N - 10);
  assert.is((rest.rows.at(-1) as Row).brand, `Brand${N - 1}`);
  await c.query('COMMIT');
  assert.is(f.sim.stats().requests, N);
});

test('a client that stops reading stops the MAP: the server does not run ahead and hold its rows', async () => {
  f.sim.setOptions({ latencyMs: 0 });
  try {
    const c = await f.client();
    f.sim.resetStats();
    // ~4 KB a row, 3,000 rows: 12 MB, far more than the socket's buffers hold.
    const many = 3000;
    const query = new pg.Query(mapOver(many, `repeat('x', 4000) || range`));
    let received = 0;
    const socket = (c as unknown as { connection: { stream: NodeJS.ReadableStream } }).connection.stream;
    query.on('row', () => {
      if (received++ === 0) socket.pause();
    });
    const done = new Promise<void>((resolve, reject) => {
      query.on('end', () => resolve());
      query.on('error', reject);
    });
    c.query(query);
    // Wait until the MAP stops asking: the count holds for 1 s.
    let last = -1;
    for (let n = f.sim.stats().requests; n !== last; n = f.sim.stats().requests) {
      last = n;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.ok(
      last > 0 && last < many,
      `${last} of ${many} rows were asked for while the client did not read`,
    );
    socket.resume();
    await done;
    assert.is(received, many);
    assert.is(f.sim.stats().requests, many);
  } finally {
    f.sim.setOptions({ latencyMs: 50 });
  }
});

test.run();
