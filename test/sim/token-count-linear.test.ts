/**
 * The simulator's token count (sim/token-count.ts, gpt-tokenizer on its own:
 * it must not lean on the client's counter) is gpt-tokenizer's o200k_base
 * and cl100k_base count exactly over seeded texts without a run of over
 * 1,024 characters, and one 16,000-character CJK or emoji word in a prompt
 * is a fraction of a second of CPU, not the seconds gpt-tokenizer's n² merge
 * took; an answer cut at max_tokens is a prefix of it, and a character cut
 * there leaks into no later answer.
 */
import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { firstTokens, textTokens } from '../../src/sim/token-count.js';
import { CJK, EMOJI, longWord, mixedText } from '../fixtures/long-words.js';

const AS_TEXT = { disallowedSpecial: new Set<string>() };

test('counts are gpt-tokenizer’s exactly for gpt-4o-mini (o200k_base) and gpt-4 (cl100k_base); a cut answer is a prefix and leaks into no later one', () => {
  for (let seed = 1; seed <= 6; seed++) {
    const text = `${mixedText(seed, 200, 600)} <|endoftext|>`;
    assert.is(textTokens(text, 'gpt-4o-mini'), o200k.countTokens(text, AS_TEXT), `o200k seed ${seed}`);
    assert.is(textTokens(text, 'gpt-4'), cl100k.countTokens(text, AS_TEXT), `cl100k seed ${seed}`);
    for (const n of [1, 7, 50, 333]) {
      const first = firstTokens(text, n, 'gpt-4o-mini');
      assert.ok(text.startsWith(first), `first ${n}, seed ${seed}`);
      assert.ok(textTokens(first, 'gpt-4o-mini') <= n + 1, `first ${n}, seed ${seed}`);
    }
    assert.is(firstTokens(text, 1e6, 'gpt-4o-mini'), text);
  }
  // An answer cut inside a character (𓀀 is 4 tokens) leaves it out, and nothing of it reaches the next answer
  // (gpt-tokenizer's decode streams through one shared decoder: the next began with its bytes).
  assert.is(firstTokens('𓀀𓀀', 1, 'gpt-4o-mini'), '');
  assert.is(firstTokens('🦿 ok', 10, 'gpt-4o-mini'), '🦿 ok');
});

test('a packed answer of 256 items without a space (over 1,024 characters) is counted exactly', () => {
  // What a pair-blocks call answers: JSON with no space, cut into pieces where the pre-tokenizer splits
  // anyway (it was cut every 64 characters: 1,093 tokens where gpt-tokenizer counts 1,029, 4 such answers).
  const items = Array.from({ length: 256 }, (_, i) => `{"i":${i},"a":${i % 3 === 0},"why":"it's_row${i}"}`);
  for (const text of [
    JSON.stringify(items.map((s) => JSON.parse(s))),
    `[${items.join(',')}]`,
    `{"matches":[${Array.from({ length: 400 }, (_, i) => i * 7).join(',')}]}`,
  ]) {
    assert.ok(text.length > 1024 && !/\s/.test(text), `${text.length} characters`);
    assert.is(textTokens(text, 'gpt-4o-mini'), o200k.countTokens(text, AS_TEXT));
    assert.is(textTokens(text, 'gpt-4'), cl100k.countTokens(text, AS_TEXT));
  }
});

test('one 16,000-character CJK or emoji word: under 300 ms of CPU for either encoding', () => {
  textTokens('warm', 'gpt-4o-mini');
  textTokens('warm', 'gpt-4');
  for (const model of ['gpt-4o-mini', 'gpt-4']) {
    for (const word of [longWord(CJK, 16_000, 21), longWord(EMOJI, 8_000, 22)]) {
      const began = process.cpuUsage();
      const n = textTokens(word, model);
      const used = process.cpuUsage(began);
      const ms = (used.user + used.system) / 1000;
      assert.ok(n > 0);
      assert.ok(ms < 300, `${model}: ${Math.round(ms)} ms of CPU for ${word.length} UTF-16 units`);
    }
  }
});

test.run();
