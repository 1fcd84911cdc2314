/**
 * TEXT_CHUNKS: with no overlap an exact partition of the text (the chunks
 * joined are the text) with every chunk within its limit as the
 * provider-limits work counts tokens (o200k_base), over seeded generated
 * texts of paragraphs, sentences, long words, CJK and emoji; cuts at
 * paragraph, then sentence, then word ends; an overlap repeats the last
 * words of the chunk before; bad arguments fail with their code; the same
 * through SQL over a 1 MB text.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { textChunks } from '../../src/documents/text-chunks.js';
import { createEngine, type RvbbitError } from '../../src/index.js';
import { loadEncoding } from '../../src/llm/token-count.js';
import { generatedText } from './fixtures.js';

test('no overlap: the chunks joined are the text, each within max_tokens, over seeded texts and limits', async () => {
  const enc = await loadEncoding();
  for (let seed = 1; seed <= 6; seed++) {
    const text = generatedText(seed, 60_000);
    for (const max of [8, 13, 50, 200, 1000]) {
      const chunks = textChunks(text, max);
      assert.is(chunks.join(''), text, `seed ${seed} max ${max}`);
      for (const c of chunks) {
        assert.ok(c.length > 0);
        assert.ok(enc.countTokens(c) <= max, `seed ${seed} max ${max}: ${enc.countTokens(c)} tokens`);
      }
    }
  }
});

test('cuts at paragraph ends first, then sentence ends, then after words; inside a word only when it alone is over', () => {
  const para = (i: number) => `Paragraph ${i} says one short thing.`;
  const text = [1, 2, 3, 4].map(para).join('\n\n');
  // Two paragraphs fit in 20 tokens, not three: every chunk ends at a paragraph end.
  const chunks = textChunks(text, 20);
  assert.equal(chunks, [`${para(1)}\n\n${para(2)}\n\n`, `${para(3)}\n\n${para(4)}`]);
  const long = 'First sentence is here. Second sentence is here. Third one too.';
  assert.equal(textChunks(long, 10), ['First sentence is here. ', 'Second sentence is here. Third one too.']);
  const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu';
  for (const c of textChunks(words, 8).slice(0, -1)) assert.ok(c.endsWith(' '), c);
  const word = 'z'.repeat(500);
  const parts = textChunks(`a ${word} b`, 8);
  assert.is(parts.join(''), `a ${word} b`);
  assert.ok(parts.length > 2);
});

test('overlap: each chunk after the first starts with the last words of the one before, every chunk within max_tokens', async () => {
  const enc = await loadEncoding();
  const text = generatedText(7, 20_000);
  const chunks = textChunks(text, 100, 20);
  const plain = textChunks(text, 80);
  assert.is(chunks.length, plain.length);
  for (let i = 0; i < chunks.length; i++) {
    assert.ok(enc.countTokens(chunks[i]!) <= 100);
    assert.ok(chunks[i]!.endsWith(plain[i]!));
    if (i === 0) continue;
    const tail = chunks[i]!.slice(0, chunks[i]!.length - plain[i]!.length);
    assert.ok(plain[i - 1]!.endsWith(tail), `chunk ${i}`);
    assert.ok(enc.countTokens(tail) <= 20);
  }
});

test("through SQL: array_to_string(TEXT_CHUNKS(t, n), '') = t over 1 MB; bad arguments fail with DOCUMENT_BAD_ARGUMENT; NULL gives NULL", async () => {
  const engine = await createEngine();
  try {
    const text = generatedText(11, 1_000_000);
    await engine.query('CREATE TABLE t AS SELECT $1::VARCHAR AS body', [text]);
    const r = await engine.query(
      `SELECT array_to_string(TEXT_CHUNKS(body, 500), '') = body AS same, len(TEXT_CHUNKS(body, 500)) > 500 AS many,
              TEXT_CHUNKS(NULL, 10) AS n1, TEXT_CHUNKS('', 10) AS empty, TEXT_CHUNKS('a b', 10, 2) AS o FROM t`,
    );
    assert.equal(r.rows, [{ same: true, many: true, n1: null, empty: [], o: ['a b'] }]);
    for (const [sql, message] of [
      [`SELECT TEXT_CHUNKS('x', 4)`, 'TEXT_CHUNKS: max_tokens must be an integer of at least 8, got 4'],
      [
        `SELECT TEXT_CHUNKS('x', 100, 60)`,
        'TEXT_CHUNKS: overlap_tokens must be an integer from 0 to half of max_tokens (50), got 60',
      ],
    ] as const) {
      try {
        await engine.query(sql);
        assert.unreachable();
      } catch (err) {
        assert.is((err as RvbbitError).code, 'DOCUMENT_BAD_ARGUMENT');
        assert.is((err as RvbbitError).message, message);
      }
    }
  } finally {
    await engine.close();
  }
});

test.run();
