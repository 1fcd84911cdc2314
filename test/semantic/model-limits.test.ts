/**
 * Operators at the model's limits: a tuple whose prompt cannot fit the
 * window is NULL with a notice naming it (the statement and every other
 * tuple go on); packed prompts shrink for long rows instead of overflowing,
 * with the rows of the unpacked query.
 */
import * as assert from 'uvu/assert';
import { windowSuite } from './window-fixture.js';

const WINDOW = 2000;

// 100 short notes, one of them a contract far over the window; 48 long notes (~300 tokens each).
const TABLES = `
    CREATE TABLE notes AS SELECT range::INTEGER AS id,
      CASE WHEN range = 41 THEN repeat('the battery clause of a long contract ', 400)
           WHEN range % 3 = 0 THEN 'the battery died after a week'
           ELSE 'lovely colour and a soft strap' END AS t
    FROM range(100);
    CREATE TABLE long_notes AS SELECT range::INTEGER AS id,
      repeat(CASE WHEN range % 2 = 0 THEN 'the battery died fast and the charger broke ' ELSE 'a soft strap in a lovely colour that fits well ' END, 30) || range AS t
    FROM range(48);`;

const limits = windowSuite('semantic: operators at the model’s window', WINDOW, true, TABLES);

limits(
  'one tuple over the window among 100: NULL with a notice naming it; the other 99 answered',
  async ({ f }) => {
    const notices: string[] = [];
    const r = await f.engine.query(`SELECT id FROM notes WHERE t MEANS 'battery problems' ORDER BY id`, [], {
      onNotice: (text) => notices.push(text),
    });
    // Every third note is about the battery; note 41 (a contract) is NULL, so not kept.
    assert.equal(
      r.rows.map((row) => row.id),
      Array.from({ length: 34 }, (_, i) => i * 3),
    );
    assert.equal(notices.length, 1);
    assert.match(
      notices[0]!,
      /^semantic_means: input \d+ of 3 is NULL: LLM_CONTEXT_TOO_LONG: the prompt has \d+ tokens; sim-small's context window is 2000 tokens$/,
    );
    const stats = f.sim.stats();
    assert.is(stats.contextRejected, 0);
    // Three distinct texts, the contract's never sent.
    assert.is(stats.requests, 2);
  },
);

limits(
  'packed 16 to a prompt, long rows shrink the pack instead of overflowing: the unpacked query’s rows',
  async ({ f }) => {
    const sql = `SELECT id FROM long_notes WHERE t MEANS 'battery problems' ORDER BY id`;
    // The unpacked reference says so (-- @ batch: 1): issue 67 packs unannotated statements.
    const unpacked = await f.engine.query(`-- @ cache: false\n-- @ batch: 1\n${sql}`);
    const one = f.sim.stats();
    assert.is(one.requests, 48);
    f.sim.resetStats();
    const packed = await f.engine.query(`-- @ cache: false\n-- @ batch: 16\n${sql}`);
    assert.equal(packed.rows, unpacked.rows);
    assert.equal(
      packed.rows.map((row) => row.id),
      Array.from({ length: 24 }, (_, i) => i * 2),
    );
    const stats = f.sim.stats();
    assert.is(stats.contextRejected, 0);
    assert.ok(stats.maxPromptTokens <= WINDOW, String(stats.maxPromptTokens));
    // 16 rows of ~300 tokens cannot fit 2,000: packs of 4 (16 → 8 → 4, each refused before sending).
    assert.is(stats.requests, 12);
  },
);

limits.run();
