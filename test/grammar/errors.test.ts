import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RvbbitError } from '../../base/errors.js';
import { GrammarErrorCode, parse, toRvbbitError } from '../../grammar/index.js';
import { err } from './helpers.js';

test('missing USING: code, message, position and rendered caret (exact)', () => {
  const e = err("RVBBIT MAP 'traits/x.yaml' AS brand\nWITH (limit = 1)");
  assert.equal(
    { code: e.code, message: e.message, line: e.line, column: e.column, offset: e.offset },
    {
      code: 'E_MISSING_USING',
      message: "expected USING ( query ) but found 'WITH'",
      line: 2,
      column: 1,
      offset: 36,
    },
  );
  assert.is(
    e.rendered,
    [
      "error[E_MISSING_USING]: expected USING ( query ) but found 'WITH'",
      ' --> 2:1',
      '  |',
      '2 | WITH (limit = 1)',
      '  | ^',
    ].join('\n'),
  );
});

test('unbalanced parentheses in USING point at the unclosed paren', () => {
  const e = err("RVBBIT MAP 'x' USING (SELECT count(* FROM t");
  assert.equal(
    [e.code, e.offset, e.message],
    ['E_UNBALANCED_PAREN', 21, "unbalanced parentheses in USING: this '(' is never closed"],
  );
  const extra = err("RVBBIT MAP 'x' USING (SELECT 1))");
  assert.equal([extra.code, extra.offset], ['E_UNBALANCED_PAREN', 31]);
});

test('PARALLEL 0, PARALLEL twice, PARALLEL without a number', () => {
  const zero = err("RVBBIT MAP PARALLEL 0 'x' USING (select 1)");
  assert.equal(
    [zero.code, zero.message, zero.column],
    ['E_BAD_PARALLEL', 'PARALLEL must be an integer from 1 to 1000, got 0', 21],
  );
  const twice = err("RVBBIT MAP PARALLEL 2 PARALLEL 3 'x' USING (select 1)");
  assert.equal(
    [twice.code, twice.message, twice.column],
    ['E_DUPLICATE_MODIFIER', 'PARALLEL may appear only once (first at 1:12)', 23],
  );
  assert.is(err("RVBBIT MAP PARALLEL 'x' USING (select 1)").code, 'E_BAD_PARALLEL');
});

test('unterminated string, identifier and comment', () => {
  const s = err("RVBBIT MAP 'traits/x.yaml USING (select 1)");
  assert.equal(
    [s.code, s.offset, s.message],
    ['E_UNTERMINATED_STRING', 11, 'unterminated string: it starts here and is never closed'],
  );
  assert.is(err('SELECT "abc FROM t').code, 'E_UNTERMINATED_IDENTIFIER');
  const c = err('SELECT 1 /* never /* closed */');
  assert.equal([c.code, c.offset], ['E_UNTERMINATED_COMMENT', 9]);
});

test('a misspelt MAP or RUN keyword is suggested: PARALEL, DISTNCT, ASYNCH, USNG', () => {
  const cases: [string, string][] = [
    ["RVBBIT MAP PARALEL 2 'x' USING (SELECT 1)", "but found 'PARALEL' — did you mean PARALLEL?"],
    ["RVBBIT MAP PARALLEL 2 DISTNCT 'x' USING (SELECT 1)", "but found 'DISTNCT' — did you mean DISTINCT?"],
    ["RVBBIT RUN ASYNCH 'x' USING (SELECT 1)", "but found 'ASYNCH' — did you mean ASYNC?"],
    ["RVBBIT MAP 'x' USNG (SELECT 1)", "expected USING ( query ) but found 'USNG' — did you mean USING?"],
  ];
  for (const [sql, tail] of cases) assert.ok(err(sql).message.endsWith(tail), err(sql).message);
  // A word near nothing expected gets no suggestion.
  assert.is(err("RVBBIT MAP colour 'x' USING (SELECT 1)").message.includes('did you mean'), false);
});

test('an unterminated string only spoils its own statement', () => {
  const r = parse("SELECT 1; SELECT 'oops");
  assert.equal([r.statements.length, r.errors.map((e) => e.code)], [1, ['E_UNTERMINATED_STRING']]);
});

test('unknown type in AS (...) lists the valid types and suggests the nearest', () => {
  const e = err("RVBBIT MAP 'x' AS (brand VARCHR) USING (select 1)");
  assert.is(e.code, 'E_UNKNOWN_TYPE');
  assert.is(
    e.message,
    'unknown type VARCHR; valid types: VARCHAR, TEXT, STRING, INTEGER, INT, BIGINT, DOUBLE, FLOAT, REAL, DECIMAL, BOOLEAN, BOOL, JSON, DATE, TIMESTAMP, TIME — did you mean VARCHAR?',
  );
  assert.is(e.column, 26);
  assert.is(err("RVBBIT MAP 'x' AS (brand) USING (select 1)").code, 'E_UNKNOWN_TYPE');
});

test('empty input and only comments', () => {
  const e = err('');
  assert.equal([e.code, e.line, e.column, e.offset], ['E_EMPTY', 1, 1, 0]);
  assert.is(err('  \n\t ').code, 'E_EMPTY');
  assert.is(err('-- nothing here\n/* nor here */').code, 'E_EMPTY');
  assert.is(err(';;').code, 'E_EMPTY');
});

test('RVBBIT alone, RVBBIT MAP without a cascade', () => {
  const a = err('RVBBIT');
  assert.equal(
    [a.code, a.message, a.column],
    ['E_UNEXPECTED_END', 'expected MAP or RUN but found end of input', 7],
  );
  const b = err('RVBBIT MAP');
  assert.equal(
    [b.code, b.message],
    [
      'E_MISSING_CASCADE',
      "expected a cascade reference (a string such as 'traits/extract_brand.yaml') but found end of input",
    ],
  );
  assert.is(err('RVBBIT MAP USING (select 1)').code, 'E_MISSING_CASCADE');
  assert.is(err('RVBBIT MAP traits USING (select 1)').code, 'E_MISSING_CASCADE');
});

test('USING not followed by a parenthesised query; trailing junk; bad characters', () => {
  assert.equal(
    err("RVBBIT MAP 'x' USING select 1").message,
    "expected '(' and a query after USING but found 'select'",
  );
  const junk = err("RVBBIT MAP 'x' USING (select 1) LIMIT 5");
  assert.equal(
    [junk.code, junk.message],
    ['E_UNEXPECTED_TOKEN', "expected end of statement but found 'LIMIT'"],
  );
  assert.is(err("RVBBIT MAP 'x' # USING (select 1)").code, 'E_UNEXPECTED_CHAR');
});

test('errors in several statements are all reported, in order', () => {
  const r = parse("RVBBIT MAP 'x';\nSELECT 1;\nRVBBIT RUN 'y' USING (select 1) WITH (limit = -1)");
  assert.equal(
    r.errors.map((e) => [e.code, e.line]),
    [
      ['E_MISSING_USING', 1],
      ['E_BAD_WITH_VALUE', 3],
    ],
  );
  assert.is(r.statements.length, 1);
});

test('long lines are cut around the caret in the rendering', () => {
  const sql = `RVBBIT MAP 'x' USING (SELECT ${'a, '.repeat(1000)}1) WITH (nope = 1)`;
  const e = err(sql);
  const [, , , src, caret] = e.rendered.split('\n');
  assert.ok(src!.length < 120, 'source line is cut');
  assert.is(src!.slice(caret!.indexOf('^'), caret!.indexOf('^') + 4), 'nope');
});

test('codes are an as-const object; toRvbbitError gives the engine shape', () => {
  assert.is(GrammarErrorCode.MISSING_USING, 'E_MISSING_USING');
  const e = toRvbbitError(err('RVBBIT'));
  assert.ok(e instanceof RvbbitError);
  assert.equal(e.toJSON(), {
    code: 'E_UNEXPECTED_END',
    message: 'expected MAP or RUN but found end of input',
    detail: { line: 1, column: 7, offset: 6, rendered: e.detail.rendered },
  });
});

test('non-string input does not throw', () => {
  assert.is(parse(undefined as unknown as string).errors[0]!.code, 'E_EMPTY');
  assert.is(parse(42 as unknown as string).statements.length, 1);
});

test.run();
