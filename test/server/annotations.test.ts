/**
 * `-- @` annotations travel with their statement through the server: the
 * seed query's `-- @ parallel: 5` gives 5 calls in flight on the simulator
 * through psql, psycopg2 (simple protocol) and node-postgres (extended),
 * `-- @ threshold` gives the library's row count, and a free-text hint
 * reaches the prompt. The table's texts are all distinct, so no call is
 * deduplicated away; each case uses its own query text, so none is a cache hit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { psql, psycopg2 } from './py-client.js';

const psqlTest = requires(test, 'psql');
const psycopg2Test = requires(test, 'psycopg2');

let f: ServerFixture;

test.before(async () => {
  f = await startServerFixture({}, { latencyMs: 150, record: true });
  // One table per case, texts distinct across all of them: no call is deduplicated or cached away.
  for (const t of ['a', 'b', 'c', 'd', 'e']) {
    await f.engine.query(
      `CREATE TABLE notes_${t} AS SELECT range AS id, CASE range % 3 WHEN 0 THEN 'SQL is good for AI' WHEN 1 THEN 'SQL is fine' ELSE 'cats and dogs' END || ', note ${t}' || range AS text FROM range(10)`,
    );
  }
});
test.after(async () => {
  await f.close();
});

/**
 * The seed query (seed 004's diagnostic) over one case's table. One call per row (-- @ batch: 1):
 * 10 calls to hold 5 in flight; issue 67 packs unannotated statements (10 rows, one call).
 */
const seed = (table: string) =>
  `-- @ parallel: 5\n-- @ batch: 1\nSELECT id, text ALIGNS 'SQL is good for AI' AS score FROM notes_${table} LIMIT 10`;

/** Counters from zero, and answers held until 5 calls are in flight (src/sim/options.ts gate): "5 in flight" is exact on a busy machine. */
function resetSim(): void {
  f.sim.resetStats();
  f.sim.setOptions({ gate: { requests: 5 } });
}

psqlTest('psql -c: -- @ parallel: 5 puts 5 calls in flight', async () => {
  resetSim();
  const r = await psql(f.port, ['-c', seed('a')]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /\(10 rows\)/);
  assert.is(f.sim.stats().requests, 10);
  assert.is(f.sim.stats().maxInFlight, 5);
});

psycopg2Test('psycopg2: -- @ parallel: 5 puts 5 calls in flight', async () => {
  resetSim();
  const r = await psycopg2(
    f.port,
    `cur = conn.cursor()\ncur.execute(${JSON.stringify(seed('b'))})\nprint(len(cur.fetchall()))`,
  );
  assert.is(r.err, '');
  assert.is(r.out.trim(), '10');
  assert.is(f.sim.stats().requests, 10);
  assert.is(f.sim.stats().maxInFlight, 5);
});

test('node-postgres (extended protocol) and several statements in one simple query keep their annotations', async () => {
  const c = await f.client();
  resetSim();
  assert.is((await c.query({ text: seed('c'), values: [] })).rows.length, 10);
  assert.is(f.sim.stats().maxInFlight, 5);
  resetSim();
  // The second statement's annotation is its own, not cut off with the first statement.
  await c.query(`SELECT 1; ${seed('d')}`);
  assert.is(f.sim.stats().requests, 10);
  assert.is(f.sim.stats().maxInFlight, 5);
});

const threshold = (t: number) =>
  `-- @ threshold: ${t}\nSELECT id FROM notes_a WHERE text ABOUT 'SQL for AI' ORDER BY id`;

test('-- @ threshold gives the same rows through psycopg2 and psql as through the library', async () => {
  const lib = (await f.engine.query(threshold(0.3))).rows.map((r) => Number(r.id));
  const strict = (await f.engine.query(threshold(0.9))).rows.length;
  // The annotation matters: another threshold keeps other rows.
  assert.ok(lib.length > strict, `threshold 0.3 kept ${lib.length} rows, 0.9 kept ${strict}`);
  if (psycopg2Test.available()) {
    const r = await psycopg2(
      f.port,
      `cur = conn.cursor()\ncur.execute(${JSON.stringify(threshold(0.3))})\nprint(json.dumps([r[0] for r in cur.fetchall()]))`,
    );
    assert.equal(JSON.parse(r.out), lib);
  }
  if (psqlTest.available()) {
    const r = await psql(f.port, ['-At', '-c', threshold(0.3)]);
    assert.equal(r.out.trim().split('\n').map(Number), lib);
  }
});

test('a free-text -- @ hint reaches every operator prompt', async () => {
  resetSim();
  // One call per row (-- @ batch: 1): the hint is in each of the 3 prompts, not one packed prompt (issue 67).
  const sql = `-- @ answer as a careful librarian\n-- @ batch: 1\nSELECT id, text ALIGNS 'SQL is good for AI' AS score FROM notes_e WHERE id < 3`;
  if (psycopg2Test.available()) {
    const r = await psycopg2(
      f.port,
      `cur = conn.cursor()\ncur.execute(${JSON.stringify(sql)})\nprint(len(cur.fetchall()))`,
    );
    assert.is(r.out.trim(), '3');
  } else {
    await (await f.client()).query(sql);
  }
  const prompts = f.sim.stats().promptsSeen!;
  assert.is(prompts.length, 3);
  for (const p of prompts) {
    assert.ok(
      p.messages.some((m) => m.content.includes('answer as a careful librarian')),
      'the hint is in the prompt',
    );
  }
});

test.run();
