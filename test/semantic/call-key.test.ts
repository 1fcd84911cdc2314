/**
 * A call's key within its statement (statement-calls.ts callKey): every pass
 * computes it for every row, so its cost is a pass's cost per row (31 passes
 * at a million rows of 1 KB under the default tuplesPerPass). Shown as CPU
 * time against the SHA-256 it must take anyway, and as keys that stay apart.
 */
import { hash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SemanticFunction } from '../../src/plan/operator-catalog.js';
import { callKey } from '../../src/statements/semantic/state/statement-calls.js';

const means = { name: 'means' } as SemanticFunction;

test('operands stay apart by type, split and function', () => {
  const keys = [
    callKey(means, ['ab', 'c']),
    callKey(means, ['a', 'bc']),
    callKey(means, ['1', 'x']),
    callKey(means, [1, 'x']),
    callKey(means, ['true', 'x']),
    callKey(means, [true, 'x']),
    callKey(means, ['a\u0000s1:b']),
    callKey(means, ['a', 'b']),
    callKey({ name: 'about' } as SemanticFunction, ['ab', 'c']),
    callKey(means, [[1, 2], 'x']),
    callKey(means, ['[1,2]', 'x']),
    callKey(means, [10n, 'x']),
  ];
  assert.is(new Set(keys).size, keys.length);
  assert.is(callKey(means, [[1, 2], 'x']), callKey(means, [[1, 2], 'x']));
  for (const k of keys) assert.is(k.length, 16);
});

/**
 * CPU microseconds each of `fs` takes over `texts`, the least of 9 rounds. The
 * rounds alternate between the functions, so a stretch of a busy machine (or a
 * garbage collection) slows both alike instead of one of them; a ratio taken
 * from two runs one after the other read 2.21× once at CI.
 */
function cpuMicros(texts: readonly string[], fs: readonly ((text: string) => unknown)[]): number[] {
  const least = fs.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < 9; round++) {
    fs.forEach((f, i) => {
      const t0 = process.cpuUsage();
      for (const text of texts) f(text);
      const t = process.cpuUsage(t0);
      least[i] = Math.min(least[i] as number, t.user + t.system);
    });
  }
  return least;
}

test('the key of a 1 KB operand costs under 2.2× the SHA-256 of its text in CPU time (1.0–1.6× measured; JSON.stringify made it 3.1–4.1×)', () => {
  // Flat strings, as DuckDB hands them over.
  const texts = Array.from({ length: 5000 }, (_, i) =>
    Buffer.from(`${'lorem ipsum dolor sit amet '.repeat(37)}${i}`).toString(),
  );
  const [digest, key] = cpuMicros(texts, [
    (text) => hash('sha256', text, 'binary'),
    (text) => callKey(means, [text, 'positive review']),
  ]) as [number, number];
  assert.ok(key < 2.2 * digest, `a key took ${(key / digest).toFixed(2)}× the SHA-256`);
});

test.run();
