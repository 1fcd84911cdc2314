/**
 * A statement's answers (answer-store.ts, issue 66): every kind of SQL value
 * read back as written, through the table's growth, and what a million
 * answers would hold shown at 250,000 as bytes: next to nothing on the JS
 * heap, at most 64 bytes an answer in typed arrays.
 */

import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SemanticFunction } from '../../src/plan/operator-catalog.js';
import { AnswerStore } from '../../src/statements/semantic/state/answer-store.js';
import { TAIL_BYTES, WINDOW_BYTES } from '../../src/statements/semantic/state/answer-texts.js';
import {
  callKey,
  closeStatement,
  openStatement,
  type SqlValue,
} from '../../src/statements/semantic/state/statement-calls.js';

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

test('texts past the interned ones read back as written: distinct, non-Latin-1, empty, longer than the tail, from the file and growth', () => {
  const store = new AnswerStore();
  const n = 20_000; // past INTERNED (4096) distinct texts, over several pages
  const text = (i: number) =>
    i % 1000 === 7 ? '' : `a generated label nº ${i} — 日本 ${'x'.repeat(i % 300)}`;
  const huge = 'é'.repeat(TAIL_BYTES); // 2 MB of UTF-8: past the tail, written on its own
  for (let i = 0; i < n; i++) store.set(callKey(means, [`t ${i}`]), i === 12_345 ? huge : text(i));
  for (let i = 0; i < n; i++) assert.is(store.get(callKey(means, [`t ${i}`])), i === 12_345 ? huge : text(i));
  // Set again over a paged text: the new text reads back.
  store.set(callKey(means, ['t 19999']), 'again');
  assert.is(store.get(callKey(means, ['t 19999'])), 'again');
  store.close();
});

test('100,000 distinct generated texts: the JS heap holds under 8 bytes of each (the texts are in a file)', async () => {
  const n = 100_000;
  const keys = Array.from({ length: n }, (_, i) => callKey(means, [`review number ${i}`]));
  await gc();
  const before = process.memoryUsage().heapUsed;
  const store = new AnswerStore();
  for (let i = 0; i < n; i++) store.set(keys[i]!, `a short generated label for review number ${i}`);
  await gc();
  const heapPerAnswer = (process.memoryUsage().heapUsed - before) / n;
  assert.ok(heapPerAnswer < 8, `${heapPerAnswer.toFixed(1)} bytes of JS heap an answer`);
  assert.is(store.get(keys[99_999]!), 'a short generated label for review number 99999');
  store.close();
});

test("100,000 distinct generated texts of ~200 bytes: their bytes are in the statement's file, memory holds the table and two fixed buffers; read back in any order; the file is gone at close", async () => {
  const n = 100_000;
  const text = (i: number) => `a generated answer for review ${i}: ${'lorem ipsum '.repeat(14)}${i}`;
  const keys = Array.from({ length: n }, (_, i) => callKey(means, [`review ${i}`]));
  await gc();
  const before = process.memoryUsage().arrayBuffers;
  const s = openStatement(-2, '');
  const folders = () =>
    readdirSync(tmpdir()).filter((x) => x.startsWith(`rvbbit-answer-texts-${process.pid}-`));
  let bytes = 0;
  try {
    keys.forEach((k, i) => {
      s.results.set(k, text(i));
      // The first 4,096 distinct texts are interned (kept once each, as strings); the rest are paged.
      if (i >= 4096) bytes += Buffer.byteLength(text(i));
    });
    await gc();
    const held = process.memoryUsage().arrayBuffers - before;
    // The table's typed arrays (slots of 16 + 1 + 8 + 4 bytes, 3/8 to 3/4 full, and the split's scratch segment),
    // the tail and the window: ~8 MB, not the texts' ~21 MB more (held in pages of memory before).
    const table = (n * 8 * 29) / 3 + 4096 * 29;
    assert.ok(
      held <= table + TAIL_BYTES + WINDOW_BYTES,
      `${held} bytes of typed arrays for ${bytes} of texts`,
    );
    assert.ok(bytes > 150 * n, `${bytes} bytes of texts`);
    assert.ok(
      s.results.textBytesOnDisk >= bytes - TAIL_BYTES,
      `${s.results.textBytesOnDisk} bytes on disk of ${bytes}`,
    );
    assert.equal(folders().length, 1, "one file of texts, the statement's");
    // In order (a window at a time), backwards, and from the tail.
    for (let i = 0; i < n; i += 7) assert.is(s.results.get(keys[i]!), text(i));
    for (let i = n - 1; i >= 0; i -= 1013) assert.is(s.results.get(keys[i]!), text(i));
    assert.is(s.results.get(keys[n - 1]!), text(n - 1));
  } finally {
    closeStatement(s);
  }
  assert.equal(folders(), []);
});

test("250,000 boolean answers (a filter's) hold no slots for numbers: under 40 bytes an answer in typed arrays", async () => {
  const n = 250_000;
  const keys = Array.from({ length: n }, (_, i) => callKey(means, [`review ${i}`]));
  await gc();
  const before = process.memoryUsage().arrayBuffers;
  const store = new AnswerStore();
  keys.forEach((k, i) => {
    store.set(k, i % 2 === 0);
  });
  await gc();
  const typedPerAnswer = (process.memoryUsage().arrayBuffers - before) / n;
  assert.ok(typedPerAnswer < 40, `${typedPerAnswer.toFixed(1)} bytes of typed arrays an answer`);
  assert.is(store.get(keys[1]!), false);
});

test('while 100,000 answers arrive, the typed arrays never hold more than the table keeps at the end plus one segment (no growth holds the table twice)', async () => {
  const n = 100_000;
  const keys = Array.from({ length: n }, (_, i) => callKey(means, [`row ${i}`]));
  await gc();
  const base = process.memoryUsage().arrayBuffers;
  const store = new AnswerStore();
  let peak = 0;
  keys.forEach((k, i) => {
    store.set(k, i);
    // Read right after each set, before a collection can free what a growth dropped.
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
  });
  await gc();
  const kept = process.memoryUsage().arrayBuffers - base;
  // One segment: 4,096 slots × (16 + 1 + 8) bytes = 100 KB (answer-store.ts SEGMENT_BYTES less the lengths, no text here).
  const segment = 4096 * 25;
  assert.ok(peak <= kept + segment, `peak ${peak} bytes, ${kept} kept at the end: ${peak - kept} past it`);
  // Slots sized to what they hold: a segment splits at 3/4 full into two at 3/8, so at most 8/3 slots of
  // 25 bytes an answer, and the split's scratch segment (a table that doubles at half full holds 2–4 slots).
  assert.ok(kept <= (n * 8 * 25) / 3 + segment, `${(kept / n).toFixed(1)} bytes of typed arrays an answer`);
  assert.is(store.get(keys[77_777]!), 77_777);
});

test('keys made to share the bits that choose their segment are refused with a message, after a directory of at most 2^22 places', () => {
  const store = new AnswerStore();
  // Characters 4–7 (the word that chooses the segment) the same in every key, the first word distinct.
  const key = (i: number) => String.fromCharCode(i & 255, (i >> 8) & 255, 0, 0) + 'same'.padEnd(12, '.');
  let error: unknown;
  let held = 0;
  try {
    for (; held < 10_000; held++) store.set(key(held), true);
  } catch (err) {
    error = err;
  }
  assert.match(
    String(error),
    /the statement's answers: 3072 keys share the 22 bits that choose their segment/,
  );
  // What it held before stays readable.
  assert.is(held, 3072);
  assert.is(store.get(key(3071)), true);
});

test("past `inMemory` answers, they move to the statement's file: every kind of value reads back as written, from memory or the file, set again or not, and memory never holds more than the bound", () => {
  const inMemory = 1000;
  const store = new AnswerStore(inMemory);
  const expected = new Map<string, SqlValue>();
  const n = 60_000; // 60 moves; the file grows past one segment many times (a segment splits at 3,072)
  const value = (i: number): SqlValue => {
    switch (i % 7) {
      case 0:
        return null;
      case 1:
        return i % 2 === 0;
      case 2:
        return i * 1.5 - 7;
      case 3:
        return ['praise', 'complaint'][i % 2]!;
      default:
        // Distinct texts: past the interned 4,096, their bytes are paged too.
        return `a generated label nº ${i} — 日本`;
    }
  };
  for (let i = 0; i < n; i++) {
    const key = callKey(means, [`text ${i}`]);
    store.set(key, value(i));
    expected.set(key, value(i));
    assert.ok(store.heldInMemory <= inMemory, `${store.heldInMemory} answers in memory`);
  }
  assert.is(store.mostInMemory, inMemory);
  assert.is(store.size, n);
  assert.ok(store.inFile >= n - inMemory, `${store.inFile} answers in the file`);
  // Set again: a key in the file (the first) and one in memory (the last); each counted once.
  for (const i of [0, 17, n - 1]) {
    const key = callKey(means, [`text ${i}`]);
    store.set(key, `again ${i}`);
    expected.set(key, `again ${i}`);
  }
  assert.is(store.size, n);
  // Moved once more (the memory filled again): the file's copy is replaced, not added.
  for (let i = n; i < n + inMemory; i++) {
    const key = callKey(means, [`text ${i}`]);
    store.set(key, i);
    expected.set(key, i);
  }
  assert.is(store.size, n + inMemory);
  for (const [key, v] of expected) {
    assert.is(store.get(key), v);
    assert.ok(store.has(key));
  }
  assert.is(store.get(callKey(about, ['text 1'])), undefined);
  assert.not.ok(store.has(callKey(means, [`text ${n + inMemory}`])));
  store.close();
});

test("a statement's answer file is made only past the bound, and removed when the statement ends", () => {
  // Stores of the tests above that are not closed keep theirs: only this statement's count.
  const earlier = new Set(readdirSync(tmpdir()));
  const folders = () =>
    readdirSync(tmpdir()).filter(
      (x) => x.startsWith(`rvbbit-answer-table-${process.pid}-`) && !earlier.has(x),
    );
  const s = openStatement(-3, '', 100);
  try {
    for (let i = 0; i < 100; i++) s.results.set(callKey(means, [`row ${i}`]), i % 2 === 0);
    assert.is(s.results.inFile, 0);
    assert.equal(folders(), [], 'no file within the bound');
    s.results.set(callKey(means, ['row 100']), true);
    assert.is(s.results.inFile, 100);
    assert.is(s.results.heldInMemory, 1);
    assert.is(folders().length, 1);
    assert.is(s.results.get(callKey(means, ['row 3'])), false);
  } finally {
    closeStatement(s);
  }
  assert.equal(folders(), []);
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
