/**
 * An answer `{"x": v}` stands for `v` (dialect spec, MAP output), read by one
 * function (cascade/answer-parse.ts oneKeyValue) for MAP's clean value and a
 * `sql_function`'s SQL value alike.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { oneKeyValue } from '../../src/cascade/answer-parse.js';
import { cleanValue } from '../../src/statements/map/map-output.js';
import { outputValue } from '../../src/statements/semantic/state/sql-types.js';

test('a one-key object is its value; anything else is itself', () => {
  assert.is(oneKeyValue({ brand: 'Acme' }), 'Acme');
  assert.equal(oneKeyValue({ tags: ['a', 'b'] }), ['a', 'b']);
  assert.is(oneKeyValue({ x: null }), null);
  assert.equal(oneKeyValue({ a: 1, b: 2 }), { a: 1, b: 2 });
  assert.equal(oneKeyValue({}), {});
  assert.equal(oneKeyValue([{ x: 1 }]), [{ x: 1 }]);
  assert.is(oneKeyValue('text'), 'text');
  assert.is(oneKeyValue(null), null);
  assert.is(oneKeyValue(undefined), undefined);
});

test("MAP's clean value and a sql_function's value read the same one-key answers", () => {
  assert.is(cleanValue({ brand: 'Acme' }), 'Acme');
  assert.is(cleanValue({ n: 3 }), '3');
  assert.is(cleanValue({ x: null }), null);
  assert.is(cleanValue({ a: 1, b: 2 }), '{"a":1,"b":2}');
  assert.is(cleanValue([1, 2]), '[1,2]');
  assert.is(cleanValue('plain'), 'plain');
  assert.is(outputValue({ brand: 'Acme' }, 'VARCHAR'), 'Acme');
  assert.is(outputValue({ n: '3' }, 'INTEGER'), 3);
  assert.is(outputValue({ ok: 'yes' }, 'BOOLEAN'), true);
  assert.is(outputValue({ x: null }, 'VARCHAR'), null);
  assert.is(outputValue({ a: 1, b: 2 }, 'JSON'), '{"a":1,"b":2}');
  assert.is(outputValue({ tags: ['a'] }, 'JSON'), '["a"]');
});

test.run();
