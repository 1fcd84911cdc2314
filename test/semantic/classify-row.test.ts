/**
 * CLASSIFY(text, 'l1,l2,…'): the scalar, per-row label (LLM_CLASSIFY stays the
 * aggregate over a group). The labels, split on commas, are the enum of the
 * call's answer schema (sent as response_format), so the model answers one of
 * them; the list may differ per row (a column) and packs by list. A non-label
 * is retried, and one still not a label is that row's NULL with the calls
 * logged as errors, as LLM_CLASSIFY's is.
 */
import * as assert from 'uvu/assert';
import { jsonRows, semSuite } from './semantic-fixture.js';

const test = semSuite(
  'semantic: CLASSIFY per row',
  // Pinned unpacked (operatorBatch: 1): a label per row is one call per row here, packed only where a test says batch 16; unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  { defaultParallel: 8, operatorBatch: 1 },
  { record: true, quirks: { 'sim-off-list': 'ignore-enum', 'sim-off-once': 'ignore-enum-once' } },
);

const NO_CACHE = '-- @ cache: false';

test('a label per row from the list, the list the enum of every request; NULL text is NULL without a call', async ({
  f,
}) => {
  const rows = await f.rows(
    `SELECT id, CLASSIFY(body, 'eco, sport, tech') AS c FROM docs ORDER BY id`,
    NO_CACHE,
  );
  assert.equal(
    jsonRows<{ id: number; c: string | null }>(rows).map((r) => [r.id, r.c]),
    // Rows sharing no word with a label get the world's pick for (labels, text), the same for every model
    // (src/sim/world.ts, issue 68). Before issue 68 the pick was seeded by the model and the messages:
    // rows 2, 8, 12 drew sport, sport, tech; before issue 67 rows 3, 7, 12 drew eco, eco, eco.
    [
      [1, 'eco'],
      [2, 'tech'],
      [3, 'sport'],
      [4, 'eco'],
      [5, 'tech'],
      [6, 'eco'],
      [7, 'sport'],
      [8, 'tech'],
      [9, null],
      [10, 'eco'],
      [11, 'eco'],
      [12, 'eco'],
    ],
  );
  const stats = await f.sim.stats();
  assert.is(stats.requests, 11);
  for (const seen of stats.promptsSeen ?? []) {
    assert.ok(seen.hasResponseFormat);
    // The labels go once, as the enum of the response_format (issue 67: no system message restates them).
    assert.match(
      JSON.stringify(seen.responseFormat),
      '"label":{"type":"string","enum":["eco","sport","tech"]}',
    );
  }
  const [t] = await f.rows(`SELECT typeof(CLASSIFY(body, 'eco, sport')) AS t FROM docs WHERE id = 1`);
  assert.is(t!.t, 'VARCHAR');
});

test('over 300 reviews every answer is a label, unpacked and packed alike (batch 16: ceil(263/16) calls)', async ({
  f,
}) => {
  const q = `SELECT c, count(*)::INTEGER AS n FROM (SELECT CLASSIFY(review, 'positive,negative,neutral') AS c FROM reviews)
             GROUP BY c ORDER BY c`;
  // A label is the text's polarity sentence by sentence, the rule the pair judge uses (issue 68: one world).
  // Before issue 68 it was the whole text's lexicon sum with any negation flipping it, so "Not worth the
  // ticket price." made a one-star review positive: negative 68, neutral 28, positive 204 (224 of 300
  // reviews agreed with their stars, ≥ 4 positive, ≤ 2 negative; now 274).
  const counts = [
    { c: 'negative', n: 124 },
    { c: 'neutral', n: 27 },
    { c: 'positive', n: 149 },
  ];
  assert.equal(await f.rows(q, NO_CACHE), counts);
  // One call per distinct review (263 of the 300).
  assert.is(await f.requests(), 263);
  await f.sim.resetStats();
  assert.equal(await f.rows(q, `${NO_CACHE}\n-- @ batch: 16`), counts);
  assert.is(await f.requests(), 17);
});

test('the labels may come from a column: each row chooses among its own', async ({ f }) => {
  const rows = await f.rows(
    `SELECT id, category, CLASSIFY(body, category || ',other') AS c FROM docs WHERE body IS NOT NULL ORDER BY id`,
    NO_CACHE,
  );
  assert.is(rows.length, 11);
  for (const r of rows) assert.ok([r.category, 'other'].includes(r.c), JSON.stringify(r));
  assert.equal(
    rows.map((r) => r.c),
    // The world's picks (see above). Before issue 68: home, sport, other, home, other, other, sport, other, home,
    // sport, other; before issue 67: other, other, tech, home, home, tech, other, other, other, other, tech.
    ['other', 'other', 'tech', 'home', 'other', 'tech', 'sport', 'tech', 'home', 'sport', 'tech'],
  );
  assert.is(await f.requests(), 11);
});

test('a non-label answer is retried; still not a label, the row is NULL and the statement succeeds', async ({
  f,
}) => {
  const q = `SELECT id, CLASSIFY(body, 'eco, sport, tech') AS c FROM docs WHERE id IN (1, 2, 5) ORDER BY id`;
  const retried = await f.rows(q, `${NO_CACHE}\n-- @ model: sim-off-once`);
  for (const r of retried) assert.ok(['eco', 'sport', 'tech'].includes(String(r.c)), String(r.c));
  assert.is(await f.requests(), 6);
  await f.sim.resetStats();
  const off = await f.rows(q, `${NO_CACHE}\n-- @ model: sim-off-list`);
  assert.equal(jsonRows(off), [
    { id: 1, c: null },
    { id: 2, c: null },
    { id: 5, c: null },
  ]);
  // max_attempts 2: two calls per row.
  assert.is(await f.requests(), 6);
});

test('LLM_CLASSIFY is still the aggregate: one call per group', async ({ f }) => {
  const rows = await f.rows(
    `SELECT category, LLM_CLASSIFY(body, 'good, bad') AS c FROM docs WHERE category <> 'other' GROUP BY category ORDER BY category`,
    NO_CACHE,
  );
  assert.equal(
    rows.map((r) => r.category),
    ['home', 'sport', 'tech'],
  );
  assert.is(await f.requests(), 3);
});

test("CLASSIFY(x, '') is refused at its labels' line and column before any call (it answered free text)", async ({
  f,
}) => {
  for (const [labels, column] of [
    ["''", 18],
    ["' , ,'", 18],
  ] as const) {
    const sql = `SELECT id,\n  CLASSIFY(body, ${labels}) AS c FROM docs`;
    const e = (await f.engine.query(sql).then(
      () => assert.unreachable('refused'),
      (err: unknown) => err,
    )) as { code: string; message: string; detail: { line: number; column: number } };
    assert.is(e.code, 'E_BAD_AGGREGATE_ARGS', labels);
    assert.is(
      e.message.split('\n')[0],
      `CLASSIFY: labels ${labels} lists no label: write them comma-separated, such as 'positive, negative'`,
    );
    assert.equal([e.detail.line, e.detail.column], [2, column]);
  }
  assert.is(await f.requests(), 0);
  // A list from a column is each row's own: not refused before the run.
  const rows = await f.rows(
    `SELECT CLASSIFY(body, 'eco,' || category) AS c FROM docs WHERE id = 1`,
    NO_CACHE,
  );
  assert.is(rows.length, 1);
});

test.run();
