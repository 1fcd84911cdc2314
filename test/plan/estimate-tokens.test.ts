/**
 * EXPLAIN's token estimate (plan/estimate.ts countTokens, cl100k_base, also
 * the semantic pair planner's) counts linear in the text, on the main
 * thread: gpt-tokenizer's count exactly over seeded texts, and one
 * 16,000-character CJK or emoji word under 300 ms of CPU (gpt-tokenizer's
 * n² merge took seconds).
 */
import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countTokens } from '../../src/plan/estimate.js';
import { CJK, EMOJI, longWord, mixedText } from '../fixtures/long-words.js';

const AS_TEXT = { disallowedSpecial: new Set<string>() };

test('the estimate counts as gpt-tokenizer’s cl100k_base, special tokens as text', () => {
  for (let seed = 1; seed <= 8; seed++) {
    const text = `${mixedText(seed, 300, 1500)} <|endoftext|>`;
    assert.is(countTokens(text), cl100k.countTokens(text, AS_TEXT), `seed ${seed}`);
  }
});

test('one 16,000-character CJK or emoji word: under 300 ms of CPU', () => {
  countTokens('warm');
  for (const word of [longWord(CJK, 16_000, 31), longWord(EMOJI, 8_000, 32)]) {
    const began = process.cpuUsage();
    countTokens(word);
    const used = process.cpuUsage(began);
    const ms = (used.user + used.system) / 1000;
    assert.ok(ms < 300, `${Math.round(ms)} ms of CPU for ${word.length} UTF-16 units`);
  }
});

test.run();
