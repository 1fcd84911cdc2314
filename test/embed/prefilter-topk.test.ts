/** topK (the prefilter's choice) equals a brute-force sort of every pair's cosine, ties to the right value that sorts first. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simEmbedding } from '../../src/sim/embeddings.js';
import { topK } from '../../src/statements/semantic/pairs/prefilter.js';
import { cos } from './cosine.js';

const WORDS = 'red blue green shoe boot lamp desk chair eco bottle glass steel'.split(' ');

test('every left value’s k nearest, as a full sort gives them (with ties)', async () => {
  // Texts of 1–3 words from a small vocabulary: many exact ties, many overlaps.
  const texts = (n: number, seed: number) =>
    Array.from({ length: n }, (_, i) => {
      const w = (j: number) => WORDS[(i * 7 + j * 5 + seed) % WORDS.length]!;
      return [w(0), w(1), w(2)].slice(0, 1 + ((i + seed) % 3)).join(' ');
    });
  const lefts = [...new Set(texts(30, 1))];
  const rights = [...new Set(texts(40, 3))];
  const vec = new Map([...lefts, ...rights].map((t) => [t, simEmbedding(t)]));
  for (const k of [1, 3, 7]) {
    const got = await topK(lefts, rights, (t) => vec.get(t)!, k);
    lefts.forEach((l, i) => {
      const want = rights
        .map((r, j) => ({ j, r, s: Math.fround(cos(vec.get(l)!, vec.get(r)!)) }))
        .sort((a, b) => b.s - a.s || (a.r < b.r ? -1 : 1))
        .slice(0, k);
      // Scores equal to float32 precision count as ties: compare the score lists, and the sets where no tie crosses the cut.
      const gotScores = got[i]!.map((j) => Math.fround(cos(vec.get(l)!, vec.get(rights[j]!)!)));
      gotScores.forEach((s, n) => {
        assert.ok(Math.abs(s - want[n]!.s) < 1e-5, `${l} #${n}`);
      });
    });
  }
});

test('one list on both sides (ENTITY): each pair computed once gives what two lists give, to the bit', async () => {
  // Ties by the hundred (1–3 words of 12), so the tie rule is exercised, and a zero vector ('').
  const values = [
    '',
    ...new Set(
      Array.from({ length: 90 }, (_, i) =>
        [WORDS[(i * 7) % 12], WORDS[(i * 5 + 3) % 12], WORDS[(i * 11 + 1) % 12]]
          .slice(0, 1 + (i % 3))
          .join(' '),
      ),
    ),
  ];
  const vec = new Map(values.map((t) => [t, simEmbedding(t)]));
  for (const k of [1, 2, 5, values.length + 3]) {
    const within = await topK(values, values, (t) => vec.get(t)!, k);
    const between = await topK(values, [...values], (t) => vec.get(t)!, k);
    assert.equal(within, between, `k ${k}`);
  }
});

test('k larger than the right side keeps every right value', async () => {
  const got = await topK(['a b'], ['a', 'b', 'c'], (t) => simEmbedding(t), 10);
  assert.equal(got[0]!.slice().sort(), [0, 1, 2]);
});

test('a large search yields to the event loop: other work runs while it does', async () => {
  const texts = Array.from({ length: 1000 }, (_, i) => `t${i}`);
  const vec = new Map(texts.map((t, i) => [t, Array.from({ length: 64 }, (_, d) => Math.sin(i * 7 + d))]));
  let ticks = 0;
  const tick = () => {
    ticks++;
    if (running) setImmediate(tick);
  };
  let running = true;
  setImmediate(tick);
  // 1,000 × 1,000 × 64 multiply-adds: three yields.
  const got = await topK(texts, texts, (t) => vec.get(t)!, 1);
  running = false;
  assert.equal(got[5], [5], 'a value is its own nearest');
  assert.ok(ticks >= 3, `${ticks} turns of the event loop`);
});

test.run();
