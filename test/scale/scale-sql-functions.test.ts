/**
 * A semantic function defined in SQL runs on `rvbbit worker` hosts, which
 * have no file of it: the job carries its cascade text. The rows are those a
 * local run gives, the calls are made by the worker, and a replaced
 * definition reaches the worker as new text (new answers, no stale cascade).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Engine } from '../../src/index.js';
import { requires } from '../requires.js';
import { type ScaleFixture, startScale } from './scale-fixture.js';

const t = requires(
  suite<{ f: ScaleFixture; coord: Engine; local: Engine }>('scale: a SQL-defined function on a worker'),
  'redis-server',
);

t.before(async (ctx) => {
  ctx.f = await startScale(1, { latencyMs: 5 });
  ctx.coord = await ctx.f.coordinator();
  ctx.local = await ctx.f.local();
});
t.after(async (ctx) => {
  await ctx.f?.close();
});

const TABLE = `CREATE TABLE docs AS SELECT * FROM (VALUES
  (1, 'recycled eco friendly water bottle'), (2, 'light running shoe for trail runs'),
  (3, 'battery pack that charges a phone'), (4, 'eco friendly bamboo toothbrush'),
  (5, 'sharp steel kitchen knife'), (6, 'solar panel charger, eco friendly energy')
) v(id, body)`;

const define = (prompt: string, replace = false) =>
  `CREATE ${replace ? 'OR REPLACE ' : ''}SEMANTIC FUNCTION green(a VARCHAR, b VARCHAR) RETURNS BOOLEAN OPERATOR 'GREENER'
     AS '${prompt}'`;
const Q = `-- @ cache: false\nSELECT id FROM docs WHERE body GREENER 'eco friendly' ORDER BY id`;

t('the worker runs the function from the job text; OR REPLACE reaches it', async ({ f, coord, local }) => {
  for (const e of [coord, local]) {
    await e.query(TABLE);
    await e.query(define('Is {{ a }} as green as {{ b }}?'));
  }
  const here = await local.query(Q);
  f.sim.resetStats();
  const there = await coord.query(Q);
  assert.equal(there.rows, here.rows);
  // One packed call for the 6 rows, made on the worker: unannotated statements pack since issue 67 (was 6).
  assert.is(f.sim.stats().requests, 1);
  const q = await coord.query(
    `SELECT chunks_by FROM rvbbit.queries WHERE text LIKE '%GREENER%' ORDER BY started_at DESC LIMIT 1`,
  );
  const chunks = JSON.parse(String(q.rows[0]!['chunks_by'])) as Record<string, number>;
  assert.is(Object.keys(chunks).length, 1);
  assert.ok(Object.values(chunks)[0]! > 0);
  // A question with other answers in the simulator's one world (the word-overlap question
  // 'Does {{ a }} mention {{ b }} in so many words?' now answers as the first does).
  for (const e of [coord, local])
    await e.query(define('Is {{ a }} a kitchen tool, whatever {{ b }} says?', true));
  const hereAfter = await local.query(Q);
  f.sim.resetStats();
  const thereAfter = await coord.query(Q);
  assert.equal(thereAfter.rows, hereAfter.rows);
  // One packed call (was 6), as above.
  assert.is(f.sim.stats().requests, 1);
  assert.not.equal(hereAfter.rows, here.rows);
});

t.run();
