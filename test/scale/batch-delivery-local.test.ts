/**
 * A statement delivered through the provider's Batch API runs on the local
 * pool even when the engine has a queue: the batch is one provider-side job
 * whose id this engine keeps (engine.ts, runner()). Its EXPLAIN shows no
 * distributed plan; a sync statement's chunks still go to the queue.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Engine } from '../../src/index.js';
import { QueueChunkRunner } from '../../src/scale/queue-runner.js';
import { CascadePool } from '../../src/thread/cascade-pool.js';
import { requires } from '../requires.js';
import { type ScaleFixture, startScale } from './scale-fixture.js';

const t = requires(
  suite<{ f: ScaleFixture; coord: Engine }>('scale: batch delivery stays local'),
  'redis-server',
);

t.before(async (ctx) => {
  ctx.f = await startScale(0);
  ctx.coord = await ctx.f.coordinator();
});
t.after(async (ctx) => {
  await ctx.f?.close();
});

const MAP = `RVBBIT MAP PARALLEL 8 'label' USING (SELECT i AS id, 'product ' || i AS text FROM range(4) t(i))`;
const props = (rows: readonly Record<string, unknown>[]) =>
  Object.fromEntries(rows.map((r) => [String(r.property), String(r.value)]));

t('the engine hands a batch statement the local pool, any other the queue', ({ coord }) => {
  assert.ok(coord.shared.pool() instanceof QueueChunkRunner);
  assert.ok(coord.shared.pool({}) instanceof QueueChunkRunner);
  assert.ok(coord.shared.pool({ delivery: 'batch' }) instanceof CascadePool);
  assert.is(coord.shared.pool({ delivery: 'batch' }), coord.shared.pool({ delivery: 'batch' }));
});

t(
  'EXPLAIN: a sync MAP is distributed; a batch MAP or operator statement is answered here',
  async ({ f, coord }) => {
    const sync = props((await coord.query(`EXPLAIN ${MAP}`)).rows);
    assert.match(sync.distributed!, /^chunk jobs on BullMQ queue 'rvbbit-chunks' at /);
    assert.is(sync.answered_by, `rvbbit workers via ${f.redis.url}`);
    const batch = props((await coord.query(`EXPLAIN ${MAP} WITH (delivery = 'batch')`)).rows);
    assert.is(batch.delivery, 'batch (provider Batch API, answers within 24 h)');
    assert.equal(
      [batch.distributed, batch.workers, batch.chunk_size, batch.answered_by],
      [undefined, undefined, undefined, new URL(f.sim.url).host],
    );
    await coord.query(`CREATE TABLE notes AS SELECT * FROM (VALUES (1, 'eco bottle')) v(id, body)`);
    const op = props(
      (await coord.query(`-- @ delivery: batch\nEXPLAIN SELECT id FROM notes WHERE body MEANS 'eco'`)).rows,
    );
    assert.equal(
      [op.delivery, op.distributed, op.answered_by],
      [batch.delivery, undefined, batch.answered_by],
    );
  },
);

t.run();
