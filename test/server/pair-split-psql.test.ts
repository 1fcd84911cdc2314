/**
 * The pair split over psql (issue 68): a statement sent by real psql runs the
 * split as the library does (test/semantic/pair-split.test.ts: "opposite
 * sentiments" over 48 × 48 test reviews, 2,208 pairs), its `-- @ pair_split`
 * annotation read from the statement's text, and unsaid it is priced beside
 * the pair plans and the small side runs. Real psql (skipped without it,
 * test/requires.ts); calls are the simulator's count.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { ROOT, type ServerFixture, startServerFixture } from './helpers.js';
import { psql } from './py-client.js';

const psqlTest = requires(test, 'psql');
let f: ServerFixture;

psqlTest.before(async () => {
  f = await startServerFixture();
  // The server has turned DuckDB's file access off: the test reviews go in as values.
  const rows = parse(readFileSync(`${ROOT}examples/data/reviews.csv`), { columns: true }) as {
    id: string;
    review: string;
  }[];
  const values = rows.map((r) => `(${Number(r.id)}, '${r.review.replace(/'/g, "''")}')`).join(', ');
  await f.engine.query(`CREATE TABLE reviews AS SELECT * FROM (VALUES ${values}) v(id, review)`);
});
psqlTest.after(async () => {
  await f.close();
});

const OPPOSITE = `SELECT count(*) FROM reviews a JOIN reviews b
  ON LLM_FILTER('The two reviews express opposite sentiments', a.review, b.review)
  WHERE a.id <= 48 AND b.id > 100 AND b.id <= 148`;

async function viaPsql(sql: string) {
  const before = f.sim.stats().requests;
  const r = await psql(f.port, ['-A', '-t', '-c', sql], undefined, 'rvbbit');
  const [q] = (
    await f.engine.query(
      `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
    )
  ).rows;
  return {
    out: r.out.trim(),
    err: r.err.split('\n').filter((l) => l !== '' && !l.startsWith('NOTICE:  rvbbit progress: ')),
    calls: f.sim.stats().requests - before,
    strategy: String(q?.['strategy']),
  };
}

psqlTest(
  '-- @ pair_split: on over psql: the 901 pairs of 2,208 from labels compared, 13 calls as from the library',
  async () => {
    const split = await viaPsql(`-- @ cache: false\n-- @ pair_split: on\n${OPPOSITE}`);
    assert.equal(split.err, []);
    assert.is(split.out, '901');
    // 1 question, 93 values labelled in 6 prompts, the check's 84 pairs in 6.
    assert.is(split.calls, 13);
    assert.match(
      split.strategy,
      'ran as labels positive/negative/neutral compared by <> between positive/negative: 93 values labelled; sample of 84 pairs agreed on 84',
    );
  },
);

psqlTest(
  'unsaid over psql: the split is priced over the small side, which runs (3 calls); pair_split: off the same',
  async () => {
    const planned = await viaPsql(`-- @ cache: false\n${OPPOSITE}`);
    assert.equal(planned.err, []);
    assert.is(planned.out, '901');
    assert.is(planned.calls, 3);
    assert.match(planned.strategy, 'not split: dearer than small side');
    const off = await viaPsql(`-- @ cache: false\n-- @ pair_split: off\n${OPPOSITE}`);
    assert.is(off.out, '901');
    assert.is(off.calls, 3);
    assert.match(off.strategy, 'not split: off (-- @ pair_split: off');
  },
);

test.run();
