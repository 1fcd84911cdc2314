import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasTopLevelLimit, matchParen, SqlTok, scanSql } from '../../grammar/index.js';
import { statementChunks } from '../../grammar/split.js';

const kinds = (sql: string) => {
  const names = Object.fromEntries(Object.entries(SqlTok).map(([k, v]) => [v, k]));
  return scanSql(sql).tokens.map((t) => `${names[t.type]}:${sql.slice(t.start, t.end)}`);
};

test('strings with doubled quotes, quoted identifiers with doubled quotes', () => {
  assert.equal(kinds(`'it''s' "a""b"`), ["String:'it''s'", 'QuotedIdent:"a""b"']);
});

test('E strings with backslash escapes', () => {
  assert.equal(kinds(`E'it\\'s' x`), ["String:E'it\\'s'", 'Word:x']);
});

test('dollar quotes, tagged and untagged, and parameters', () => {
  assert.equal(kinds('$$ a ) $$ $tag$ $$ ( $tag$ $1 ? $name'), [
    'String:$$ a ) $$',
    'String:$tag$ $$ ( $tag$',
    'Param:$1',
    'Param:?',
    'Param:$name',
  ]);
});

test('line comments and nested block comments', () => {
  assert.equal(kinds('a -- x ( \n/* 1 /* 2 */ ) */ b'), [
    'Word:a',
    'LineComment:-- x ( ',
    'BlockComment:/* 1 /* 2 */ ) */',
    'Word:b',
  ]);
});

test('operators: multi-char, casts, and a trailing minus split off (Postgres rule)', () => {
  assert.equal(kinds('a::int >= -1 ~ b !~ c'), [
    'Word:a',
    'Op:::',
    'Word:int',
    'Op:>=',
    'Op:-',
    'Number:1',
    'Op:~',
    'Word:b',
    'Op:!~',
    'Word:c',
  ]);
  assert.equal(kinds('1.5e3 .5 x.y'), ['Number:1.5e3', 'Number:.5', 'Word:x', 'Dot:.', 'Word:y']);
});

test('unterminated constructs are reported at their start and run to the end', () => {
  assert.equal(scanSql("select 'abc").error, { code: 'E_UNTERMINATED_STRING', offset: 7, what: 'string' });
  assert.equal(scanSql('a /* /* */').error, {
    code: 'E_UNTERMINATED_COMMENT',
    offset: 2,
    what: 'block comment',
  });
  assert.equal(scanSql('"abc').error, {
    code: 'E_UNTERMINATED_IDENTIFIER',
    offset: 0,
    what: 'quoted identifier',
  });
  assert.equal(scanSql('$x$ abc').error, {
    code: 'E_UNTERMINATED_STRING',
    offset: 0,
    what: 'dollar-quoted string',
  });
  const t = scanSql("x 'abc").tokens;
  assert.equal(t[t.length - 1], { type: SqlTok.String, start: 2, end: 6 });
});

test('matchParen balances while skipping strings, identifiers, comments, dollar quotes', () => {
  const sql = '(a \')\' ")" /* ) */ -- )\n $$)$$ (b)) tail';
  assert.is(matchParen(sql, 0), sql.indexOf(' tail'));
  assert.is(matchParen('(a (b)', 0), -1);
  assert.is(matchParen("(a ')", 0), -1);
});

test('top-level LIMIT only at depth 0', () => {
  const has = (sql: string) => hasTopLevelLimit(sql, scanSql(sql).tokens);
  assert.is(has('SELECT * FROM t LIMIT 5'), true);
  assert.is(has('select * from t limit 5 offset 2'), true);
  assert.is(has('SELECT * FROM (SELECT * FROM t LIMIT 5)'), false);
  assert.is(has("SELECT 'LIMIT 5' AS x -- LIMIT 3"), false);
  assert.is(has('WITH a AS (SELECT 1 LIMIT 1) SELECT * FROM a'), false);
  assert.is(has('SELECT "limit" FROM t'), false);
});

test('N, B, X and U& string constants and U& names are one token each', () => {
  assert.equal(kinds(`N'a;b' x'FF' B'01' U&'d\\0061t' U&"n""m" n`), [
    "String:N'a;b'",
    "String:x'FF'",
    "String:B'01'",
    "String:U&'d\\0061t'",
    'QuotedIdent:U&"n""m"',
    'Word:n',
  ]);
});

test('a line comment ends at a carriage return too, as in Postgres and DuckDB', () => {
  assert.equal(kinds('a -- x\rb'), ['Word:a', 'LineComment:-- x', 'Word:b']);
});

test('the statement cutter: one statement at a time; an open comment is the rest of the text', () => {
  const text = 'SELECT 1; -- c\n;; SELECT 2 /* x */; /* open; SELECT 3';
  const cut = statementChunks(text);
  const seen: string[] = [];
  for (let r = cut.next(); !r.done; r = cut.next()) {
    seen.push(`${text.slice(r.value.start, r.value.end)}${r.value.error ? ` (${r.value.error.code})` : ''}`);
  }
  assert.equal(seen, ['SELECT 1', 'SELECT 2', '/* open; SELECT 3 (E_UNTERMINATED_COMMENT)']);
});

test.run();
