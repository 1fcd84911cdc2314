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
    // Semantic SQL takes every key (an RVBBIT statement refuses some: annotation-use.test.ts).
    "SELECT x FROM t WHERE x MEANS 'y'",
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

test('a `word:` that is no key and no misspelt key is free text: the whole line is a hint', () => {
  assert.equal(notes('-- @ note: be strict\nSELECT 1'), [
    { kind: 'Annotation', key: 'hint', value: 'note: be strict' },
  ]);
  assert.equal(notes('-- @ colour: red\n-- @ Tone: formal\nSELECT 1'), [
    { kind: 'Annotation', key: 'hint', value: 'colour: red' },
    { kind: 'Annotation', key: 'hint', value: 'Tone: formal' },
  ]);
  // Written back as it was: it reads as the same hint.
  assert.is(format(ok('-- @ note: be strict\nSELECT 1')), '-- @ note: be strict\nSELECT 1;');
});

test('a misspelt key is an error suggesting the key, at the key', () => {
  const e = err('-- @ paralel: 3\nSELECT 1');
  assert.is(e.code, 'E_UNKNOWN_ANNOTATION');
  assert.is(
    e.message,
    "unknown annotation key 'paralel' — did you mean 'parallel'? (for a hint that starts with 'paralel:', write -- @ prompt: paralel: 3)",
  );
  assert.equal([e.line, e.column], [1, 6]);
  const at = err('\n  --@ Modle: small\nSELECT 2');
  assert.equal([at.code, at.line, at.column], ['E_UNKNOWN_ANNOTATION', 2, 7]);
  assert.match(at.message, /^unknown annotation key 'Modle' — did you mean 'model'\?/);
});

test('misspelling: at most min(2, a third of the key) edits, a swap is one; or a prefix of 4 letters or more', () => {
  const meant = (word: string) => {
    const r = parse(`-- @ ${word}: x\nSELECT 1`);
    return r.errors.length === 0 ? null : /did you mean '(\w+)'/.exec(r.errors[0]!.message)?.[1];
  };
  assert.is(meant('paralel'), 'parallel');
  assert.is(meant('prallel'), 'parallel');
  assert.is(meant('parallell'), 'parallel');
  assert.is(meant('cahce'), 'cache'); // a swap
  assert.is(meant('thresold'), 'threshold');
  assert.is(meant('retires'), 'retries');
  assert.is(meant('budget'), 'budget_dollars'); // a prefix; budget_dollars is listed first
  assert.is(meant('embed'), 'embed_model');
  assert.is(meant('strat'), 'strategy');
  assert.is(meant('promt'), 'prompt');
  // Too far from every key: hints.
  for (const word of [
    'note',
    'colour',
    'tone',
    'style',
    'context',
    'language',
    'case',
    'format',
    'mod',
    'see',
  ]) {
    assert.is(meant(word), null, word);
  }
  // A hint that starts with a misspelt key's `word:` is written with prompt:.
  assert.equal(notes('-- @ prompt: match: names exactly\nSELECT 1'), [
    { kind: 'Annotation', key: 'hint', value: 'match: names exactly' },
  ]);
  assert.is(
    format(ok('-- @ prompt: match: names exactly\nSELECT 1')),
    '-- @ prompt: match: names exactly\nSELECT 1;',
  );
});

test('a trailing SQL comment after a value is a comment (docs/semantic-sql.md writes them so); free text keeps its dashes', () => {
  assert.equal(
    notes(
      [
        '-- @ batch: 16                                 -- 16 distinct tuples per prompt',
        '-- @ proxy: small-fast confidence 0.8          -- a cheap model first',
        '-- @ model: small-fast\t-- the cheap one',
        '-- @ strategy: union_all -- why not',
        '-- @ parallel -- the engine default',
        '-- @ be brief -- one line',
        '-- @ prompt: keep -- as written',
        'SELECT 1',
      ].join('\n'),
    ),
    [
      { kind: 'Annotation', key: 'batch', value: 16 },
      { kind: 'Annotation', key: 'proxy', value: { model: 'small-fast', confidence: 0.8 } },
      { kind: 'Annotation', key: 'model', value: 'small-fast' },
      { kind: 'Annotation', key: 'strategy', value: 'union_all' },
      { kind: 'Annotation', key: 'parallel', value: null },
      { kind: 'Annotation', key: 'hint', value: 'be brief -- one line' },
      { kind: 'Annotation', key: 'hint', value: 'keep -- as written' },
    ],
  );
  // `--` inside a value, with no space before it, is the value's.
  assert.is(
    err('-- @ batch: 16--x\nSELECT 1').message,
    "batch must be an integer from 1 to 256 (tuples per prompt), got '16--x'",
  );
  // A hint that reads as a bare key once its comment is dropped is written with prompt:.
  assert.is(format(ok('-- @ prompt: parallel -- x\nSELECT 1')), '-- @ prompt: parallel -- x\nSELECT 1;');
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
  // An annotation's error quotes the text as written, for every key (these three said `got 0`, `got 21`, `got 0`).
  assert.is(err('-- @ budget_dollars: 0\nSELECT 1').message, "budget_dollars must be a number > 0, got '0'");
  assert.is(err('-- @ retries: 21\nSELECT 1').message, "retries must be an integer from 0 to 20, got '21'");
  assert.is(
    err('-- @ max_tokens: 0\nSELECT 1').message,
    "max_tokens must be an integer from 1 to 1000000, got '0'",
  );
  assert.is(
    err('-- @ timeout: soon\nSELECT 1').message,
    "timeout must be a duration such as '30s', '5m', '2h' or '1d', got 'soon'",
  );
});

test('budget_dollars, timeout, retries and max_tokens take the values of the WITH options of the same names', () => {
  const a = parse(
    '-- @ budget_dollars: 0.25\n-- @ timeout: 30s\n-- @ retries: 0\n-- @ max_tokens: 500\nSELECT 1',
  ).statements[0]!.annotations;
  assert.equal(
    a.map((x) => [x.key, x.value]),
    [
      ['budget_dollars', 0.25],
      ['timeout', { text: '30s', ms: 30_000 }],
      ['retries', 0],
      ['max_tokens', 500],
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

test('a misspelt delivery is an unknown key suggesting delivery', () => {
  const e = err('-- @ delivry: batch\nSELECT 1');
  assert.is(e.code, 'E_UNKNOWN_ANNOTATION');
  assert.match(e.message, /^unknown annotation key 'delivry' — did you mean 'delivery'\?/);
  assert.equal([e.line, e.column], [1, 6]);
});

test('annotations after EXPLAIN are the statement`s, as those before it are', () => {
  const sql = "EXPLAIN\n-- @ parallel: 7\nSELECT t FROM v WHERE t MEANS 'fruit' LIMIT 1";
  assert.equal(notes(sql), [{ kind: 'Annotation', key: 'parallel', value: 7 }]);
  // Before and after, any comment form around them, with a FORMAT.
  const both =
    '-- @ model: m\n/* c */ EXPLAIN (FORMAT JSON) /* d */ -- @ parallel: 7\n-- @ be strict\nSELECT 1';
  assert.equal(notes(both), [
    { kind: 'Annotation', key: 'model', value: 'm' },
    { kind: 'Annotation', key: 'parallel', value: 7 },
    { kind: 'Annotation', key: 'hint', value: 'be strict' },
  ]);
  // The passthrough text keeps those after EXPLAIN: format() writes the ones before only.
  assert.is(format(ok(both)), `-- @ model: m\n${both.slice(both.indexOf('EXPLAIN'))};`);
  assert.equal(notes(format(ok(both))), notes(both));
  // EXPLAIN of a MAP: its annotations too.
  assert.equal(notes("EXPLAIN -- @ parallel: 4\nRVBBIT MAP 'x' USING (select 1)"), [
    { kind: 'Annotation', key: 'parallel', value: 4 },
  ]);
  assert.is(
    format(ok("EXPLAIN -- @ parallel: 4\nRVBBIT MAP 'x' USING (select 1)")),
    "EXPLAIN\n-- @ parallel: 4\nRVBBIT MAP 'x'\nUSING (select 1);",
  );
  // A key before and after EXPLAIN is given twice, as two before are: an error at the second.
  const e = err('-- @ parallel: 3\nEXPLAIN\n-- @ parallel: 7\nSELECT 1');
  assert.equal(
    [e.code, e.message, e.line, e.column],
    ['E_DUPLICATE_ANNOTATION', 'annotation parallel is given twice', 3, 1],
  );
  // Errors in them are reported where they are.
  const bad = err('EXPLAIN\n  -- @ paralel: 7\nSELECT 1');
  assert.equal([bad.code, bad.line, bad.column], ['E_UNKNOWN_ANNOTATION', 2, 8]);
  // Only between EXPLAIN and its statement: a comment inside the statement is a comment.
  assert.equal(notes('EXPLAIN SELECT 1\n-- @ model: x\n, 2'), []);
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

test('proxy targets: values, defaults, errors and canonical text', () => {
  assert.equal(notes('-- @ proxy: small-fast recall 0.9 precision 0.8\nSELECT 1'), [
    {
      kind: 'Annotation',
      key: 'proxy',
      value: { model: 'small-fast', confidence: 0.8, targets: { recall: 0.9, precision: 0.8, delta: 0.05 } },
    },
  ]);
  assert.equal(notes('-- @ proxy: m precision 0.95 delta 0.1 sample 300\nSELECT 1'), [
    {
      kind: 'Annotation',
      key: 'proxy',
      value: { model: 'm', confidence: 0.8, targets: { precision: 0.95, delta: 0.1, sample: 300 } },
    },
  ]);
  for (const [note, message] of [
    ['m recall', "got 'm recall'"],
    ['m recall 0.9 recall 0.9', "got 'recall' in 'm recall 0.9 recall 0.9'"],
    ['m delta 0.1', "got 'm delta 0.1' (no recall, precision or accuracy)"],
    ['m recall x', "got recall 'x'"],
    ['m recall 0.9 sample 0', "got sample '0'"],
    ['m recall 0.9 delta 0', "got delta '0'"],
  ] as const) {
    const e = err(`-- @ proxy: ${note}\nSELECT 1`);
    assert.is(e.code, 'E_BAD_ANNOTATION_VALUE', note);
    assert.ok(
      e.message.startsWith("proxy targets are 'model recall r precision p [delta d] [sample n]'"),
      e.message,
    );
    assert.ok(e.message.endsWith(message), `${note}: ${e.message}`);
  }
  assert.is(
    format(ok('-- @ proxy: m precision 0.9 recall 0.8\nSELECT 1')),
    '-- @ proxy: m recall 0.8 precision 0.9 delta 0.05\nSELECT 1;',
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

test('small_side takes an integer from 0 to 1024; anything else is refused at its value, naming the key', () => {
  assert.equal(notes("-- @ small_side: 128\nSELECT x FROM t WHERE x MEANS 'y'"), [
    { kind: 'Annotation', key: 'small_side', value: 128 },
  ]);
  assert.equal(notes("-- @ small_side: 0\nSELECT x FROM t WHERE x MEANS 'y'"), [
    { kind: 'Annotation', key: 'small_side', value: 0 },
  ]);
  for (const bad of ['1025', '-1', '8.5', 'many', '']) {
    const e = err(`\n-- @ small_side: ${bad}\nSELECT 1`);
    assert.is(e.code, 'E_BAD_ANNOTATION_VALUE');
    assert.is(
      e.message,
      `small_side must be an integer from 0 to 1024 (the most distinct values of a pair predicate's side asked as one call's candidates; 0: never), got '${bad}'`,
    );
    assert.is(e.line, 2);
  }
  assert.is(format(ok('-- @ small_side: 7\nSELECT 1')), '-- @ small_side: 7\nSELECT 1;');
});

test.run();
