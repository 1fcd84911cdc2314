/**
 * `rvbbit cascades test`: the test_cases of the operator files in
 * test/fixtures/larsql-tests (written for this test, in larsql's format), run
 * on the simulator, whose answers are deterministic: each expectation kind
 * passing and failing, a statement that fails, a file that does not load, a
 * case without sql, --filter and the exit status.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SqlFunction } from '../../src/cascade/cascade-types.js';
import { selectTests } from '../../src/cli/cascade-tests.js';
import { rvbbit } from './helpers.js';

const DIR = 'test/fixtures/larsql-tests';
const BRAND = `${DIR}/brand_single.cascade.yaml  brand_of`;
const MUMBLE = `${DIR}/mumble_single.cascade.yaml  mumble`;
const OVERLAP = `${DIR}/overlap_single.cascade.yaml  overlap`;
const SHOUT = `${DIR}/shout_single.cascade.yaml  shout`;
const SHOUT_LINES = [
  `PASS  ${SHOUT} (a literal, case and spaces aside): SELECT shout('hello')`,
  `PASS  ${SHOUT}: SELECT shout('hello')`,
  `PASS  ${SHOUT}: SELECT shout(greeting) FROM (VALUES ('hello')) t(greeting)`,
  `PASS  ${SHOUT}: SELECT shout('hello')`,
  `SKIP  ${SHOUT} (written before its SQL): (no sql)`,
  '      skipped: the case has no sql',
];
const lines = (out: string) => out.split('\n');

test('every case runs: one line each, the reason under a failure, a summary; exit 1', async () => {
  const r = await rvbbit(['cascades', 'test', DIR]);
  assert.is(r.code, 1, r.err);
  assert.equal(lines(r.out), [
    `PASS  ${BRAND}: SELECT brand_of('Acme rocket skates')`,
    `PASS  ${BRAND}: SELECT brand_of('Acme rocket skates')`,
    `FAIL  ${BRAND}: SELECT brand_of('Acme rocket skates')`,
    '      key "brand": expected "Zenith", got "Acme"',
    `FAIL  ${BRAND}: SELECT brand_of('Acme rocket skates')`,
    // "kind" is the simulator's seeded shuffle of the text ("acme rocket skates" before issue 67's messages).
    '      expected JSON with {$.maker}, got {"brand":"Acme","kind":"rocket skates acme"} (nothing at $.maker)',
    `FAIL  ${DIR}/broken_single.cascade.yaml: does not load`,
    '      3:1: missing required key "cascade_id"',
    `FAIL  ${MUMBLE}: SELECT mumble('hello')`,
    '      expected "hello", got "Simulated answer: Mumble this: hello"',
    `FAIL  ${MUMBLE}: SELECT mumble('hello')`,
    '      expected text containing "HELLO!", got "Simulated answer: Mumble this: hello"',
    `FAIL  ${MUMBLE}: SELECT mumble('hello')`,
    '      expected a match for /^HELLO/, got "Simulated answer: Mumble this: hello"',
    `FAIL  ${MUMBLE}: SELECT mumble('hello')`,
    '      expected one of [HELLO, hi], got "Simulated answer: Mumble this: hello"',
    `FAIL  ${MUMBLE}: SELECT mumble('hello')`,
    "      unknown expectation type 'starts_with' (known: contains, regex, range, one_of, json_contains)",
    `FAIL  ${MUMBLE} (no row): SELECT mumble('hello') WHERE false`,
    '      expected text containing "hello", got NULL',
    `FAIL  ${MUMBLE} (two arguments for one): SELECT mumble(42, 43)`,
    '      error: MUMBLE takes 1 argument, got 2',
    `PASS  ${OVERLAP}: SELECT overlap('green shoes', 'green shoes')`,
    `FAIL  ${OVERLAP}: SELECT overlap('green shoes', 'green shoes')`,
    '      expected 0.5 (±0.01), got 1.0',
    `PASS  ${OVERLAP}: SELECT overlap('green shoes', 'tax law')`,
    `FAIL  ${OVERLAP} (no overlap is no match): SELECT overlap('green shoes', 'tax law')`,
    '      expected a number in [0.5, inf], got 0.0',
    `PASS  ${OVERLAP}: SELECT overlap('green shoes', 'green shoes')`,
    `PASS  ${OVERLAP}: SELECT overlap('green shoes', 'green shoes') > 0.5`,
    `FAIL  ${OVERLAP}: SELECT overlap('green shoes', 'green shoes') > 0.5`,
    '      expected false, got "true"',
    ...SHOUT_LINES,
    '10 passed, 13 failed, 1 skipped',
    '',
  ]);
});

test('--filter keeps the cases of a function by part of its name, any case; all passing exits 0', async () => {
  const r = await rvbbit(['cascades', 'test', DIR, '--filter', 'SHOU', '--sim']);
  assert.is(r.code, 0, r.err);
  assert.equal(lines(r.out), [...SHOUT_LINES, '4 passed, 0 failed, 1 skipped', '']);
});

test('--filter matches the file name too; a file that does not load is a failure', async () => {
  const file = await rvbbit(['cascades', 'test', DIR, '--filter', 'overlap_single']);
  assert.is(file.code, 1);
  assert.is(lines(file.out).at(-2), '4 passed, 3 failed, 0 skipped');
  const broken = await rvbbit(['cascades', 'test', DIR, '--filter', 'broken']);
  assert.is(broken.code, 1);
  assert.equal(lines(broken.out), [
    `FAIL  ${DIR}/broken_single.cascade.yaml: does not load`,
    '      3:1: missing required key "cascade_id"',
    '0 passed, 1 failed, 0 skipped',
    '',
  ]);
  const none = await rvbbit(['cascades', 'test', DIR, '--filter', 'no such operator']);
  assert.is(none.code, 0);
  assert.is(none.out, '0 passed, 0 failed, 0 skipped\n');
});

test('one file: its cases only, its folder giving the operators', async () => {
  const r = await rvbbit(['cascades', 'test', `${DIR}/shout_single.cascade.yaml`]);
  assert.is(r.code, 0, r.err);
  assert.equal(lines(r.out), [...SHOUT_LINES, '4 passed, 0 failed, 1 skipped', '']);
});

test('a folder that does not exist is an error', async () => {
  const r = await rvbbit(['cascades', 'test', 'no/such/folder']);
  assert.is(r.code, 1);
  assert.is(r.err, 'rvbbit cascades: no such file or folder: no/such/folder\n');
});

test("selectTests: larsql's skip: true and a blank sql are skipped with the reason; --filter by function or file", () => {
  const fn = (name: string, testCases: SqlFunction['testCases']) => ({ name, testCases }) as SqlFunction;
  const files = [
    {
      file: 'ops/a.yaml',
      problems: [],
      sqlFunction: fn('alpha', [
        { sql: 'SELECT 1', expect: 1 },
        { sql: 'SELECT 2', expect: 2, skip: true },
        { sql: '   ', expect: 3 },
      ]),
    },
    { file: 'ops/b.yaml', problems: ['1:1: broken'] },
    { file: 'ops/plain.yaml', problems: [] },
  ];
  assert.equal(
    selectTests(files).map((t) =>
      'testCase' in t ? [t.functionName, t.skipped ?? 'runs'] : [t.file, 'broken'],
    ),
    [
      ['alpha', 'runs'],
      ['alpha', 'the case says skip: true'],
      ['alpha', 'the case has no sql'],
      ['ops/b.yaml', 'broken'],
    ],
  );
  assert.is(selectTests(files, 'ALPH').length, 3);
  assert.is(selectTests(files, 'a.yaml').length, 3);
  assert.equal(selectTests(files, 'b.y'), [{ file: 'ops/b.yaml', problems: ['1:1: broken'] }]);
  assert.equal(selectTests(files, 'ops'), [], 'the file name, not its folder');
});

test.run();
