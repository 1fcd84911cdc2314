/**
 * Image files under a queue (`--redis`): IMAGE('path') writes a marker that
 * names a file of this host's image folders, which an `rvbbit worker`
 * elsewhere may not see; so chunks whose rows name one run on the
 * coordinator (under the statement's PARALLEL tokens), and the others still
 * go to the workers. Real redis-server, a real `rvbbit worker`, the
 * simulator.
 */
import { rmSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Engine } from '../../src/index.js';
import { requires } from '../requires.js';
import { type ScaleFixture, startScale } from '../scale/scale-fixture.js';
import { imageFolder, loadImageTables, RED_IDS } from './fifty.js';

const t = requires(
  suite<{ f: ScaleFixture; coord: Engine; dir: string }>('images under a queue'),
  'redis-server',
);

t.before(async (ctx) => {
  ctx.dir = imageFolder();
  ctx.f = await startScale(1);
  ctx.coord = await ctx.f.coordinator({}, { imageFolders: [ctx.dir] });
  await loadImageTables(ctx.coord);
});
t.after(async (ctx) => {
  await ctx.f?.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

const chunksBy = async (coord: Engine) =>
  (await coord.query(`SELECT chunks_by FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1`)).rows[0]!
    .chunks_by;

t(
  'rows naming image files run on the coordinator, exactly right; rows without go to the worker',
  async ({ f, coord }) => {
    f.sim.resetStats();
    const r = await coord.query(
      `-- @ cache: false\n-- @ parallel: 8\nSELECT id FROM files WHERE IMAGE(path) MEANS 'red' ORDER BY id`,
    );
    assert.equal(
      r.rows.map((x) => Number(x.id)),
      RED_IDS,
    );
    // 4 calls (was 50, one per image): unannotated statements pack since issue 67: 16 images a prompt, 50 in 16 + 16 + 16 + 2.
    assert.is(f.sim.stats().requests, 4);
    assert.is(await chunksBy(coord), null);
    // The same statement over the BLOB column (data URLs travel in the job): the worker runs it.
    const blobs = await coord.query(
      `-- @ cache: false\n-- @ parallel: 8\nSELECT id FROM imgs WHERE IMAGE(png) MEANS 'red' ORDER BY id`,
    );
    assert.equal(
      blobs.rows.map((x) => Number(x.id)),
      RED_IDS,
    );
    const ran = JSON.parse(String(await chunksBy(coord))) as Record<string, number>;
    assert.ok(Object.values(ran).reduce((s, n) => s + n, 0) > 0, JSON.stringify(ran));
  },
);

t.run();
