// The UNKNOWN_OPERATOR warning's pattern: an operand, a word no cascade
// defines, an operand. SQL's own words in that place are not flagged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGrammar, DEFAULT_OPERATORS } from '../../grammar/index.js';
import { unknownOperators } from '../../src/lsp/unknown-operators.js';
import { VALID } from '../grammar/corpus.js';

const grammar = createGrammar();
const words = (sql: string) => unknownOperators(grammar, sql).map((u) => u.word);

test('a word between two operands is flagged, with its offsets', () => {
  assert.equal(unknownOperators(grammar, "SELECT a FROM t WHERE a RHYMES 'b'"), [
    { word: 'RHYMES', start: 24, end: 30 },
  ]);
  assert.equal(words("SELECT x.a chimes y.b, f(a) ECHOES 1, 'a' SOUNDS $1 FROM t"), [
    'chimes',
    'ECHOES',
    'SOUNDS',
  ]);
});

test('SQL words and aliases in that place are not flagged', () => {
  for (const sql of [
    'SELECT a FROM t ORDER BY a NULLS FIRST',
    "SELECT ts AT TIME ZONE 'UTC' FROM t",
    "SELECT a FROM t WHERE a LIKE 'x!%' ESCAPE '!'",
    'SELECT * FROM t TABLESAMPLE 10',
    "SELECT now() - INTERVAL 1 DAY, DATE '2024-01-01', x::DOUBLE PRECISION FROM t",
    'SELECT p.name FROM products p SEMANTIC JOIN categories c ON p.name ~ c.label',
    'SELECT a b, c AS d FROM t x JOIN u y ON x.id = y.id',
    "CREATE TABLE t (a INTEGER NOT NULL, b VARCHAR DEFAULT 'x')",
    ...VALID,
  ]) {
    assert.equal(words(sql), [], sql);
  }
});

test('a word the operator set defines is not flagged', () => {
  const withRhymes = createGrammar({
    operators: [
      ...DEFAULT_OPERATORS,
      { word: 'RHYMES', functionName: 'semantic_rhymes', returns: 'BOOLEAN' },
    ],
  });
  assert.equal(unknownOperators(withRhymes, "SELECT a RHYMES 'b', c MEANS 'd', e ALIGNS WITH 'f'"), []);
});

test.run();
