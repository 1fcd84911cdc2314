/**
 * TEXT_CHUNKS is linear in its text, measured as what it is: the token
 * counter's steps (llm/bpe-merge.ts tokenWork) and CPU time, not wall time.
 * A word over the limit is counted once, not once per level (paragraph,
 * sentence, word: four counts of a 30 MB word); a run of sentence marks with
 * no space after it is matched from its first mark only (the sentence-end
 * pattern was tried again from each mark, n²: 50,000 '!' took 8.5 s of CPU).
 * The chunks still partition the text, each within the limit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { textChunks } from '../../src/documents/text-chunks.js';
import { tokenSteps } from '../../src/llm/bpe-merge.js';
import { loadEncodingSync } from '../../src/llm/token-count.js';
import { CJK, LATIN, longWord } from '../fixtures/long-words.js';

function cpuMs(work: () => void): number {
  const began = process.cpuUsage();
  work();
  const used = process.cpuUsage(began);
  return (used.user + used.system) / 1000;
}

test('a word over the limit is counted about twice in all (once whole, once in its chunks), not once per level', () => {
  const count = loadEncodingSync().countTokens;
  for (const word of [longWord(LATIN, 60_000, 1), longWord(CJK, 30_000, 2), 'abcde'.repeat(12_000)]) {
    let before = tokenSteps();
    count(word);
    const once = tokenSteps() - before;
    for (const max of [8, 100, 1000]) {
      before = tokenSteps();
      const chunks = textChunks(word, max);
      const steps = tokenSteps() - before;
      assert.ok(steps <= 2.2 * once, `max ${max}: ${steps} steps, one count is ${once}`);
      assert.is(chunks.join(''), word);
      for (const c of chunks) assert.ok(count(c) <= max);
    }
  }
});

test('30,000 sentence marks with no space after them: under 1 s of CPU (about 3 s before), cut within the limit', () => {
  textChunks('warm. up', 8);
  for (const mark of ['!', '.', '\u3002']) {
    const text = mark.repeat(30_000);
    let chunks: string[] = [];
    const ms = cpuMs(() => {
      chunks = textChunks(text, 100);
    });
    assert.ok(ms < 1000, `${mark}: ${Math.round(ms)} ms of CPU`);
    assert.is(chunks.join(''), text);
    const count = loadEncodingSync().countTokens;
    for (const c of chunks) assert.ok(count(c) <= 100);
  }
  // Sentence ends are still found after a run of marks, closing quotes and space.
  assert.equal(textChunks('One sentence here?!" Two sentences are here... Three sentences come last.', 8), [
    'One sentence here?!" ',
    'Two sentences are here... ',
    'Three sentences come last.',
  ]);
});

test.run();
