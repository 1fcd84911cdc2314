/**
 * The glyph names a font program defines, as pdf-glyph-names.ts reads them to
 * tell a glyph named by a number (mf2pt1's `a66`, xy-pic's fonts) from a Zapf
 * Dingbats glyph: a CFF font's String INDEX (graphs.pdf's XYDASH is CFF) and
 * a Type 1 font's clear-text encoding; a malformed program gives none, never
 * an error. (document-text.test.ts reads such a font through PDFium.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cffStrings, numberedNames } from '../../src/documents/pdf-glyph-names.js';

/** A CFF INDEX (TN 5176 §5) of `items`, with 1-byte offsets. */
function cffIndex(items: string[]): number[] {
  if (items.length === 0) return [0, 0];
  const offsets = [1];
  for (const item of items) offsets.push(offsets.at(-1)! + item.length);
  return [
    items.length >> 8,
    items.length & 0xff,
    1,
    ...offsets,
    ...items.flatMap((s) => [...Buffer.from(s, 'latin1')]),
  ];
}

/** A CFF font's first structures: the header, then the Name, Top DICT and String INDEXes. */
function cffHead(strings: string[]): Uint8Array {
  return Uint8Array.from([1, 0, 4, 1, ...cffIndex(['XYDASH']), ...cffIndex(['\x8b']), ...cffIndex(strings)]);
}

test('a CFF program: its String INDEX, and of it the names of the form a<number>', () => {
  const cff = cffHead(['a1', 'a124', 'd15', 'a12b', '001.383', 'Font converted to Type 1 by mf2pt1']);
  assert.equal(cffStrings(cff), [
    'a1',
    'a124',
    'd15',
    'a12b',
    '001.383',
    'Font converted to Type 1 by mf2pt1',
  ]);
  assert.equal([...numberedNames(cff)].sort(), ['a1', 'a124']);
});

test('a malformed CFF program (cut short, offsets past its end, a bad offset size) gives no names, no error', () => {
  const whole = cffHead(['a1', 'a124']);
  for (let cut = 0; cut < whole.length; cut++)
    assert.equal(cffStrings(whole.subarray(0, cut)), [], `cut at ${cut}`);
  const pastEnd = Uint8Array.from(whole);
  pastEnd[pastEnd.length - 7] = 200; // the String INDEX's last offset
  assert.equal(cffStrings(pastEnd), []);
  const badOffSize = Uint8Array.from(whole);
  badOffSize[6] = 9; // the Name INDEX's offSize
  assert.equal(cffStrings(badOffSize), []);
});

test('a Type 1 program: the a<number> names of its clear-text encoding, not of its encrypted part', () => {
  const program = Buffer.from(
    '%!PS-AdobeFont-1.0: XYDASH 001\n/Encoding 256 array\ndup 66 /a66 put\ndup 124 /a124 put\ndup 97 /a put\nreadonly def\ncurrentfile eexec\n/a99 ',
    'latin1',
  );
  assert.equal([...numberedNames(program)].sort(), ['a124', 'a66']);
  assert.equal([...numberedNames(Buffer.from('not a font /a66'))], []);
});

test.run();
