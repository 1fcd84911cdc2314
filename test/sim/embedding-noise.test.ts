/**
 * An embedding model's noise profile (`profiles: { m: { embeddingNoise: σ } }`,
 * src/sim/embeddings.ts): seeded (the same seed, model and text give the same
 * vector), absent or 0 leaves the word vectors as they were, and related texts
 * still score higher on average, less so the larger σ.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { similarityScore } from '../../src/plan/embedding-proxy.js';
import { embeddingsAnswer, simEmbedding } from '../../src/sim/embeddings.js';
import { mergeSimOptions, SIM_DEFAULTS } from '../../src/sim/options.js';

function vectors(inputs: string[], noise?: number, seed = 1, model = 'emb'): number[][] {
  const opts = mergeSimOptions(SIM_DEFAULTS, {
    seed,
    ...(noise === undefined ? {} : { profiles: { [model]: { embeddingNoise: noise } } }),
  });
  const a = embeddingsAnswer(JSON.stringify({ model, input: inputs }), opts);
  assert.is(a.status, 200);
  return (JSON.parse(a.body) as { data: { embedding: number[] }[] }).data.map((d) => d.embedding);
}

test('no profile or σ 0: the word vectors', () => {
  const texts = ['a waterproof jacket', 'a cotton shirt'];
  const words = texts.map((t) => simEmbedding(t));
  assert.equal(vectors(texts), words);
  assert.equal(vectors(texts, 0), words);
});

test('seeded: the same seed, model and text, the same vector; another seed or model, another', () => {
  const [a] = vectors(['a waterproof jacket'], 1, 1);
  assert.equal(vectors(['a waterproof jacket'], 1, 1)[0], a);
  assert.not.equal(vectors(['a waterproof jacket'], 1, 2)[0], a);
  assert.not.equal(vectors(['a waterproof jacket'], 1, 1, 'emb-2')[0], a);
  const norm = Math.sqrt(a!.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-4, `norm ${norm}`);
});

test('related texts score higher on average, by less the larger σ', () => {
  const related = Array.from({ length: 200 }, (_, i) => `jacket ${i} waterproof hiking`);
  const unrelated = Array.from({ length: 200 }, (_, i) => `shirt ${i} cotton plain`);
  const gap = (noise: number) => {
    const [q, ...vs] = vectors(['waterproof hiking jacket', ...related, ...unrelated], noise);
    const mean = (xs: number[][]) => xs.reduce((s, v) => s + similarityScore(q!, v), 0) / xs.length;
    return mean(vs.slice(0, 200)) - mean(vs.slice(200));
  };
  const gaps = [0, 0.5, 1, 2].map(gap);
  for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i]! < gaps[i - 1]!, `gaps ${gaps}`);
  assert.ok(gaps.at(-1)! > 0, `gaps ${gaps}`);
});

test.run();
