import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { complete, createGrammar, DEFAULT_OPERATORS } from '../../grammar/index.js';

/** Completes at the `|` marker. */
const at = (marked: string) => {
  const offset = marked.indexOf('|');
  return complete(marked.replace('|', ''), offset);
};
const labels = (marked: string) => at(marked).map((c) => c.label);

test('statement start: the dialect keywords', () => {
  assert.equal(at('|'), [
    { label: 'RVBBIT', kind: 'keyword' },
    { label: 'EXPLAIN', kind: 'keyword' },
    { label: 'CREATE', kind: 'keyword' },
    { label: 'INSERT', kind: 'keyword' },
    { label: 'COPY', kind: 'keyword' },
  ]);
  assert.equal(labels('SELECT 1; |'), ['RVBBIT', 'EXPLAIN', 'CREATE', 'INSERT', 'COPY']);
});

test('after RVBBIT and after MAP (from content assist)', () => {
  assert.equal(labels('RVBBIT |'), ['MAP', 'RUN']);
  assert.equal(labels('RVBBIT MAP |'), ['PARALLEL', 'DISTINCT', 'BATCH']);
  assert.equal(labels("RVBBIT MAP 'x' |"), ['AS', 'USING']);
  assert.equal(labels("RVBBIT MAP 'x' USING (select 1) |"), ['WITH']);
  assert.equal(labels('RVBBIT RUN |'), ['ASYNC']);
  assert.equal(labels('EXPLAIN (FORMAT |'), ['TEXT', 'JSON']);
});

test('a partial word filters by prefix, case-insensitively', () => {
  assert.equal(labels('rvbbit m|'), ['MAP']);
  assert.equal(labels("RVBBIT MAP 'x' U|"), ['USING']);
  assert.equal(labels('RVB|'), ['RVBBIT']);
});

test('inside WITH ( : the keys not used yet; RUN gets only RUN keys', () => {
  const all = at("RVBBIT MAP 'x' USING (q) WITH (|");
  assert.equal(all.length, 14);
  assert.equal(all[0], { label: 'as_table', kind: 'with_key' });
  assert.equal(labels("RVBBIT MAP 'x' USING (q) WITH (limit = 1, cache = true, |").includes('limit'), false);
  assert.equal(labels("RVBBIT MAP 'x' USING (q) WITH (limit = 1, ca|"), ['cache']);
  assert.equal(labels("RVBBIT MAP 'x' USING (q) WITH (ret|"), ['retries']);
  assert.equal(labels("RVBBIT RUN 'x' USING (q) WITH (|"), [
    'as_table',
    'persist',
    'replace',
    'limit',
    'cache',
    'model',
    'timeout',
    'budget_dollars',
    'budget_tokens',
    'retries',
    'max_tokens',
    'delivery',
  ]);
});

test('after key = : the values of that key', () => {
  assert.equal(labels("RVBBIT MAP 'x' USING (q) WITH (on_error = |"), ["'null'", "'fail'", "'keep'"]);
  assert.equal(labels("RVBBIT MAP 'x' USING (q) WITH (cache = |"), ['TRUE', 'FALSE', "'1h'", "'1d'"]);
  assert.equal(labels("RVBBIT RUN 'x' USING (q) WITH (delivery = |"), ["'batch'", "'sync'"]);
  assert.equal(labels("RVBBIT MAP 'x' USING (q) WITH (deli|"), ['delivery']);
});

test('inside AS ( : types after a column name', () => {
  const types = at("RVBBIT MAP 'x' AS (brand |");
  assert.equal(types[0], { label: 'VARCHAR', kind: 'type' });
  assert.is(types.length, 16);
  assert.equal(labels("RVBBIT MAP 'x' AS (a VARCHAR, b DOU|"), ['DOUBLE']);
});

test('annotation keys after -- @, strategies after strategy:', () => {
  // The options' order in grammar/statement-options.ts (WITH's canonical order, annotation-only keys after), then prompt.
  assert.equal(at('-- @ |'), [
    { label: 'parallel', kind: 'annotation_key' },
    { label: 'cache', kind: 'annotation_key' },
    { label: 'model', kind: 'annotation_key' },
    { label: 'timeout', kind: 'annotation_key' },
    { label: 'budget_dollars', kind: 'annotation_key' },
    { label: 'budget_tokens', kind: 'annotation_key' },
    { label: 'retries', kind: 'annotation_key' },
    { label: 'max_tokens', kind: 'annotation_key' },
    { label: 'delivery', kind: 'annotation_key' },
    { label: 'threshold', kind: 'annotation_key' },
    { label: 'strategy', kind: 'annotation_key' },
    { label: 'prefilter', kind: 'annotation_key' },
    { label: 'batch', kind: 'annotation_key' },
    { label: 'proxy', kind: 'annotation_key' },
    { label: 'embed_model', kind: 'annotation_key' },
    { label: 'small_side', kind: 'annotation_key' },
    { label: 'pair_split', kind: 'annotation_key' },
    { label: 'prompt', kind: 'annotation_key' },
  ]);
  assert.equal(labels('SELECT 1;\n-- @ th|'), ['threshold']);
  assert.equal(labels('-- @ strategy: |'), ['batch', 'sequential', 'union_all', 'vectorized']);
  assert.equal(labels('-- @ Strategy: u|'), ['union_all']);
  assert.equal(at('SELECT 1;\n-- @ delivery: |'), [
    { label: 'batch', kind: 'value' },
    { label: 'sync', kind: 'value' },
  ]);
  assert.equal(labels('-- @ delivery:b|'), ['batch']);
  assert.equal(labels('-- @ model: |'), []);
});

test('in SQL, after an operand: the operator words (including run-time ones)', () => {
  assert.equal(labels('SELECT * FROM t WHERE title |'), [
    'MEANS',
    'MATCHES',
    'ABOUT',
    'ALIGNS',
    'IMPLIES',
    'CONTRADICTS',
    '~',
  ]);
  assert.equal(labels('SELECT * FROM t WHERE title ME|'), ['MEANS']);
  assert.equal(labels("RVBBIT MAP 'x' USING (SELECT * FROM t WHERE lower(a) AB|"), ['ABOUT']);
  assert.equal(labels('SELECT * FROM t WHERE |'), []);
  const g = createGrammar({
    operators: [...DEFAULT_OPERATORS, { word: 'RHYMES', functionName: 'f', returns: 'BOOLEAN' }],
  });
  assert.equal(
    g.complete('SELECT a RH', 11).map((c) => c.label),
    ['RHYMES'],
  );
});

test("in SQL, a word typed where no operand precedes it: the functions the engine rewrites, built in and the catalog's", () => {
  assert.equal(
    complete('SELECT LLM_S', 12).map((c) => [c.label, c.kind]),
    [
      ['LLM_SUMMARIZE', 'function'],
      ['LLM_SENTIMENT', 'function'],
    ],
  );
  const g = createGrammar({
    calls: [{ name: 'TIDY', functionName: 'tidy', minArgs: 1, maxArgs: 2, returns: 'VARCHAR' }],
  });
  assert.equal(
    g.complete('SELECT id, ti', 13).map((c) => [c.label, c.kind]),
    [['TIDY', 'function']],
  );
  // With nothing typed, no list of every function; after an operand, operator words, not calls.
  assert.equal(g.complete('SELECT ', 7), []);
  assert.equal(
    g.complete('SELECT a TI', 11).map((c) => c.label),
    [],
  );
});

test('inside strings and comments: nothing; bad offsets are clamped; never throws', () => {
  assert.equal(labels("SELECT 'abc |"), []);
  assert.equal(labels('SELECT 1 -- abc |'), []);
  assert.equal(complete('RVBBIT ', 999).length, 2);
  // Clamped to 0: the statement start's keywords (RVBBIT, EXPLAIN, CREATE, INSERT, COPY).
  assert.equal(complete('RVBBIT ', -5).length, 5);
  assert.equal(complete('RVBBIT ', Number.NaN).length, 2);
  assert.equal(labels("RVBBIT MAP 'x' AS (a VARCHR) |"), ['USING']);
});

test.run();
