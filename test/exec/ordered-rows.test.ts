import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { OutcomeCells } from '../../src/statements/map/map-output.js';
import { OrderedRows } from '../../src/statements/map/ordered-rows.js';

/** What the stream does: wait for ready(), then take at once. */
async function take(rows: OrderedRows, max: number) {
  while (!(await rows.ready()));
  return rows.takeReady(max);
}

const cells = (i: number): OutcomeCells => ({ value: `v${i}`, json: null, error: null, errorCode: null });

test('the reorder buffer hands rows out in input order across growth, out-of-order outcomes and partial takes', async () => {
  const rows = new OrderedRows();
  const signal = new AbortController().signal;
  const taken: string[] = [];
  let next = 0;
  // 5,000 rows admitted in pages of 700 while none is taken: the ring grows past its 1,024 slots.
  for (let p = 0; p < 5000; p += 700) {
    const page = Array.from({ length: Math.min(700, 5000 - p) }, (_, k) => [p + k, `row ${p + k}`]);
    assert.is(rows.admit(page), p);
  }
  // Outcomes arrive scrambled within blocks of 1,000; after each block a part of the finished prefix is taken.
  for (let b = 0; b < 5000; b += 1000) {
    const block = Array.from({ length: 1000 }, (_, k) => b + ((k * 7919) % 1000));
    for (const i of block) rows.accept(i, cells(i));
    const batch = await take(rows, 300);
    for (const f of batch!) taken.push(`${f.values[1]}|${f.cells.value}`);
  }
  rows.end();
  for (;;) {
    const batch = await take(rows, 2048);
    if (!batch) break;
    for (const f of batch) taken.push(`${f.values[1]}|${f.cells.value}`);
  }
  assert.is(taken.length, 5000);
  for (const t of taken) assert.is(t, `row ${next}|v${next++}`);
  assert.ok((await rows.room(1, signal)) === false, 'room() says stop once the rows ended');
});

test('ready() wakes with no value on any change, a halt holds rows back, and a failure reaches takeReady()', async () => {
  const rows = new OrderedRows();
  rows.admit([[0], [1], [2]]);
  // Nothing finished: ready() waits for a change, then says "check again".
  const first = rows.ready();
  rows.accept(1, cells(1));
  assert.is(await first, false);
  assert.is(rows.takeReady(10), null, 'row 0 has no outcome, so no prefix is finished');
  const second = rows.ready();
  rows.accept(0, cells(0));
  assert.is(await second, false);
  assert.is(await rows.ready(), true);
  assert.equal(
    rows.takeReady(10)!.map((f) => f.values[0]),
    [0, 1],
  );
  // on_error = 'fail': halted rows never go out; the failure comes through instead.
  rows.accept(2, cells(2));
  rows.halt();
  const halted = rows.ready();
  rows.fail(new Error('row 2 failed'));
  assert.is(await halted, false);
  assert.is(await rows.ready(), true);
  assert.throws(() => rows.takeReady(10), /row 2 failed/);
});

test.run();
