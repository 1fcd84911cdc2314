/**
 * A number the question asks for within a range it states ("from 1 to 5
 * stars") comes back within that range from the simulator, as from a model,
 * when the schema itself bounds nothing (issue 68: "Rate … from 1 to 5 stars"
 * returned 40, 67, 85). Through the engine with no configuration (its built-in
 * simulator), as a user asks it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { statedRange } from '../../src/sim/schema-answer.js';

test('the ranges a question states, and none where the numbers are the data', () => {
  assert.equal(statedRange('Rate the review from 1 to 5 stars.'), [1, 5]);
  assert.equal(statedRange('On a scale of 1 to 10, how formal is it?'), [1, 10]);
  assert.equal(statedRange('A number between 0 and 100: how likely is a refund?'), [0, 100]);
  assert.equal(statedRange('Give a 1-7 scale rating'), [1, 7]);
  assert.equal(statedRange('Score it out of 10'), [0, 10]);
  assert.equal(statedRange('How long did it take?'), undefined);
  // A range the wrong way round is not a range.
  assert.equal(statedRange('from 5 to 1'), undefined);
  // Numbers inside a tagged value are the row's, not the question's.
  assert.equal(statedRange('How many days? <text>open from 9 to 17 daily</text>'), undefined);
});

test('LLM(… RETURNING INTEGER) asked "from 1 to 5 stars" answers within 1..5 on every row; unasked, the old 0..100', async () => {
  const engine = await createEngine();
  try {
    const rows = (sql: string) => engine.query(sql).then((r) => r.rows.map((row) => row.s as number));
    const texts = `SELECT 'product review number ' || i AS t FROM range(40) r(i)`;
    const stars = await rows(
      `SELECT LLM('Rate this review from 1 to 5 stars', t RETURNING INTEGER) AS s FROM (${texts})`,
    );
    assert.is(stars.length, 40);
    assert.ok(
      stars.every((s) => Number.isInteger(s) && s >= 1 && s <= 5),
      String(stars),
    );
    // Not one value: the draws spread over the range.
    assert.ok(new Set(stars).size >= 3, String(stars));
    const unbounded = await rows(
      `SELECT LLM('How many words does this review have', t RETURNING INTEGER) AS s FROM (${texts})`,
    );
    assert.ok(
      unbounded.some((s) => s > 5),
      String(unbounded),
    );
  } finally {
    await engine.close();
  }
});

test.run();
