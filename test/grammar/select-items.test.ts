/**
 * The SELECT-list scanner the rewrite uses to name a semantic column as the
 * user wrote it: the items of every list (nested ones too), and whether an
 * item may already carry an alias after its last construct.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mayBeAliased, selectItems } from '../../grammar/index.js';

const items = (sql: string) => selectItems(sql).map((i) => sql.slice(i.start, i.end));

test('items end at a comma, a clause word, a closing parenthesis, a semicolon or the end', () => {
  assert.equal(items(`SELECT a, f(b, c) AS d, e MEANS 'x' FROM t WHERE z`), [
    'a',
    'f(b, c) AS d',
    `e MEANS 'x'`,
  ]);
  assert.equal(items('SELECT a FROM (SELECT b, c FROM u) s; SELECT d'), ['a', 'b', 'c', 'd']);
  assert.equal(items('SELECT DISTINCT ON (a, b) a, b FROM t'), ['a', 'b']);
  assert.equal(items('SELECT ALL x, y UNION SELECT DISTINCT p, q ORDER BY 1'), ['x', 'y', 'p', 'q']);
  assert.equal(items('FROM t SELECT x GROUP BY ALL'), ['x']);
});

test('words that end a list do not end it inside IS DISTINCT FROM, WITHIN GROUP or parentheses', () => {
  assert.equal(items('SELECT a IS DISTINCT FROM b, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM t'), [
    'a IS DISTINCT FROM b',
    'percentile_cont(0.5) WITHIN GROUP (ORDER BY x)',
  ]);
  assert.equal(items(`SELECT extract(year FROM d), trim(both 'x' FROM y) FROM t`), [
    'extract(year FROM d)',
    `trim(both 'x' FROM y)`,
  ]);
  assert.equal(items('SELECT /* a, b */ x -- , y\n, z FROM t'), ['x', 'z']);
  assert.equal(items(`SELECT 'unclosed`), []);
});

/** Whether `item` may be aliased when its construct is the text `construct`. */
const aliased = (item: string, construct: string) => {
  const sql = `SELECT ${item} FROM t`;
  const [it] = selectItems(sql);
  return mayBeAliased(sql, it!, sql.indexOf(construct) + construct.length);
};

test('an alias after the construct is seen (AS, a bare name, DuckDB name: expr); an operand is not one', () => {
  const c = `LLM_SCORE(r, 'x', 1, 5)`;
  assert.ok(aliased(`${c} AS s`, c));
  assert.ok(aliased(`${c} s`, c));
  assert.ok(aliased(`${c} "the score"`, c));
  assert.ok(aliased(`s: ${c}`, c));
  assert.ok(aliased(`"s": ${c} + 1`, c));
  assert.not.ok(aliased(c, c));
  assert.not.ok(aliased(`avg(${c})`, c));
  assert.not.ok(aliased(`${c} + weight`, c));
  assert.not.ok(aliased(`${c} * t.weight`, c));
  assert.not.ok(aliased(`${c} > 3 AND flag`, c));
  assert.not.ok(aliased(`${c} IS NULL`, c));
  assert.not.ok(aliased(`${c} IS NOT TRUE`, c));
  assert.not.ok(aliased(`CASE WHEN ${c} > 3 THEN a ELSE b END`, c));
  assert.not.ok(aliased(`(${c})`, c));
  // The construct's own words are never an alias: `x MEANS topic` ends inside the construct.
  assert.not.ok(aliased('x MEANS topic', 'x MEANS topic'));
});
test.run();
