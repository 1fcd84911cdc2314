/**
 * The packed prompt (src/cascade/packed-prompt.ts) states the text every
 * tuple's prompt shares once, in a `<shared>` block with `<row/>` where the
 * rows differ, and lists only each tuple's own text in `<row>` blocks; the
 * simulator (src/sim/packed.ts) rebuilds each row's prompt exactly.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packedPrompt, packedSchema, sharedSplit } from '../../src/cascade/packed-prompt.js';
import { unpackedRequests } from '../../src/sim/packed.js';

const ITEM = { type: 'object', required: ['result'], properties: { result: { type: 'boolean' } } };

const means = (text: string) =>
  'Decide whether the text satisfies the criterion. Judge the meaning, not the exact words.\n' +
  'Answer as JSON: {"result": true} if it does, {"result": false} if it does not.\n' +
  `<criterion>eco friendly</criterion>\n<text>${text}</text>\n`;

/** The rows' prompts as the simulator reads them back from the packed request. */
function readBack(prompts: readonly string[]): string[] | undefined {
  const { schema } = packedSchema(ITEM, prompts.length);
  const system = `Answer only with JSON that matches this JSON Schema:\n${JSON.stringify(schema)}`;
  const rows = unpackedRequests({
    model: 'sim-small',
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: packedPrompt(prompts) },
    ],
    schema,
  });
  return rows?.map((r) => {
    assert.equal(r.schema, ITEM);
    assert.is(
      r.messages[0]!.content,
      `Answer only with JSON that matches this JSON Schema:\n${JSON.stringify(ITEM)}`,
    );
    return r.messages.at(-1)!.content;
  });
}

test('the shared instructions are stated once; each row holds only its own text', () => {
  const prompts = ['bamboo toothbrush', 'steel knife', 'glass bottle'].map(means);
  const p = packedPrompt(prompts);
  assert.is(p.split('Decide whether the text satisfies').length, 2, 'instructions once');
  assert.ok(
    p.startsWith('3 tasks, one per <row>: each is the <shared> text with its row in place of <row/>.'),
  );
  assert.match(p, '<shared>\nDecide whether');
  assert.match(
    p,
    '<criterion>eco friendly</criterion>\n<row/>\n\n</shared>\n<row>\n<text>bamboo toothbrush</text>\n</row>',
  );
  assert.match(p, '<row>\n<text>glass bottle</text>\n</row>');
  const eight = Array.from({ length: 8 }, (_, i) => means(`item ${i}`));
  assert.ok(
    packedPrompt(eight).length < eight.join('').length,
    '8 rows: shorter than the prompts themselves',
  );
  assert.equal(readBack(prompts), prompts);
});

test('the split is at line breaks: a shared start of a line stays in the row', () => {
  const prompts = ['Q\nabc one\nEND', 'Q\nabc two\nEND', 'Q\nabd\nEND'];
  assert.equal(sharedSplit(prompts), { prefix: 'Q\n', suffix: '\nEND' });
  assert.equal(readBack(prompts), prompts);
});

test('rows that differ only in shared lines, empty middles and identical prompts read back exactly', () => {
  const cases = [
    ['head\nx\ntail\nmore', 'head\ntail\nmore'],
    ['same\nprompt\n', 'same\nprompt\n'],
    ['a\n', 'a\nb\n'],
    ['\nlead', '\nlead\n'],
  ];
  for (const prompts of cases) {
    const rows = readBack(prompts);
    assert.equal(rows, prompts, JSON.stringify(prompts));
  }
});

test('one tuple, nothing shared, or shared text holding the markers: every whole prompt in its row', () => {
  for (const prompts of [[means('a')], ['one line a', 'one line b'], ['x <row/>\ny', 'x <row/>\nz']]) {
    const p = packedPrompt(prompts);
    assert.not.match(p, '<shared>');
    for (const q of prompts) assert.match(p, `<row>\n${q}\n</row>`);
    assert.equal(readBack(prompts), prompts);
  }
});

test('a short shared line is not worth the longer header: the plain form', () => {
  const prompts = ['x\na', 'x\nb'];
  assert.ok(sharedSplit(prompts));
  assert.not.match(packedPrompt(prompts), '<shared>');
});

test.run();
