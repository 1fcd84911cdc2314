/**
 * Semantic top-k (`-- @ prefilter: m` on a relevance order) and ENTITY
 * through the Postgres server: node-postgres and psql get the library's rows,
 * with the same calls (the simulator's counters).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { psql } from './py-client.js';

const psqlTest = requires(test, 'psql');

let f: ServerFixture;

// 300 rows; three hold the topic's words, 3, 2 and 1 of them: one known top 3.
const DOCS = `CREATE TABLE docs AS SELECT range::INTEGER AS id,
  CASE range WHEN 17 THEN 'solar lantern kettle' WHEN 90 THEN 'solar lantern' WHEN 151 THEN 'solar'
  ELSE printf('row%04d note%04d', range, range) END AS body FROM range(300)`;
const PEOPLE = `CREATE TABLE people AS SELECT * FROM (VALUES
  (1, 'Maria Kowalczyk, Brightline Labs'), (2, 'maria kowalczyk brightline labs'),
  (3, 'Tomas Ferreira, Quillon Foods'), (4, 'Ferreira Tomas Quillon'), (5, 'Anna Berg, Velora Studio')) v(id, name)`;
// One call per tuple (-- @ batch: 1): the prefilter's 10 candidates show as 10 calls; issue 67 packs
// unannotated statements (10 candidates, one call).
const TOPK = `-- @ prefilter: 10
-- @ batch: 1
-- @ cache: false
SELECT id FROM docs ORDER BY body RELEVANCE TO 'solar lantern kettle' LIMIT 3`;
const ENTITIES = `-- @ cache: false
SELECT ENTITY(name) AS who, count(*)::INTEGER AS n FROM people GROUP BY 1 ORDER BY 1`;

test.before(async () => {
  f = await startServerFixture();
  await f.engine.query(`${DOCS}; ${PEOPLE}`);
});
test.after(async () => {
  await f.close();
});

test('top-k: the library rows, 10 model calls, through node-postgres and psql', async () => {
  f.sim.resetStats();
  const lib = (await f.engine.query(TOPK)).rows;
  assert.equal(lib, [{ id: 17 }, { id: 90 }, { id: 151 }]);
  assert.is(f.sim.stats().requests, 10);
  const c = await f.client();
  f.sim.resetStats();
  const wire = await c.query(TOPK);
  assert.equal(wire.rows, lib);
  assert.is(f.sim.stats().requests, 10);
  if (psqlTest.available()) {
    f.sim.resetStats();
    const p = await psql(f.port, ['-At', '-c', TOPK]);
    assert.is(p.code, 0, p.err);
    assert.equal(p.out.trim().split('\n'), ['17', '90', '151']);
    assert.is(f.sim.stats().requests, 10);
  }
});

test('extended protocol: the topic and the criterion as parameters give the same rows and calls', async () => {
  const c = await f.client();
  f.sim.resetStats();
  const topk = await c.query(
    `-- @ prefilter: 10\n-- @ batch: 1\n-- @ cache: false\nSELECT id FROM docs ORDER BY body RELEVANCE TO $1 LIMIT 3`,
    ['solar lantern kettle'],
  );
  assert.equal(topk.rows, [{ id: 17 }, { id: 90 }, { id: 151 }]);
  assert.is(f.sim.stats().requests, 10);
  const groups = await c.query(
    `SELECT ENTITY(name, $1) AS who, count(*)::INTEGER AS n FROM people GROUP BY 1 ORDER BY 1`,
    ['the same person or company'],
  );
  assert.equal(
    groups.rows.map((r) => r.n),
    [1, 2, 2],
  );
});

test('ENTITY: the library groups, through node-postgres and psql; EXPLAIN over the wire', async () => {
  const lib = (await f.engine.query(ENTITIES)).rows;
  assert.equal(lib, [
    { who: 'Anna Berg, Velora Studio', n: 1 },
    { who: 'Maria Kowalczyk, Brightline Labs', n: 2 },
    { who: 'Tomas Ferreira, Quillon Foods', n: 2 },
  ]);
  const c = await f.client();
  assert.equal((await c.query(ENTITIES)).rows, lib);
  const explain = await c.query(`EXPLAIN ${ENTITIES}`);
  // Over the wire EXPLAIN's text is wrapped at 100 columns (for psql): its lines read back joined.
  const plan = Object.fromEntries(
    explain.rows.map((r) => [r.property, String(r.value).replaceAll('\n', ' ')]),
  );
  assert.match(String(plan['functions']), 'entities: 5 distinct values = 10 pairs; at most 10 compared');
  if (psqlTest.available()) {
    const p = await psql(f.port, ['-At', '-F', ',', '-c', ENTITIES]);
    assert.is(p.code, 0, p.err);
    assert.equal(
      p.out.trim().split('\n'),
      lib.map((r) => `${r['who']},${r['n']}`),
    );
  }
});

test.run();
