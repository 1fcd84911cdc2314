import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { format, parse, prefixLimit, scanSql, stripSpans } from '../../grammar/index.js';
import { err, ok } from './helpers.js';

const notes = (sql: string) => stripSpans(ok(sql)[0]!.annotations);

test('spec example: parallel and model before a SELECT', () => {
  assert.equal(notes('-- @ parallel: 8\n-- @ model: small-fast\nSELECT 1'), [
    { kind: 'Annotation', key: 'parallel', value: 8 },
    { kind: 'Annotation', key: 'model', value: 'small-fast' },
  ]);
});

test('every key, bare parallel, hints, spacing and case', () => {
  const sql = [
    '-- @ parallel',
    '--@threshold: 0.7',
    '-- @  Strategy :  union_all',
    '-- @ cache: FALSE',
    '-- @ answer in French: be brief',
    '-- @ see http://example.com/x',
    '-- plain comment, not an annotation',
    "RVBBIT MAP 'x' USING (select 1)",
  ].join('\n');
  assert.equal(notes(sql), [
    { kind: 'Annotation', key: 'parallel', value: null },
    { kind: 'Annotation', key: 'threshold', value: 0.7 },
    { kind: 'Annotation', key: 'strategy', value: 'union_all' },
    { kind: 'Annotation', key: 'cache', value: false },
    { kind: 'Annotation', key: 'hint', value: 'answer in French: be brief' },
    { kind: 'Annotation', key: 'hint', value: 'see http://example.com/x' },
  ]);
});

test('annotations attach to the statement they precede, not to the next one', () => {
  const s = ok('-- @ model: a\nSELECT 1;\n-- @ model: b\nSELECT 2; SELECT 3');
  assert.equal(
    s.map((x) => x.annotations.map((a) => a.value)),
    [['a'], ['b'], []],
  );
});

test('an annotation inside a statement is an ordinary comment', () => {
  assert.equal(notes('SELECT 1\n-- @ model: x\n, 2'), []);
});

test('annotation span covers the comment line', () => {
  const a = parse('\n-- @ model: m\nSELECT 1').statements[0]!.annotations[0]!;
  assert.equal(a.span, { start: 1, end: 14, line: 2, column: 1 });
});

test('an unknown key is an error listing the valid keys', () => {
  const e = err('-- @ colour: red\nSELECT 1');
  assert.is(e.code, 'E_UNKNOWN_ANNOTATION');
  assert.is(
    e.message,
    "unknown annotation key 'colour'; valid keys: parallel, model, threshold, strategy, cache, budget_dollars, budget_tokens, timeout, retries, delivery, prefilter, batch, proxy, embed_model, prompt (free text without 'key:' is a hint)",
  );
  assert.equal([e.line, e.column], [1, 6]);
});

test('bad values', () => {
  assert.is(err('-- @ parallel: 0\nSELECT 1').code, 'E_BAD_ANNOTATION_VALUE');
  assert.is(err('-- @ parallel: 1001\nSELECT 1').code, 'E_BAD_ANNOTATION_VALUE');
  assert.is(err('-- @ parallel: many\nSELECT 1').code, 'E_BAD_ANNOTATION_VALUE');
  assert.is(err('-- @ threshold: 1.5\nSELECT 1').code, 'E_BAD_ANNOTATION_VALUE');
  assert.is(
    err('-- @ strategy: fastest\nSELECT 1').message,
    "strategy must be one of batch, sequential, union_all, vectorized, got 'fastest'",
  );
  assert.is(err('-- @ cache: maybe\nSELECT 1').code, 'E_BAD_ANNOTATION_VALUE');
  assert.is(err('-- @ model:\nSELECT 1').code, 'E_BAD_ANNOTATION_VALUE');
  assert.is(err('-- @ model\nSELECT 1').code, 'E_BAD_ANNOTATION_VALUE');
  assert.is(err('-- @ budget_dollars: 0\nSELECT 1').message, 'budget_dollars must be a number > 0, got 0');
  assert.is(err('-- @ retries: 21\nSELECT 1').message, 'retries must be an integer from 0 to 20, got 21');
  assert.is(
    err('-- @ timeout: soon\nSELECT 1').message,
    "timeout must be a duration such as '30s', '5m', '2h' or '1d', got 'soon'",
  );
});

test('budget_dollars, timeout and retries take the values of the WITH options of the same names', () => {
  const a = parse('-- @ budget_dollars: 0.25\n-- @ timeout: 30s\n-- @ retries: 0\nSELECT 1').statements[0]!
    .annotations;
  assert.equal(
    a.map((x) => [x.key, x.value]),
    [
      ['budget_dollars', 0.25],
      ['timeout', { text: '30s', ms: 30_000 }],
      ['retries', 0],
    ],
  );
});

test('delivery: batch or sync, any case; the values of WITH (delivery = …)', () => {
  assert.equal(notes('-- @ delivery: batch\nSELECT 1'), [
    { kind: 'Annotation', key: 'delivery', value: 'batch' },
  ]);
  assert.equal(notes("-- @ Delivery : SYNC\nRVBBIT MAP 'x' USING (select 1)"), [
    { kind: 'Annotation', key: 'delivery', value: 'sync' },
  ]);
  const e = err('\n-- @ delivery: overnight\nSELECT 2');
  assert.equal(
    [e.code, e.message, e.line, e.column],
    ['E_BAD_ANNOTATION_VALUE', "delivery must be one of 'batch', 'sync', got 'overnight'", 2, 16],
  );
  assert.is(err('-- @ delivery:\nSELECT 1').message, "delivery must be one of 'batch', 'sync', got ''");
  assert.is(err('-- @ delivery\nSELECT 1').message, "annotation 'delivery' needs a value: -- @ delivery: …");
  assert.is(format(ok('-- @ delivery: BATCH\nSELECT 1')), '-- @ delivery: batch\nSELECT 1;');
});

test('a misspelt delivery is an unknown key whose list offers delivery', () => {
  const e = err('-- @ delivry: batch\nSELECT 1');
  assert.is(e.code, 'E_UNKNOWN_ANNOTATION');
  assert.match(
    e.message,
    /^unknown annotation key 'delivry'; valid keys: .*\bretries, delivery, prefilter\b/,
  );
  assert.equal([e.line, e.column], [1, 6]);
});

test('a key given twice is an error; hints may repeat', () => {
  assert.is(err('-- @ model: a\n-- @ model: b\nSELECT 1').code, 'E_DUPLICATE_ANNOTATION');
  assert.is(notes('-- @ be brief\n-- @ be kind\nSELECT 1').length, 2);
});

test('an annotation with no statement after it is an error', () => {
  const r = parse('SELECT 1;\n-- @ model: x\n');
  assert.is(r.statements.length, 1);
  assert.equal(
    r.errors.map((e) => [e.code, e.line]),
    [['E_DANGLING_ANNOTATION', 2]],
  );
});

test('batch and proxy: values, errors and canonical text', () => {
  assert.equal(notes('-- @ batch: 16\nSELECT 1'), [{ kind: 'Annotation', key: 'batch', value: 16 }]);
  assert.equal(notes('-- @ proxy: small-fast confidence 0.9\nSELECT 1'), [
    { kind: 'Annotation', key: 'proxy', value: { model: 'small-fast', confidence: 0.9 } },
  ]);
  assert.equal(notes('-- @ proxy: small-fast\nSELECT 1'), [
    { kind: 'Annotation', key: 'proxy', value: { model: 'small-fast', confidence: 0.8 } },
  ]);
  assert.is(
    err('-- @ batch: 0\nSELECT 1').message,
    "batch must be an integer from 1 to 256 (tuples per prompt), got '0'",
  );
  assert.is(
    err('-- @ proxy: m confidence 2\nSELECT 1').message,
    "proxy must be 'model' or 'model confidence t' with t from 0 to 1, got 'm confidence 2'",
  );
  assert.is(err('-- @ proxy: m sure\nSELECT 1').code, 'E_BAD_ANNOTATION_VALUE');
  assert.is(
    format(ok('-- @ proxy: m\n-- @ batch: 4\nSELECT 1')),
    '-- @ proxy: m confidence 0.8\n-- @ batch: 4\nSELECT 1;',
  );
});

test('prefixLimit: a LIMIT a prefix of the scan can meet', () => {
  const at = (sql: string) => prefixLimit(sql, scanSql(sql).tokens);
  assert.equal(at('SELECT * FROM t WHERE x LIMIT 10'), { limit: 10, offset: 0 });
  assert.equal(at('SELECT * FROM t LIMIT 5 OFFSET 7'), { limit: 5, offset: 7 });
  assert.equal(at('SELECT * FROM (SELECT * FROM u ORDER BY a) LIMIT 3'), { limit: 3, offset: 0 });
  assert.is(at('SELECT * FROM t ORDER BY a LIMIT 3'), null);
  assert.is(at('SELECT a, count(*) FROM t GROUP BY a LIMIT 3'), null);
  assert.is(at('SELECT DISTINCT a FROM t LIMIT 3'), null);
  assert.is(at('SELECT a FROM t UNION ALL SELECT a FROM u LIMIT 3'), null);
  assert.is(at('SELECT * FROM t LIMIT $1'), null);
  assert.is(at('SELECT * FROM t'), null);
});

test.run();
