/**
 * A statement's answers (answer-store.ts, issue 66): every kind of SQL value
 * read back as written, through the table's growth, and what a million
 * answers would hold shown at 250,000 as bytes: next to nothing on the JS
 * heap, at most 64 bytes an answer in typed arrays.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SemanticFunction } from '../../src/plan/operator-catalog.js';
import { AnswerStore } from '../../src/statements/semantic/answer-store.js';
import {
  callKey,
  closeStatement,
  openStatement,
  type SqlValue,
} from '../../src/statements/semantic/statement-calls.js';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
/** Collected twice, a turn apart: the backing stores of typed arrays dropped by growth are freed after a collection. */
async function gc(): Promise<void> {
  collect();
  await new Promise((r) => setTimeout(r, 50));
  collect();
}

const means = { name: 'means' } as SemanticFunction;
const about = { name: 'about' } as SemanticFunction;

test('every kind of value reads back as written, through growth, and a key not set reads undefined', () => {
  const store = new AnswerStore();
  const values: SqlValue[] = [null, true, false, 0, -1.5, 2 ** 53, '', 'praise', '{"label":"x"}'];
  const n = 5000; // past the first 1024 slots several times
  for (let i = 0; i < n; i++) store.set(callKey(means, [`text ${i}`]), values[i % values.length]!);
  assert.is(store.size, n);
  for (let i = 0; i < n; i++) {
    const key = callKey(means, [`text ${i}`]);
    assert.is(store.get(key), values[i % values.length]);
    assert.ok(store.has(key));
  }
  // Another function's tuple with the same operands is another key.
  assert.is(store.get(callKey(about, ['text 1'])), undefined);
  assert.not.ok(store.has(callKey(means, ['text 5000'])));
  // Set again: replaced, not added.
  store.set(callKey(means, ['text 1']), 'again');
  assert.is(store.get(callKey(means, ['text 1'])), 'again');
  assert.is(store.size, n);
});

test('a key that is not a digest of callKey is refused', () => {
  assert.throws(() => new AnswerStore().get('means\u0000abc'), /an answer's key is 16 characters/);
});

test('250,000 answers of a statement: under 4 bytes each on the JS heap, at most 64 in typed arrays', async () => {
  const n = 250_000;
  const keys = Array.from({ length: n }, (_, i) => callKey(means, [`review number ${i}`, 'positive']));
  await gc();
  const before = process.memoryUsage();
  const s = openStatement(-1, '');
  try {
    // Booleans and a few repeated labels (a filter's and a classifier's answers).
    keys.forEach((k, i) => {
      s.results.set(k, i % 3 === 0 ? ['praise', 'complaint'][i % 2]! : i % 2 === 0);
    });
    await gc();
    const after = process.memoryUsage();
    const heapPerAnswer = (after.heapUsed - before.heapUsed) / n;
    const typedPerAnswer = (after.arrayBuffers - before.arrayBuffers) / n;
    assert.ok(heapPerAnswer < 4, `${heapPerAnswer.toFixed(1)} bytes of JS heap an answer`);
    assert.ok(typedPerAnswer <= 64, `${typedPerAnswer.toFixed(1)} bytes of typed arrays an answer`);
    assert.is(s.results.size, n);
    assert.is(s.results.get(keys[3]!), 'complaint');
    assert.is(s.results.get(keys[4]!), true);
  } finally {
    closeStatement(s);
  }
});

test.run();
