// The hand-written statement lexer (parse's fast path) must yield exactly the
// tokens of the Chevrotain lexer built from tokens.ts: same types, images,
// offsets and SqlBlock payloads, and the same first unmatched character.
import type { IToken } from 'chevrotain';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rvbbitLexer } from '../../grammar/lexer.js';
import { lexStatement } from '../../grammar/statement-lexer.js';
import { mulberry32 } from '../../src/sim/rng.js';
import { VALID } from './corpus.js';

type Seen = { tokens: unknown[]; errorOffset: number };

const shape = (t: IToken) => [t.tokenType.name, t.image, t.startOffset, t.payload ?? null];

function reference(text: string): Seen {
  const r = rvbbitLexer.tokenize(text);
  if (r.errors.length > 0) {
    // lexStatement stops at the first error: compare the tokens before it.
    const at = r.errors[0]!.offset;
    return { tokens: r.tokens.filter((t) => t.startOffset < at).map(shape), errorOffset: at };
  }
  return { tokens: r.tokens.map(shape), errorOffset: -1 };
}

function fast(text: string): Seen {
  const r = lexStatement(text);
  return { tokens: r.tokens.map(shape), errorOffset: r.errorOffset };
}

function agree(text: string): void {
  assert.equal(fast(text), reference(text), JSON.stringify(text));
}

const EDGES = [
  "E'it''s' e'x' E 'y' Ee'z' E'open",
  "'a''' 'b'' 'c",
  '"q""x" "open ""',
  '1 1. 1.5 .5 . 1e5 1e 1e+ 1E-3x 1.2.3 5..6',
  'mapping map MAP$ map1 _map Map rvbbit RVBBIT temporary TEMPORARYX timestamp time TIMESTAMPS',
  'ſelect \u212aey ınt ıNT INT',
  'a\u00a0b\ufeffc\u000bd\u000ce\r\nf',
  '-- comment\nx -y --',
  '/* a /* nested */ */ b /* open',
  '/ x',
  '$1 @ # ~ ! ? : [ ] { } * + < > | ^ % &',
  'USING (SELECT 1) USING ( SELECT (2) USING (open',
  'USING /* c */ (x) using\n-- c\n(y) WITH (a = -1, b = TRUE, c = NULL)',
  '\ud83d\ude00 é ü_$ \u0080x',
];

test('edge cases: same tokens and error offsets as the Chevrotain lexer', () => {
  for (const text of EDGES) agree(text);
});

test('the corpus: same tokens', () => {
  for (const text of VALID) for (const stmt of text.split(';')) agree(stmt);
});

test('random text from the dialect alphabet and random code units: same tokens', () => {
  const rnd = mulberry32(19);
  const pieces = [
    ...' \n\t\'"()-/*.,=;$eE1234567890_xyzé\u00a0\ufeff',
    'MAP',
    'map',
    'USING',
    'using',
    'WITH',
    'TIME',
    'STAMP',
    "''",
    '""',
    '--',
    '/*',
    '*/',
    '1e',
    '.5',
  ];
  for (let i = 0; i < 5000; i++) {
    const len = Math.floor(rnd() * 30);
    let text = '';
    for (let k = 0; k < len; k++) {
      text +=
        rnd() < 0.95
          ? pieces[Math.floor(rnd() * pieces.length)]!
          : String.fromCharCode(Math.floor(rnd() * 65536));
    }
    agree(text);
  }
});

test.run();
