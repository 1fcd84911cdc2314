/**
 * The simulator reads labelled values (`<input name="…">…</input>`, how
 * LLM_FILTER and LLM send their values) as a model would: the labels' words
 * are not the text's, and a condition about sentiment is judged from the
 * values — per row in a BATCH prompt, each row by its own values.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { forRow, readPrompt } from '../../src/sim/prompt-context.js';

const labelled = (...values: [string, string][]) =>
  values.map(([name, v]) => `<input name="${name}">${v}</input>`).join('\n');
const prompt = (criterion: string, text: string) => [
  { role: 'user', content: `<criterion>${criterion}</criterion>\n<text>${text}</text>` },
];
const LOVED = 'A beautiful and moving story. I especially liked the soundtrack.';
const DULL = 'A dull, lifeless film. I especially disliked the dialogue.';

test("a label's words are not the text's: 'review' does not match 'reviewer'", () => {
  const ctx = readPrompt(prompt('a reviewer of tools', labelled(['review', 'steel hammer'])));
  assert.is(ctx.verdict?.result, false);
  assert.is(ctx.blocks.get('text')?.[0], 'steel hammer');
  assert.equal(ctx.blocks.get('input'), ['steel hammer']);
});

test('a rating that disagrees (or agrees) with the text: a number on a 1-5 scale against the tone', () => {
  const judged = (criterion: string, stars: string, review: string) =>
    readPrompt(prompt(criterion, labelled(['stars', stars], ['review', review]))).verdict?.result;
  const DISAGREES = 'The star rating disagrees with the text';
  assert.is(judged(DISAGREES, '5', DULL), true);
  assert.is(judged(DISAGREES, '1', LOVED), true);
  assert.is(judged(DISAGREES, '5', LOVED), false);
  assert.is(judged(DISAGREES, '1', DULL), false);
  assert.is(judged(DISAGREES, '3', LOVED), false);
  assert.is(judged('The rating matches the review', '4', LOVED), true);
  assert.is(judged('The rating matches the review', '2', LOVED), false);
  // A rating condition with neither word is judged by overlap, as before: no words shared, no.
  assert.is(judged('rated by a critic', '5', LOVED), false);
});

test('sentiment conditions are judged from the values', () => {
  const judged = (criterion: string, ...values: string[]) =>
    readPrompt(prompt(criterion, labelled(...values.map((v, i): [string, string] => [`r${i}.review`, v]))))
      .verdict?.result;
  assert.is(judged('The reviewer liked the film', LOVED), true);
  assert.is(judged('The reviewer liked the film', DULL), false);
  assert.is(judged('The review is negative', DULL), true);
  assert.is(judged('The two reviews express the same sentiment', LOVED, DULL), false);
  assert.is(judged('The two reviews express the same sentiment', DULL, DULL), true);
  assert.is(judged('The two reviews express opposite sentiments', LOVED, DULL), true);
  // "Not worth it": the negation flips its own sentence only.
  assert.is(
    judged('The reviewer liked the film', 'Loved the cast. Not worth the ticket price. Great fun.'),
    true,
  );
});

test('a BATCH prompt: each row is judged by its own values, not by the first row`s', () => {
  const rows = [LOVED, DULL, LOVED].map((v) => `<row>${labelled(['review', v])}</row>`).join('\n');
  const ctx = readPrompt([
    { role: 'user', content: `<criterion>The reviewer liked the film</criterion>\n${rows}` },
  ]);
  assert.equal(
    [0, 1, 2].map((i) => forRow(ctx, i).verdict?.result),
    [true, false, true],
  );
  assert.is(forRow(ctx, 1).subject, DULL);
});

test.run();
