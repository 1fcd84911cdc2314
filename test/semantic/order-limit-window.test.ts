/**
 * `ORDER BY <plain columns> LIMIT k` over an operator (src/statements/semantic/rewrite/limit-window.ts):
 * the run reads the source's first rows in that order (every row tied with the
 * last included), growing the window until the LIMIT is met, so it asks about
 * those rows, not every row. 3,000 rows, about 10% of which match, in an order
 * (`k`) unlike their scan order. The rows and their order are the unwindowed
 * statement's: the same statement with the simulator's answer written as plain
 * SQL (`REF`), run by DuckDB over every row. Calls are the simulator's count.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture, TABLES } from './semantic-fixture.js';

const ROWS = 3000;
/** Row i matches `MEANS 'eco-friendly'` (the simulator's word overlap) when this holds: 309 rows of 3,000. */
const matches = (i: number) => (i * i * 31 + i * 7) % 97 < 10;
const MATCH_SQL = '(i * i * 31 + i * 7) % 97 < 10';
/** A unique order key unlike the scan order. */
const k = (i: number) => (i * 7919) % ROWS;

const TABLES_HERE = `${TABLES}
CREATE TABLE items AS SELECT
  i::INTEGER AS id,
  i::INTEGER AS i,
  ((i * 7919) % ${ROWS})::INTEGER AS k,
  NULLIF((i * 7919) % ${ROWS}, 0)::INTEGER AS n,
  (i % 50)::INTEGER AS g,
  CASE WHEN ${MATCH_SQL} THEN 'eco-friendly bamboo bottle ' ELSE 'plain steel part ' END || i AS t
FROM range(${ROWS}) r(i);`;

const test = suite<{ f: SemFixture }>(
  'semantic: ORDER BY plain columns LIMIT k reads the source in that order',
);

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): these count the calls of each ORDER BY window, one per tuple; unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  ctx.f = await startSemFixture({ defaultParallel: 16, operatorBatch: 1 }, {}, TABLES_HERE);
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

const NO_CACHE = '-- @ cache: false';
const ids = (rows: readonly Record<string, unknown>[]) => rows.map((r) => Number(r.id));
const MEANS = `t MEANS 'eco-friendly'`;

async function strategy(f: SemFixture): Promise<string> {
  const [q] = await f.rows(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return String(q?.strategy);
}

/** The unwindowed statement's rows: `sql` with the filter as plain SQL, run by DuckDB over every row. */
async function reference(f: SemFixture, sql: string): Promise<number[]> {
  return ids(await f.rows(sql.replace(MEANS, MATCH_SQL)));
}

/**
 * The window the LIMIT is met in: the first w₀ = max(2 × (LIMIT + OFFSET), PARALLEL 16) rows of
 * the order `byKey` (ascending), then 2w₀, 4w₀, …; its rows are the calls (answers carry over).
 */
function windowRows(wanted: number, byKey: (i: number) => number): number {
  const order = Array.from({ length: ROWS }, (_, i) => i).sort((a, b) => byKey(a) - byKey(b));
  for (let w = Math.max(2 * wanted, 16); ; w *= 2) {
    if (w >= ROWS) return ROWS;
    if (order.slice(0, w).filter(matches).length >= wanted) return w;
  }
}

for (const [order, byKey] of [
  ['k', k],
  ['k DESC', (i: number) => -k(i)],
  ['k ASC NULLS FIRST', k],
] as const) {
  for (const page of [' LIMIT 3', ' LIMIT 5 OFFSET 4']) {
    test(`WHERE … MEANS … ORDER BY ${order}${page}: the window's calls, the unwindowed rows`, async ({
      f,
    }) => {
      const sql = `SELECT id, k FROM items WHERE ${MEANS} ORDER BY ${order}${page}`;
      const rows = await f.rows(sql, NO_CACHE);
      const wanted = page === ' LIMIT 3' ? 3 : 9;
      const w = windowRows(wanted, byKey);
      assert.is(await f.requests(), w);
      assert.is(await strategy(f), `batch (LIMIT met from the first ${w} rows in ORDER BY ${order})`);
      const expected = await reference(f, sql);
      assert.equal(ids(rows), expected);
      assert.is(expected.length, page === ' LIMIT 3' ? 3 : 5);
    });
  }
}

test('the docs example: WHERE MEANS ORDER BY id LIMIT 3 asks 16 rows, not 3,000', async ({ f }) => {
  const sql = `SELECT id FROM items WHERE ${MEANS} ORDER BY id LIMIT 3`;
  const rows = await f.rows(sql, NO_CACHE);
  assert.equal(ids(rows), [0, 3, 8]);
  assert.equal(ids(rows), await reference(f, sql));
  assert.is(await f.requests(), 16);
});

test('SELECT-list operator ORDER BY a column LIMIT 3: the first 16 rows in that order are asked', async ({
  f,
}) => {
  const sql = `SELECT id, k, LLM_SCORE(t, 'how eco-friendly', 1, 5) AS s FROM items ORDER BY k DESC LIMIT 3`;
  const rows = await f.rows(sql, NO_CACHE);
  assert.is(await f.requests(), 16);
  assert.is(await strategy(f), 'batch (LIMIT met from the first 16 rows in ORDER BY k DESC)');
  const order = Array.from({ length: ROWS }, (_, i) => i).sort((a, b) => k(b) - k(a));
  assert.equal(ids(rows), order.slice(0, 3));
  // The same scores as the statement over every row (answers cached by the run before).
  const full = await f.rows(sql.replace(' LIMIT 3', ''));
  assert.equal(rows, full.slice(0, 3));
});

test('NULLS: the NULL key first or last, as the unwindowed statement puts it', async ({ f }) => {
  // Row 0 matches and its n is NULL (k = 0).
  for (const order of ['n NULLS FIRST', 'n DESC NULLS FIRST', 'n', 'n DESC', 'n DESC NULLS LAST']) {
    const sql = `SELECT id FROM items WHERE ${MEANS} ORDER BY ${order} LIMIT 3`;
    const rows = await f.rows(sql, NO_CACHE);
    assert.equal(ids(rows), await reference(f, sql), order);
    assert.match(await strategy(f), /^batch \(LIMIT met from the first \d+ rows in ORDER BY /, order);
  }
  const first = await f.rows(`SELECT id FROM items WHERE ${MEANS} ORDER BY n NULLS FIRST LIMIT 1`);
  assert.equal(ids(first), [0]);
});

test('ties on the key where the LIMIT cuts: the statement runs whole, the unwindowed rows', async ({ f }) => {
  // g = i % 50: about 6 matching rows per value, so LIMIT 3 cuts among rows tied on g = 0, and
  // DuckDB's ORDER BY (not stable) picks which by every row it sorts: only the whole source gives its pick.
  const sql = `SELECT id FROM items WHERE ${MEANS} ORDER BY g LIMIT 3`;
  const rows = await f.rows(sql, NO_CACHE);
  assert.is(await strategy(f), 'batch');
  assert.is(await f.requests(), ROWS);
  assert.equal(ids(rows), await reference(f, sql));
});

test('ties broken by a second key, or only among rows the filter drops: windowed, exact', async ({ f }) => {
  const byGk = `SELECT id FROM items WHERE ${MEANS} ORDER BY g, k LIMIT 3`;
  const rows = await f.rows(byGk, NO_CACHE);
  assert.equal(ids(rows), await reference(f, byGk));
  assert.match(await strategy(f), /^batch \(LIMIT met from the first \d+ rows in ORDER BY g, k\)$/);
  assert.ok((await f.requests()) < ROWS / 4);
  // Keys repeated among the rows the window reads, never among rows that pass it: windowed.
  await f.rows(
    `CREATE OR REPLACE TABLE paired AS SELECT *, CASE WHEN ${MATCH_SQL} THEN 2 * k ELSE 2 * k - 1 - (k % 2) END AS p FROM items`,
  );
  await f.sim.resetStats();
  const pairedSql = `SELECT id FROM paired WHERE ${MEANS} ORDER BY p LIMIT 3`;
  const paired = await f.rows(pairedSql, NO_CACHE);
  assert.equal(ids(paired), await reference(f, pairedSql));
  assert.match(await strategy(f), /^batch \(LIMIT met from the first \d+ rows in ORDER BY p\)$/);
  const [dups] = await f.rows(
    'SELECT count(*)::INTEGER AS n FROM (SELECT p FROM paired GROUP BY p HAVING count(*) > 1)',
  );
  assert.ok(Number(dups?.n) > 0);
});

test('no window where it would change the answer: the statement runs whole, same rows', async ({ f }) => {
  const cases = [
    // An operator's answer in ORDER BY.
    `SELECT id FROM items WHERE ${MEANS} ORDER BY LLM_SCORE(t, 'eco', 1, 5), id LIMIT 3`,
    // A SELECT item named like the key binds ORDER BY to it.
    `SELECT LLM_SCORE(t, 'eco', 1, 5) AS id FROM items ORDER BY id LIMIT 3`,
    `SELECT k AS id FROM items WHERE ${MEANS} ORDER BY id LIMIT 3`,
    // A position, an expression, GROUP BY, DISTINCT, a window function.
    `SELECT id FROM items WHERE ${MEANS} ORDER BY 1 LIMIT 3`,
    `SELECT id FROM items WHERE ${MEANS} ORDER BY k + 0 LIMIT 3`,
    `SELECT g AS id FROM items WHERE ${MEANS} GROUP BY g ORDER BY g LIMIT 3`,
    `SELECT DISTINCT g AS id FROM items WHERE ${MEANS} ORDER BY g LIMIT 3`,
    `SELECT id, row_number() OVER () AS r FROM items WHERE ${MEANS} ORDER BY id LIMIT 3`,
  ];
  for (const sql of cases) {
    await f.rows(sql);
    assert.is(await strategy(f), 'batch', sql);
  }
  const renamed = `SELECT k AS id FROM items WHERE ${MEANS} ORDER BY id LIMIT 3`;
  assert.equal(ids(await f.rows(renamed)), await reference(f, renamed));
});

test('EXPLAIN shows the ordered window and its calls; the run makes them', async ({ f }) => {
  const sql = `SELECT id FROM items WHERE ${MEANS} ORDER BY id LIMIT 3`;
  const e = await f.rows(`EXPLAIN ${sql}`, NO_CACHE);
  const value = (key: string) => e.find((r) => r.property === key)?.value;
  assert.is(value('est_calls_window'), '16');
  assert.is(
    value('limit_window'),
    'LIMIT 3 over the first 16 rows of items in ORDER BY id (more rows than that; rows tied with the last one too): est_calls_window calls if 3 of them pass; else 32, 64, … rows, the calls of those rows (answers carry over), est_calls at most; if rows tie on every ORDER BY key where the LIMIT cuts, the statement runs whole (est_calls)',
  );
  assert.is(await f.requests(), 0);
  await f.rows(sql, NO_CACHE);
  assert.is(await f.requests(), 16);
});

test.run();
