/**
 * Cache keys are stored (rvbbit.cache, the answer log): a faster canonicalJson
 * must give the text the earlier one gave, or every stored answer would miss.
 * The expected texts and key were made by the map/join implementation it replaced.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson, rowCacheKey } from '../../src/cache/cache-key.js';

test('canonicalJson: keys sorted at every level, holes empty, undefined as null, a bigint as its string', () => {
  // [1, <hole>, 3, undefined]
  const holed: unknown[] = [1];
  holed[2] = 3;
  holed[3] = undefined;
  const value = {
    e: 'é"\n',
    b: 1,
    a: holed,
    c: { z: null, y: undefined, x: [] },
    d: 10n,
    f: {},
  };
  assert.is(
    canonicalJson(value),
    '{"a":[1,,3,null],"b":1,"c":{"x":[],"y":null,"z":null},"d":"10","e":"é\\"\\n","f":{}}',
  );
  assert.is(canonicalJson({ b: 2, a: 1 }), canonicalJson({ a: 1, b: 2 }));
  assert.is(canonicalJson('x'), '"x"');
  assert.is(canonicalJson(undefined), 'null');
});

test('rowCacheKey: the key a row was stored under before stays its key', () => {
  assert.is(
    rowCacheKey('h1', 'sim-small', { text: 'Acme product number 7', hint: '' }),
    '46a28c37c84a2436987ff89bb74ea4922baa39c3432dde616b8236bd6df5bdbd',
  );
});

test("canonicalJson: a long string is JSON.stringify's text, whatever it holds (quoted without a copy only when nothing needs escaping)", () => {
  const body = 'lorem ipsum dolor sit amet '.repeat(4);
  const cases = [
    body,
    `${body}"quoted"`,
    `${body}back\\slash`,
    `${body}tab\there`,
    `${body}nul\u0000`,
    `${body}\u001f`,
    `${body}\u007f and \u2028 and é`,
    `${body}😀 paired`,
    `${body}\ud800 lone high`,
    `${body}\udc00 lone low`,
  ];
  for (const s of cases) {
    assert.ok(s.length >= 64, 'long enough to take the concatenation path');
    assert.is(canonicalJson(s), JSON.stringify(s), JSON.stringify(s));
    assert.is(canonicalJson({ text: s, id: 1 }), `{"id":1,"text":${JSON.stringify(s)}}`);
  }
  assert.is(
    rowCacheKey('h1', 'sim-small', { text: body, id: 7 }),
    rowCacheKey('h1', 'sim-small', { id: 7, text: body }),
  );
});

test('canonicalJson: keys already in order and keys out of order give one text', () => {
  assert.is(canonicalJson({ a: 1, b: 2, c: 3 }), '{"a":1,"b":2,"c":3}');
  assert.is(canonicalJson({ c: 3, a: 1, b: 2 }), '{"a":1,"b":2,"c":3}');
  assert.is(canonicalJson({ a: 1, c: 3, b: 2 }), '{"a":1,"b":2,"c":3}');
  assert.is(canonicalJson({ B: 1, a: 2, _: 3 }), '{"B":1,"_":3,"a":2}');
});

test.run();
