/**
 * EXPLAIN of semantic SQL read past comments: comments before or after
 * EXPLAIN change nothing it reports, annotations after EXPLAIN apply as those
 * before it do, free-text `-- @ word: text` is a hint, and a LIMIT query
 * shows the calls of the run's first LIMIT window next to the bound.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RvbbitError } from '../../base/errors.js';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: EXPLAIN past comments, annotations after it, LIMIT window');

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): these compare EXPLAIN's per-tuple counts with and without comments; unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  ctx.f = await startSemFixture({ operatorBatch: 1 }, { record: true });
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

type Rows = Record<string, unknown>[];
const value = (rows: Rows, key: string) => rows.find((r) => r.property === key)?.value;
/**
 * The report without the operators line (its line and column move with the
 * comments), the statement's own number in the rewritten SQL's calls as `N`.
 */
const report = (rows: Rows) =>
  rows
    .filter((r) => r.property !== 'operators')
    .map((r) =>
      r.property === 'sql' ? { ...r, value: String(r.value).replace(/_means\(\d+,/g, '_means(N,') } : r,
    );

const LIMITED = `SELECT id FROM docs WHERE body MEANS 'eco friendly' LIMIT 1`;

test('comments before the statement, in every form, give the EXPLAIN given without them', async ({ f }) => {
  const plain = await f.rows(`EXPLAIN ${LIMITED}`);
  assert.is(value(plain, 'strategy'), 'batch');
  for (const written of [
    `EXPLAIN -- a comment\n${LIMITED}`,
    `EXPLAIN /* c */ ${LIMITED}`,
    `EXPLAIN /* c */ -- d\n/* e /* nested */ */\n${LIMITED}`,
    `-- before\n/* and */ EXPLAIN\n-- after\n${LIMITED}`,
  ]) {
    const e = await f.rows(written);
    assert.equal(report(e), report(plain), written);
    assert.match(String(value(e, 'operators')), /^MEANS → semantic_means \(where, line \d+ col \d+\)$/);
  }
  assert.is(await f.requests(), 0);
});

test('annotations after EXPLAIN apply: parallel 7 shows 7 and sizes the LIMIT window the run uses', async ({
  f,
}) => {
  const e = await f.rows(`EXPLAIN\n-- @ parallel: 7\n-- @ cache: false\n${LIMITED}`);
  assert.is(value(e, 'parallel'), '7');
  // The first window is max(2 × LIMIT, PARALLEL) rows: 7 bodies, 7 calls.
  assert.is(value(e, 'est_calls_window'), '7');
  assert.match(String(value(e, 'limit_window')), /^LIMIT 1 over the first 7 rows of docs /);
  // The SQL line is the statement alone, from SELECT.
  assert.match(
    String(value(e, 'sql')),
    /^SELECT id FROM docs WHERE rvbbit_semantic_means\(\d+, body, 'eco friendly'\) LIMIT 1$/,
  );
  // Before EXPLAIN and after it, together.
  const both = await f.rows(`-- @ parallel: 7\nEXPLAIN /* c */ -- @ cache: false\n${LIMITED}`);
  assert.equal(report(both), report(e));
  assert.is(await f.requests(), 0);
  // The run with the same annotations makes those calls.
  const rows = await f.rows(LIMITED, '-- @ parallel: 7\n-- @ cache: false');
  assert.equal(rows, [{ id: 1 }]);
  assert.is(await f.requests(), 7);
});

test('a key before and after EXPLAIN is given twice: an error, as two before are', async ({ f }) => {
  const e = await failure(f, `-- @ parallel: 3\nEXPLAIN\n-- @ parallel: 7\n${LIMITED}`);
  assert.is(e.code, 'E_DUPLICATE_ANNOTATION');
  assert.equal([e.detail.line, e.detail.column], [4, 1]); // f.rows() starts with a line of annotations
});

test('-- @ note: be strict is a hint: no error, and it reaches every prompt', async ({ f }) => {
  await f.sim.setOptions({ record: true });
  const rows = await f.rows(
    `SELECT id FROM docs WHERE id <= 2 AND body MEANS 'eco friendly' ORDER BY id`,
    '-- @ note: be strict\n-- @ cache: false',
  );
  assert.equal(rows, [{ id: 1 }]);
  const seen = (await f.sim.stats()).promptsSeen!;
  assert.is(seen.length, 2);
  for (const p of seen) {
    assert.ok(
      p.messages.some((m) => m.content.includes('note: be strict')),
      'the hint is in the prompt',
    );
  }
});

test('-- @ paralel: 3 is an error suggesting parallel, at its line and column', async ({ f }) => {
  const e = await failure(f, `SELECT 1;\n  -- @ paralel: 3\n${LIMITED}`);
  assert.is(e.code, 'E_UNKNOWN_ANNOTATION');
  assert.match(e.message, /unknown annotation key 'paralel' — did you mean 'parallel'\?/);
  assert.equal([e.detail.line, e.detail.column], [3, 8]); // f.rows() starts with a line of annotations
  assert.is(await f.requests(), 0);
});

test('LIMIT: the first window`s calls next to the bound; the run makes them when the window suffices', async ({
  f,
}) => {
  // LIMIT 1, PARALLEL 1: a window of 2 rows, and row 1 passes.
  const sql = `SELECT id FROM docs WHERE body MEANS 'eco friendly' LIMIT 1`;
  const e = await f.rows(`EXPLAIN ${sql}`, '-- @ parallel: 1\n-- @ cache: false');
  assert.is(value(e, 'est_calls'), '11');
  assert.is(value(e, 'est_calls_window'), '2');
  assert.is(
    value(e, 'limit_window'),
    'LIMIT 1 over the first 2 rows of docs (more rows than that): est_calls_window calls if 1 of them pass; else 4, 8, … rows, the calls of those rows (answers carry over), est_calls at most',
  );
  assert.is(await f.requests(), 0);
  await f.rows(sql, '-- @ parallel: 1\n-- @ cache: false');
  assert.is(await f.requests(), 2);
});

test('LIMIT: a window too small grows; the run makes more than the first window, at most the bound', async ({
  f,
}) => {
  // LIMIT 4 wants 4 of the eco rows (1, 4, 6, 10, 11): the first 8 rows hold 3, so the window
  // would double to 16 rows, past the 12 of docs, and the statement runs whole.
  const sql = `SELECT id FROM docs WHERE body MEANS 'eco friendly' LIMIT 4`;
  const e = await f.rows(`EXPLAIN ${sql}`, '-- @ parallel: 1\n-- @ cache: false');
  assert.is(value(e, 'est_calls_window'), '8');
  assert.is(value(e, 'est_calls'), '11');
  await f.rows(sql, '-- @ parallel: 1\n-- @ cache: false');
  assert.is(await f.requests(), 11);
});

test('LIMIT: no window when the source fits in it or the LIMIT needs every row', async ({ f }) => {
  const small = await f.rows(
    `EXPLAIN SELECT id FROM (SELECT * FROM docs WHERE id <= 3) d WHERE body MEANS 'eco' LIMIT 2`,
    '-- @ cache: false',
  );
  assert.is(value(small, 'est_calls_window'), undefined);
  // The first window is 8 rows (4 before issue 67): max(2 × LIMIT, PARALLEL), PARALLEL 8 by default now.
  assert.is(
    value(small, 'limit_window'),
    "none: the source has 3 rows, no more than the first window's 8, so the statement runs whole (est_calls)",
  );
  const ordered = await f.rows(
    `EXPLAIN SELECT id FROM docs WHERE body MEANS 'eco' ORDER BY length(title) LIMIT 2`,
    '-- @ cache: false',
  );
  assert.is(value(ordered, 'est_calls_window'), undefined);
  assert.match(String(value(ordered, 'limit_window')), /^none: this LIMIT is not met from the first rows/);
  const unlimited = await f.rows(`EXPLAIN SELECT id FROM docs WHERE body MEANS 'eco'`);
  assert.is(value(unlimited, 'limit_window'), undefined);
});

async function failure(f: SemFixture, sql: string): Promise<RvbbitError> {
  try {
    await f.rows(sql);
  } catch (err) {
    return err as RvbbitError;
  }
  throw new Error(`expected an error from: ${sql}`);
}

test.run();
