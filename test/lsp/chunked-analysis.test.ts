// The server parses statement by statement (src/lsp/chunked-analysis.ts):
// its errors must equal parse() over the whole text, on every mutation of the
// fuzz corpus, on the first pass and after edits (the cache in use).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGrammar, parse, tokens } from '../../grammar/index.js';
import { ChunkedAnalysis } from '../../src/lsp/chunked-analysis.js';
import { mulberry32 } from '../../src/sim/rng.js';
import { VALID } from '../grammar/corpus.js';

const grammar = createGrammar();
const PIECES = [
  ...VALID.flatMap((s) => tokens(s).map((t) => t.text)),
  ';',
  "'",
  '/*',
  '-- @ parallel: 2\n',
  '\n',
];
const sorted = (xs: { code: string; message: string; offset: number }[]) =>
  xs.map((e) => `${e.offset} ${e.code} ${e.message}`).sort();

test('errors equal parse() of the whole text over 3,000 random edits', () => {
  const rnd = mulberry32(23);
  const analysis = new ChunkedAnalysis();
  let text = VALID.join(';\n');
  let withErrors = 0;
  for (let i = 0; i < 3000; i++) {
    const a = Math.floor(rnd() * (text.length + 1));
    const b = Math.min(text.length, a + Math.floor(rnd() * 8));
    const insert = rnd() < 0.3 ? '' : PIECES[Math.floor(rnd() * PIECES.length)]!;
    text = text.length > 4000 ? VALID.join(';\n') : text.slice(0, a) + insert + text.slice(b);
    const whole = sorted(parse(text).errors.map((e) => ({ ...e })));
    const chunked = sorted(analysis.analyze(grammar, text).errors);
    if (whole.length > 0) withErrors++;
    assert.equal(chunked, whole, `text: ${JSON.stringify(text)}`);
  }
  assert.ok(withErrors > 1000, `texts with errors: ${withErrors}`);
});

test('edge cases: comments between semicolons, empty text, trailing annotations', () => {
  const analysis = new ChunkedAnalysis();
  for (const text of [
    '',
    ';',
    '-- x\n;',
    '-- @ parallel: 3\n;\nSELECT 1',
    'SELECT 1;\n-- @ parallel: 2\n',
    "SELECT 'a",
    'SELECT 1;;SELECT 2; /* x',
  ]) {
    assert.equal(
      sorted(analysis.analyze(grammar, text).errors),
      sorted([...parse(text).errors]),
      JSON.stringify(text),
    );
  }
});

test.run();
