import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TOKEN_CATEGORIES, tokens } from '../../grammar/index.js';

const view = (sql: string) => tokens(sql).map((t) => `${t.category}:${t.text}`);

test('RVBBIT statement tokens with categories', () => {
  assert.equal(view("RVBBIT MAP PARALLEL 2 'x.yaml' AS (b VARCHAR) USING (SELECT 1) WITH (limit = 5);"), [
    'keyword:RVBBIT',
    'keyword:MAP',
    'keyword:PARALLEL',
    'number:2',
    "string:'x.yaml'",
    'keyword:AS',
    'punctuation:(',
    'identifier:b',
    'keyword:VARCHAR',
    'punctuation:)',
    'keyword:USING',
    'punctuation:(',
    'keyword:SELECT',
    'number:1',
    'punctuation:)',
    'keyword:WITH',
    'punctuation:(',
    'keyword:limit', // the highlighter does not parse: LIMIT is a SQL keyword
    'operator:=',
    'number:5',
    'punctuation:)',
    'punctuation:;',
  ]);
});

test('passthrough SQL: semantic operators, comments, annotations, quoted names, parameters', () => {
  assert.equal(
    view('-- @ model: m\nSELECT "a b" MEANS $1, x ~ y /* c */ FROM t ORDER BY a RELEVANCE TO ? -- end'),
    [
      'annotation:-- @ model: m',
      'keyword:SELECT',
      'identifier:"a b"',
      'operator:MEANS',
      'identifier:$1',
      'punctuation:,',
      'identifier:x',
      'operator:~',
      'identifier:y',
      'comment:/* c */',
      'keyword:FROM',
      'identifier:t',
      'keyword:ORDER',
      'keyword:BY',
      'identifier:a',
      'operator:RELEVANCE',
      'keyword:TO',
      'identifier:?',
      'comment:-- end',
    ],
  );
});

test('positions: offsets, 1-based line and column', () => {
  const t = tokens('SELECT\n  x');
  assert.equal(t[1], { category: 'identifier', text: 'x', start: 9, end: 10, line: 2, column: 3 });
});

test('unterminated input still gives tokens; never throws; only known categories', () => {
  assert.equal(view("SELECT 'abc"), ['keyword:SELECT', "string:'abc"]);
  assert.equal(view('a /* b'), ['identifier:a', 'comment:/* b']);
  assert.equal(tokens(''), []);
  assert.equal(tokens(null as unknown as string), []);
  const bytes = String.fromCharCode(...Array.from({ length: 2000 }, (_, i) => (i * 7919) % 65536));
  for (const t of tokens(bytes)) assert.ok((TOKEN_CATEGORIES as readonly string[]).includes(t.category));
});

test.run();
