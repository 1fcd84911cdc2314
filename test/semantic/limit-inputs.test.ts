/**
 * LIMIT-aware evaluation over any input (src/statements/semantic/rewrite/limit-window.ts): a
 * subquery, a CTE, a view, `range`, a join and `read_csv`, 3,000 rows of which
 * about 10% match, with and without OFFSET. Calls are the simulator's own
 * count; rows are checked against full evaluation by the LIMIT exactness rule.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canon, type SemFixture, startSemFixture, TABLES } from './semantic-fixture.js';

const ROWS = 3000;
/** Row i matches `MEANS 'eco-friendly'` (the simulator's word overlap) when this holds: 309 rows of 3,000. */
const matches = (i: number) => (i * i * 31 + i * 7) % 97 < 10;
const text = (i: string) =>
  `CASE WHEN (${i} * ${i} * 31 + ${i} * 7) % 97 < 10 THEN 'eco-friendly bamboo bottle ' ELSE 'plain steel part ' END || ${i}`;
const SOURCE = `SELECT i::INTEGER AS id, ${text('i')} AS t FROM range(${ROWS}) r(i)`;

const dir = mkdtempSync(join(tmpdir(), 'rvbbit-limit-inputs-'));
const csv = join(dir, 'items.csv');
const csvRows = Array.from({ length: ROWS }, (_, i) =>
  matches(i) ? `${i},eco-friendly bamboo bottle ${i}` : `${i},plain steel part ${i}`,
);
writeFileSync(csv, `id,t\n${csvRows.join('\n')}\n`);

const TABLES_HERE = `${TABLES}
CREATE VIEW items_view AS ${SOURCE};
CREATE TABLE items AS ${SOURCE};
CREATE TABLE owners AS SELECT i::INTEGER AS id, 'owner ' || (i % 13) AS owner FROM range(${ROWS}) r(i);`;

const FILTER = `MEANS 'eco-friendly'`;
/** One statement per input, each filtered by FILTER; `joined`: rows in the join's order, not the source's. */
const INPUTS: { name: string; sql: string; joined?: true }[] = [
  { name: 'a subquery', sql: `SELECT id FROM (${SOURCE}) WHERE t ${FILTER}` },
  { name: 'a CTE', sql: `WITH src AS (${SOURCE}) SELECT id FROM src WHERE src.t ${FILTER}` },
  { name: 'a view', sql: `SELECT id FROM items_view WHERE t ${FILTER}` },
  {
    name: 'range',
    sql: `SELECT range::INTEGER AS id FROM range(${ROWS}) WHERE (${text('range')}) ${FILTER}`,
  },
  {
    name: 'a join',
    sql: `SELECT o.owner, p.id FROM owners o JOIN items p ON p.id = o.id WHERE p.t ${FILTER}`,
    joined: true,
  },
  { name: 'read_csv', sql: `SELECT id FROM read_csv('${csv}') WHERE t ${FILTER}` },
];

const test = suite<{ f: SemFixture }>('semantic: LIMIT-aware evaluation over any input');

test.before(async (ctx) => {
  ctx.f = await startSemFixture({ defaultParallel: 16 }, {}, TABLES_HERE);
});
test.after(async (ctx) => {
  await ctx.f.close();
  rmSync(dir, { recursive: true, force: true });
});

const NO_CACHE = '-- @ cache: false';
const ids = (rows: readonly Record<string, unknown>[]) => rows.map((r) => Number(r.id));

for (const input of INPUTS) {
  for (const offset of [0, 5]) {
    const page = offset ? ` LIMIT 5 OFFSET ${offset}` : ' LIMIT 5';
    test(`${input.name}${page}: at most 10% of the rows called, rows of full evaluation`, async ({ f }) => {
      await f.sim.resetStats();
      const rows = await f.rows(input.sql + page, NO_CACHE);
      const calls = await f.requests();
      assert.ok(calls <= ROWS / 10, `calls = ${calls}`);
      const [q] = await f.rows(
        `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
      );
      assert.match(String(q?.strategy), /^batch \(LIMIT met from the first \d+ rows\)/);

      // Full evaluation: every row's answer (cached after the first input), no LIMIT.
      const full = await f.rows(input.sql);
      assert.equal(
        [...new Set(ids(full))].sort((a, b) => a - b),
        Array.from({ length: ROWS }, (_, i) => i).filter(matches),
      );
      // The LIMIT rule: as many rows as full evaluation's LIMIT gives, each one of its rows.
      assert.is(rows.length, Math.min(5, full.length - offset));
      const left = canon(full, true);
      for (const row of canon(rows, true)) {
        const at = left.indexOf(row);
        assert.ok(at >= 0, `${row} is not a row of full evaluation`);
        left.splice(at, 1);
      }
      // One source, read in order: the very rows full evaluation with the LIMIT returns.
      if (!input.joined) assert.equal(ids(rows), ids(full).slice(offset, offset + 5));
    });
  }
}

test('an aggregate without GROUP BY needs every row: LIMIT 1 is not met by a window', async ({ f }) => {
  const rows = await f.rows(`SELECT count(*)::INTEGER AS n FROM (${SOURCE}) WHERE t ${FILTER} LIMIT 1`);
  assert.equal(rows, [{ n: 309 }]);
});

test('a window that does not bind (rowid is no column of it) runs unwindowed, same rows', async ({ f }) => {
  const rows = await f.rows(`SELECT rowid::INTEGER AS id FROM items WHERE t ${FILTER} LIMIT 5`);
  const full = await f.rows(`SELECT rowid::INTEGER AS id FROM items WHERE t ${FILTER}`);
  assert.equal(ids(rows), ids(full).slice(0, 5));
});

test('a RIGHT join adds rows a window would not: unwindowed, rows of full evaluation', async ({ f }) => {
  const sql = `SELECT p.id, o.owner FROM items p RIGHT JOIN owners o ON p.id = o.id + 1 WHERE p.t ${FILTER}`;
  const rows = await f.rows(`${sql} LIMIT 5`);
  const full = canon(await f.rows(sql), true);
  assert.is(rows.length, 5);
  for (const row of canon(rows, true)) assert.ok(full.includes(row), row);
  const [q] = await f.rows(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  assert.is(q?.strategy, 'batch');
});

test.run();
