/**
 * The token counter counts a text by pieces cut after its line breaks
 * (llm/bounded-encoding.ts PIECE_CUT) and remembers short pieces: the sum must
 * be the whole text's count exactly, for both encodings the engine counts with
 * (o200k_base: the client and the cost model; cl100k_base: estimate.ts), on
 * texts built to sit on every edge of the cut (runs of \r and \n, white space
 * and `/` after them, punctuation before them), counted fresh and from memory.
 */
import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mulberry32 } from '../../base/rng.js';
import { boundedEncoding, type LibraryEncoding } from '../../src/llm/bounded-encoding.js';
import { tokenWork } from '../../src/llm/bpe-merge.js';
import { CJK, EMOJI, mixedText } from '../fixtures/long-words.js';

const AS_TEXT = { disallowedSpecial: new Set<string>() };

/** The fragments a cut could fall between: line breaks with what may stand on either side of them. */
const EDGES = [
  '\n',
  '\r\n',
  '\n\n',
  '\r',
  '\n\r',
  ' \n',
  '\n ',
  '\t\n',
  '\n\t',
  '\n/',
  '/\n',
  './\n',
  '.\n/',
  '.\n',
  ',\n\n',
  '!!\n',
  '\n\n  \n',
  ' \n \n',
  '\n  ',
  '  ',
  ' ',
  '/',
  '//',
  '.',
  '<a>',
  '</a>',
  '"',
  "'s",
  "'S",
  '12',
  '1234',
  'word',
  ' word',
  'Word',
  'WORD',
  'wOrD',
  'x',
  '\u00e9t\u00e9',
  '\u0301',
  CJK[0]!,
  CJK.slice(1, 4).join(''),
  EMOJI[3]!,
];

function edgeText(seed: number, parts: number): string {
  const r = mulberry32(seed);
  let out = '';
  for (let i = 0; i < parts; i++) out += EDGES[Math.floor(r() * EDGES.length)]!;
  return out;
}

const encodings = [
  ['o200k_base', o200k],
  ['cl100k_base', cl100k],
] as const;

test('a text counted by its pieces is the whole text’s count, fresh and remembered, in both encodings', () => {
  for (const [name, library] of encodings) {
    const enc = boundedEncoding(library.default as unknown as LibraryEncoding);
    for (let seed = 1; seed <= 400; seed++) {
      const text = seed % 4 === 0 ? mixedText(seed, 120, 40) : edgeText(seed, 5 + (seed % 60));
      const expected = library.encode(text, AS_TEXT).length;
      assert.is(enc.countTokens(text), expected, `${name} seed ${seed}: ${JSON.stringify(text)}`);
      // Again: its pieces are remembered now.
      assert.is(enc.countTokens(text), expected, `${name} seed ${seed}, remembered`);
    }
  }
});

test('lines shared by prompts are counted once: the second prompt reads only its own line', () => {
  const enc = boundedEncoding(o200k.default as unknown as LibraryEncoding);
  const shared = Array.from({ length: 40 }, (_, i) => `<c n="${i}">candidate value number ${i}</c>`).join(
    '\n',
  );
  const first = `${shared}\n<a>the first value</a>`;
  const second = `${shared}\n<a>the second value, longer</a>`;
  const before = tokenWork.chars;
  assert.is(enc.countTokens(first), o200k.encode(first, AS_TEXT).length);
  const firstChars = tokenWork.chars - before;
  assert.is(firstChars, first.length);
  const mid = tokenWork.chars;
  assert.is(enc.countTokens(second), o200k.encode(second, AS_TEXT).length);
  assert.is(tokenWork.chars - mid, '<a>the second value, longer</a>'.length);
});

test('a count with `over` still stops early in a long text of many lines', () => {
  const enc = boundedEncoding(o200k.default as unknown as LibraryEncoding);
  const text = Array.from({ length: 10_000 }, (_, i) => `line ${i} of a long document`).join('\n');
  const before = tokenWork.chars;
  const n = enc.countTokens(text, 50);
  assert.ok(n > 50 && n < 80, `${n}`);
  assert.ok(tokenWork.chars - before < 1000, `${tokenWork.chars - before} characters read`);
});

test.run();
