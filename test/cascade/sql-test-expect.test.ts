/**
 * The expectations of larsql's `test_cases` (src/cascade/sql-test-expect.ts):
 * each kind passing and failing with its reason, larsql's loose literal
 * comparisons, and malformed expectations failing with a reason, never a throw.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkExpect } from '../../src/cascade/sql-test-expect.js';

const passes = (actual: string | null, expect: unknown) =>
  assert.equal(checkExpect(actual, expect), { pass: true }, `${actual} vs ${JSON.stringify(expect)}`);
const failsWith = (actual: string | null, expect: unknown, reason: string) =>
  assert.equal(checkExpect(actual, expect), { pass: false, reason });

test('a boolean: true passes true, 1 or yes in any case; false passes anything else (as larsql)', () => {
  for (const text of ['true', 'TRUE', ' 1 ', 'yes']) passes(text, true);
  failsWith('false', true, 'expected true, got "false"');
  for (const text of ['false', '0', 'no', 'maybe']) passes(text, false);
  failsWith('Yes', false, 'expected false, got "Yes"');
});

test('a number: a number within 0.01, from a numeric text', () => {
  passes('0.95', 0.95);
  passes('1.0', 1);
  passes(' 0.955 ', 0.95);
  passes('1e3', 1000);
  failsWith('0.97', 0.95, 'expected 0.95 (±0.01), got 0.97');
  failsWith('high', 0.95, 'expected 0.95 (±0.01), got "high" (not a number)');
  failsWith('', 0, 'expected 0 (±0.01), got "" (not a number)');
});

test('any other literal: the same text, trimmed, ignoring case', () => {
  passes('  Positive ', 'positive');
  passes('N/A', ' n/a ');
  failsWith('negative', 'positive', 'expected "positive", got "negative"');
});

test('NULL (or no row) passes only a null expect; a null expect fails any value', () => {
  passes(null, null);
  passes(null, undefined);
  failsWith(null, 'x', 'expected "x", got NULL');
  failsWith(null, { type: 'range', min: 0, max: 1 }, 'expected a number in [0, 1], got NULL');
  failsWith('x', null, 'expected NULL, got "x"');
});

test('contains: the text holds value, ignoring case', () => {
  passes('The Quick Fox', { type: 'contains', value: 'quick' });
  failsWith('slow', { type: 'contains', value: 'quick' }, 'expected text containing "quick", got "slow"');
});

test('regex: found anywhere, case kept', () => {
  passes('order 12345 shipped', { type: 'regex', pattern: '\\d{5}' });
  passes(' padded ', { type: 'regex', pattern: '^padded$' });
  failsWith('Abc', { type: 'regex', pattern: '^abc' }, 'expected a match for /^abc/, got "Abc"');
});

test('regex: linear time (RE2): a pattern that backtracks exponentially in JavaScript answers at once', () => {
  const text = `${'a'.repeat(5000)}!`;
  const began = performance.now();
  const shown = `"${'a'.repeat(79)}…"`;
  failsWith(text, { type: 'regex', pattern: '^(a+)+$' }, `expected a match for /^(a+)+$/, got ${shown}`);
  passes('a'.repeat(5000), { type: 'regex', pattern: '^(a+)+$' });
  // JavaScript's engine would need about 2^5000 steps for the first; RE2 is linear.
  assert.ok(performance.now() - began < 5_000);
  // Lookaround and backreferences are not RE2: the case says so instead of running.
  const look = checkExpect('abc', { type: 'regex', pattern: 'a(?=b)' });
  assert.is(look.pass, false);
  assert.match(!look.pass ? look.reason : '', /^regex "pattern" does not compile \(RE2 syntax\): /);
});

test('range: a number within [min, max], either bound optional', () => {
  passes('0.5', { type: 'range', min: 0, max: 1 });
  passes('1', { type: 'range', min: 0, max: 1 });
  passes('7', { type: 'range', min: 5 });
  passes('-7', { type: 'range', max: 0 });
  failsWith('1.5', { type: 'range', min: 0, max: 1 }, 'expected a number in [0, 1], got 1.5');
  failsWith('3', { type: 'range', min: 5 }, 'expected a number in [5, inf], got 3');
  failsWith('lots', { type: 'range', min: 0 }, 'expected a number in [0, inf], got "lots" (not a number)');
});

test('one_of: the text is one of values, ignoring case; a number matches that number written otherwise', () => {
  passes('BILLING', { type: 'one_of', values: ['sales', 'billing'] });
  passes('25', { type: 'one_of', values: ['25', 25] });
  passes('25.0', { type: 'one_of', values: [25] });
  failsWith('c', { type: 'one_of', values: ['a', 'b'] }, 'expected one of [a, b], got "c"');
  failsWith('25.5', { type: 'one_of', values: [25] }, 'expected one of [25], got "25.5"');
});

test('json_contains with fields: each key with its value; a null value asks only for the key', () => {
  const doc = '{"city": "Boston", "zip": "02101", "parts": ["a", "b"], "n": 2}';
  passes(doc, { type: 'json_contains', fields: { city: 'Boston', zip: null } });
  passes(doc, { type: 'json_contains', fields: { parts: ['a', 'b'], n: 2.0 } });
  passes(doc, { type: 'json_contains', fields: {} });
  failsWith(
    doc,
    { type: 'json_contains', fields: { city: 'NYC' } },
    'key "city": expected "NYC", got "Boston"',
  );
  failsWith(
    '{"a": 1}',
    { type: 'json_contains', fields: { b: null } },
    'expected JSON with {b}, got {"a": 1} (no key "b")',
  );
  failsWith(
    '[1, 2]',
    { type: 'json_contains', fields: { a: 1 } },
    'expected JSON with {a: 1}, got [1, 2] (not a JSON object)',
  );
  failsWith(
    'Boston, MA',
    { type: 'json_contains', fields: { city: 'Boston' } },
    'expected JSON with {city: "Boston"}, got "Boston, MA" (not JSON)',
  );
});

test("json_contains with path and value (larsql's files' form)", () => {
  const doc = '{"name": {"first": "John"}, "parts": ["apple", "banana"], "odd key": true}';
  passes(doc, { type: 'json_contains', path: '$.name.first', value: 'John' });
  passes(doc, { type: 'json_contains', path: '$.parts', value: ['apple', 'banana'] });
  passes(doc, { type: 'json_contains', path: '$.parts[1]', value: 'banana' });
  passes(doc, { type: 'json_contains', path: "$['odd key']" });
  passes(doc, { type: 'json_contains', path: '$', value: JSON.parse(doc) });
  failsWith(
    doc,
    { type: 'json_contains', path: '$.name.first', value: 'Jane' },
    '$.name.first: expected "Jane", got "John"',
  );
  failsWith(
    doc,
    { type: 'json_contains', path: '$.name.last' },
    `expected JSON with {$.name.last}, got ${doc} (nothing at $.name.last)`,
  );
});

test('a long value is cut in the reason', () => {
  const long = 'word '.repeat(40).trim();
  const r = checkExpect(long, 'short');
  assert.is(r.pass, false);
  assert.is(!r.pass && r.reason, `expected "short", got "${long.slice(0, 79)}…"`);
});

test('malformed expectations fail with a reason, whatever the value, and never throw', () => {
  const cases: [unknown, string][] = [
    [
      { type: 'starts_with', value: 'x' },
      "unknown expectation type 'starts_with' (known: contains, regex, range, one_of, json_contains)",
    ],
    [{ type: 42 }, "unknown expectation type '42' (known: contains, regex, range, one_of, json_contains)"],
    [{ value: 'x' }, 'an expect mapping needs a type: one of contains, regex, range, one_of, json_contains'],
    [['a', 'b'], 'expect is a value or a mapping with a type, not a list'],
    [{ type: 'contains' }, 'contains needs "value": the text to find (a string)'],
    [{ type: 'contains', value: 42 }, 'contains needs "value": the text to find (a string)'],
    [{ type: 'regex' }, 'regex needs "pattern": a regular expression (a string)'],
    [{ type: 'regex', pattern: ['a'] }, 'regex needs "pattern": a regular expression (a string)'],
    [{ type: 'range' }, 'range needs "min", "max" or both (numbers)'],
    [{ type: 'range', min: 'low', max: 1 }, 'range "min" must be a number, not "low"'],
    [{ type: 'range', min: 0, max: '1' }, 'range "max" must be a number, not "1"'],
    [{ type: 'one_of' }, 'one_of needs "values": a list of the accepted values'],
    [{ type: 'one_of', values: 'abc' }, 'one_of needs "values": a list of the accepted values'],
    [{ type: 'one_of', values: [] }, 'one_of needs "values": a list of the accepted values'],
    [
      { type: 'json_contains' },
      'json_contains needs "fields" (a mapping of key to value) or "path" (such as $.key) with "value"',
    ],
    [{ type: 'json_contains', fields: ['a'] }, 'json_contains "fields" must be a mapping of key to value'],
    [{ type: 'json_contains', fields: null }, 'json_contains "fields" must be a mapping of key to value'],
    [
      { type: 'json_contains', path: 'city' },
      'json_contains "path" must look like $.key, $.key.sub or $.list[0], not "city"',
    ],
    [
      { type: 'json_contains', path: '$.a..b' },
      'json_contains "path" must look like $.key, $.key.sub or $.list[0], not "$.a..b"',
    ],
  ];
  for (const [expect, reason] of cases) {
    failsWith('{"a": 1}', expect, reason);
    failsWith(null, expect, reason);
  }
  const bad = checkExpect('x', { type: 'regex', pattern: '(' });
  assert.is(bad.pass, false);
  assert.match(!bad.pass ? bad.reason : '', /^regex "pattern" does not compile \(RE2 syntax\): /);
});

test.run();
