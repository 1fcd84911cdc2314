/**
 * The LIMIT window on the FROM item the semantic predicate reads
 * (limit-window.ts, issue 51): with every join inner, the window is taken on
 * the item whose columns the calls read, so a LIMIT over patients joined to
 * their x-rays asks about as many x-rays whichever item is written first.
 */
import * as assert from 'uvu/assert';
import { type SemFixture, semSuite, TABLES } from './semantic-fixture.js';

/** 200 patients in no order of id, one in four flagged; 3,000 x-rays, 15 per patient, their notes the test reviews' texts. */
const DATA = `${TABLES}
CREATE TABLE patients AS SELECT range AS id, CASE WHEN range % 4 = 0 THEN 1 ELSE 0 END AS flag FROM range(200) ORDER BY hash(range);
CREATE TABLE x_ray AS SELECT x.range AS id, x.range % 200 AS pid, r.review AS path
  FROM range(3000) x JOIN reviews r ON r.id = x.range % 300 + 1 ORDER BY x.range;`;

const test = semSuite(
  'semantic: the LIMIT window on the item the predicate reads',
  // Pinned unpacked (operatorBatch: 1): the window's calls are counted one per tuple on either item; unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  { defaultParallel: 8, operatorBatch: 1 },
  {},
  DATA,
);

const NO_CACHE = '-- @ cache: false';
const FILTER = `p.flag = 1 AND LLM_FILTER('The review praises the acting', x.path)`;
const ORDERS = {
  'patients first': `SELECT x.id AS xid, p.id AS pid FROM patients p JOIN x_ray x ON p.id = x.pid WHERE ${FILTER}`,
  'x_ray first': `SELECT x.id AS xid, p.id AS pid FROM x_ray x JOIN patients p ON p.id = x.pid WHERE ${FILTER}`,
};

async function explained(f: SemFixture, sql: string): Promise<Record<string, string>> {
  const r = await f.engine.query(`EXPLAIN ${sql}`);
  return Object.fromEntries(r.rows.map((x) => [String(x.property), String(x.value)]));
}

test('both FROM orders: the window on x_ray, the same rows, the same calls', async ({ f }) => {
  const all = await f.rows(`${ORDERS['x_ray first']} ORDER BY xid`, NO_CACHE);
  const allKeys = new Set(all.map((r) => `${r.xid}/${r.pid}`));
  const seen: Record<string, { rows: string[]; calls: number; line: string }> = {};
  for (const [name, sql] of Object.entries(ORDERS)) {
    const plan = await explained(f, `${sql} LIMIT 5`);
    await f.sim.resetStats();
    const rows = await f.rows(`${sql} LIMIT 5`, NO_CACHE);
    const keys = rows.map((r) => `${r.xid}/${r.pid}`);
    for (const k of keys) assert.ok(allKeys.has(k), `${name}: ${k} is not a row of the unlimited statement`);
    seen[name] = { rows: keys.sort(), calls: await f.requests(), line: plan.limit_window! };
  }
  const [a, b] = [seen['patients first']!, seen['x_ray first']!];
  assert.equal(a.rows, b.rows);
  assert.is(a.rows.length, 5);
  // Before: the window on patients (the first item) asked 263 x-rays, on x_ray 148.
  assert.is(a.calls, 148);
  assert.is(b.calls, 148);
  // The first 10 x-rays give at most 3 rows past p.flag = 1 whatever the answers: the run grows the window, and so does EXPLAIN.
  for (const x of [a, b])
    assert.match(
      x.line,
      /^LIMIT 5 over the first 20 rows of x_ray x \(more rows than that; the first 10 rows cannot return 5 rows whatever the answers/,
    );
});

test.run();
