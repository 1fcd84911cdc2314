/**
 * The spill file of a record pass's misses past its bound (tuple-spill.ts):
 * what goes in comes back in order, across blocks and a record larger than
 * the block; a cleared spill starts empty; a closed one leaves no file; one
 * that never writes makes none.
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SemanticFunction } from '../../src/plan/operator-catalog.js';
import { SPILL_BLOCK_BYTES, TupleSpill } from '../../src/statements/semantic/state/tuple-spill.js';

const means = { name: 'means' } as SemanticFunction;
const classify = { name: 'classify' } as SemanticFunction;
const key = (i: number) => `k${String(i).padStart(15, '0')}`;

test('records come back in order, with their function, key and values, across blocks', async () => {
  const spill = new TupleSpill();
  try {
    const n = 5000;
    const text = 'é review '.repeat(50); // ~500 bytes, not Latin-1 only
    for (let i = 0; i < n; i++)
      spill.append(i % 3 === 0 ? classify : means, key(i), [`${text}${i}`, i, i % 2 === 0, ['a', 'b']]);
    assert.is(spill.records, n);
    assert.ok(spill.bytes > 2 * SPILL_BLOCK_BYTES, `${spill.bytes} bytes: more than two blocks`);
    let i = 0;
    for await (const m of spill.read()) {
      assert.is(m.fn, i % 3 === 0 ? classify : means);
      assert.is(m.key, key(i));
      assert.equal(m.values, [`${text}${i}`, i, i % 2 === 0, ['a', 'b']]);
      i++;
    }
    assert.is(i, n);
  } finally {
    spill.close();
  }
});

test('a record larger than the block is written and read whole, and the records around it too', async () => {
  const spill = new TupleSpill();
  try {
    const big = 'x'.repeat(SPILL_BLOCK_BYTES * 2 + 17);
    spill.append(means, key(1), ['before']);
    spill.append(means, key(2), [big]);
    spill.append(means, key(3), ['after']);
    const got: unknown[] = [];
    for await (const m of spill.read()) got.push([m.key, (m.values[0] as string).length]);
    assert.equal(got, [
      [key(1), 6],
      [key(2), big.length],
      [key(3), 5],
    ]);
  } finally {
    spill.close();
  }
});

test('clear forgets the records (the next pass spills afresh); close removes the file', async () => {
  const spill = new TupleSpill();
  spill.append(means, key(1), ['one']);
  spill.clear();
  spill.append(means, key(2), ['two']);
  const keys: string[] = [];
  for await (const m of spill.read()) keys.push(m.key);
  assert.equal(keys, [key(2)]);
  assert.is(spill.records, 1);
  const path = (spill as unknown as { file: { path: string } }).file.path;
  assert.ok(existsSync(path));
  spill.close();
  assert.not.ok(existsSync(path));
});

test('a pass that never spills makes no folder: nothing in, nothing read, nothing to remove', async () => {
  const ours = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`rvbbit-tuple-spill-${process.pid}-`));
  const before = ours();
  const spill = new TupleSpill();
  const read: string[] = [];
  for await (const m of spill.read()) read.push(m.key);
  spill.clear();
  assert.equal(read, []);
  assert.equal(ours(), before);
  spill.close();
  // Records still in the block only: written at the read, into a folder made then.
  const small = new TupleSpill();
  small.append(means, key(7), ['seven']);
  assert.equal(ours(), before);
  for await (const m of small.read()) read.push(m.key);
  assert.equal(read, [key(7)]);
  assert.is(ours().length, before.length + 1);
  small.close();
  assert.equal(ours(), before);
});

test.run();
