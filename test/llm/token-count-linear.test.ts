/**
 * The token counter (llm/token-count.ts) is gpt-tokenizer's o200k_base count
 * exactly, and linear in the text: gpt-tokenizer's merge is n² in one
 * pre-token, so one long CJK or emoji word held the thread about a second
 * per 16,000 characters (and a 30 MB word aborted the process). Measured as
 * what it is: the merge's steps (rank lookups) for a word and one twice as
 * long, and the CPU time of one 16,000-character word; a word over 8,192
 * characters is counted in pieces, never under the exact count.
 */
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MERGE_CUT_MARGIN, MERGE_PIECE_CHARS } from '../../src/llm/bounded-encoding.js';
import { mergeBytes, tokenWork } from '../../src/llm/bpe-merge.js';
import { loadEncoding, loadEncodingSync } from '../../src/llm/token-count.js';
import { CJK, EMOJI, LATIN, longWord, mixedText } from '../fixtures/long-words.js';

const AS_TEXT = { disallowedSpecial: new Set<string>() };

test('counts and tokens are gpt-tokenizer’s exactly, over seeded texts with words up to 1,500 characters', async () => {
  const enc = await loadEncoding();
  const sync = loadEncodingSync();
  for (let seed = 1; seed <= 12; seed++) {
    const text = `${mixedText(seed, 300, 1500)} <|endoftext|> done`;
    const expected = o200k.encode(text, AS_TEXT);
    assert.is(enc.countTokens(text), expected.length, `seed ${seed}`);
    assert.is(sync.countTokens(text), expected.length, `seed ${seed}`);
    assert.equal(enc.encode(text), expected, `seed ${seed}`);
  }
  for (const [name, alphabet] of [
    ['CJK', CJK],
    ['emoji', EMOJI],
    ['Latin', LATIN],
  ] as const) {
    const word = longWord(alphabet, 2000, 7);
    assert.is(enc.countTokens(word), o200k.countTokens(word, AS_TEXT), name);
  }
});

/** Rank lookups the merge does to count `text`. */
function steps(text: string): number {
  const before = tokenWork.lookups;
  loadEncodingSync().countTokens(text);
  return tokenWork.lookups - before;
}

test('linear in one long word: twice the word, about twice the steps (CJK, emoji, Latin, one repeated letter)', () => {
  for (const [name, word] of [
    ['CJK', (n: number) => longWord(CJK, n, 3)],
    ['emoji', (n: number) => longWord(EMOJI, n, 4)],
    ['Latin', (n: number) => longWord(LATIN, n, 5)],
    ['aaaa', (n: number) => 'a'.repeat(n)],
  ] as const) {
    const one = steps(word(4000));
    const two = steps(word(8000));
    assert.ok(one > 4000, `${name}: ${one} steps`);
    // n²: 4 times; n log n at these sizes: about 2.
    assert.ok(two / one < 2.2, `${name}: ${one} steps for 4,000 characters, ${two} for 8,000`);
  }
});

test('one 16,000-character CJK or emoji word takes under 300 ms of CPU (was about 1.3 s idle)', () => {
  const count = loadEncodingSync().countTokens;
  count('warm');
  for (const word of [longWord(CJK, 16_000, 1), longWord(EMOJI, 8_000, 2)]) {
    const began = process.cpuUsage();
    count(word);
    const used = process.cpuUsage(began);
    const ms = (used.user + used.system) / 1000;
    assert.ok(ms < 300, `${Math.round(ms)} ms of CPU for ${word.length} UTF-16 units`);
  }
});

test('a word over 8,192 characters is counted in pieces: never under the exact count, a few tokens over per cut', () => {
  const utf8 = new TextEncoder();
  const count = loadEncodingSync().countTokens;
  // gpt-tokenizer's own lookup of a token's rank by its bytes.
  const rankOf = (bytes: Uint8Array, start: number, end: number) =>
    (
      o200k.default as unknown as {
        bytePairEncodingCoreProcessor: { getBpeRankFromBytes(b: Uint8Array): number | undefined };
      }
    ).bytePairEncodingCoreProcessor.getBpeRankFromBytes(bytes.subarray(start, end));
  for (const [name, word] of [
    ['CJK', longWord(CJK, 30_000, 8)],
    ['emoji', longWord(EMOJI, 15_000, 9)],
    ['Latin', longWord(LATIN, 30_000, 10)],
    ['spaces', ' '.repeat(30_000)],
    ['aaaa', 'a'.repeat(30_000)],
  ] as const) {
    // The whole word merged at once: the exact count (the merge is gpt-tokenizer's, tested above).
    const exact = mergeBytes(utf8.encode(word), rankOf);
    const cuts = Math.ceil(word.length / MERGE_PIECE_CHARS) - 1;
    const counted = count(word);
    assert.ok(counted >= exact, `${name}: ${counted} < exact ${exact}`);
    assert.ok(
      counted <= exact + cuts * (MERGE_CUT_MARGIN + 2),
      `${name}: ${counted} against exact ${exact}, ${cuts} cuts`,
    );
  }
  // A cut never falls between the halves of a surrogate pair: the pieces' tokens decode to the word.
  const word = `x${longWord(EMOJI, 10_000, 11)}`;
  assert.is(loadEncodingSync().decode(loadEncodingSync().encode(word)), word);
});

test.run();
