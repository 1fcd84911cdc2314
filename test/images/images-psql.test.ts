/**
 * Images through the Postgres-wire server with the real psql: the server's
 * engine allows one image folder; a MEANS filter and a MAP over the 50
 * generated PNGs, from a BLOB column and from files, give the library's
 * rows; a client cannot read a file outside the folder through IMAGE()
 * (42501), and the server's file guard does not stand in the way of the
 * files inside it. A server without an image folder refuses every path.
 */
import { rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine, startServer, startSimulator } from '../../src/index.js';
import type { ServerHandle } from '../../src/server/index.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { requires } from '../requires.js';
import { psql } from '../server/py-client.js';
import { IMAGE_CASCADES, IMAGES, imageFolder, loadImageTables, RED_IDS } from './fifty.js';

const psqlTest = requires(test, 'psql');

let sim: SimulatorHandle;
let engine: Engine;
let server: ServerHandle;
let dir: string;

const sql = (port: number, text: string) => psql(port, ['-At', '-v', 'VERBOSITY=verbose', '-c', text]);

psqlTest.before(async () => {
  dir = imageFolder();
  sim = await startSimulator({});
  engine = await createEngine({
    provider: { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 100 },
    cascadeRoots: [IMAGE_CASCADES],
    imageFolders: [dir],
    threads: 2,
  });
  await loadImageTables(engine);
  server = await startServer({ engine, port: 0 });
});
psqlTest.after(async () => {
  await server.close();
  await engine.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

psqlTest(
  'psql: WHERE IMAGE(png) MEANS ‘red’ over the BLOB column, then over the files: the red ids, 4 packed calls each',
  async () => {
    for (const from of ['imgs WHERE IMAGE(png)', 'files WHERE IMAGE(path)']) {
      const before = sim.stats().requests;
      const r = await sql(server.port, `-- @ cache: false\nSELECT id FROM ${from} MEANS 'red' ORDER BY id`);
      assert.is(r.code, 0, r.err);
      assert.equal(r.out.trim().split('\n').map(Number), RED_IDS);
      // 4 calls (was 50, one per image): unannotated statements pack since issue 67: 16 images a prompt, 50 in 16 + 16 + 16 + 2.
      assert.is(sim.stats().requests - before, 4);
    }
  },
);

psqlTest('psql: a MAP over the 50 files gives each colour and shape', async () => {
  const before = sim.stats().requests;
  const r = await sql(
    server.port,
    `RVBBIT MAP PARALLEL 8 'photo_traits.yaml' AS (colour VARCHAR, shape VARCHAR)
     USING (SELECT id, IMAGE(path) AS photo FROM files ORDER BY id) WITH (cache = false)`,
  );
  assert.is(r.code, 0, r.err);
  const rows = r.out
    .trim()
    .split('\n')
    .map((line) => {
      // A streamed MAP's last column is `_error` (empty: no row failed).
      const cells = line.split('|');
      assert.is(cells.at(-1), '', line);
      return [Number(cells[0]), cells.at(-3), cells.at(-2)];
    });
  assert.equal(
    rows,
    IMAGES.map((m) => [m.id, m.colour, m.shape]),
  );
  assert.is(sim.stats().requests - before, 50);
});

psqlTest(
  'psql: IMAGE() of a file outside the folder is refused with 42501, before any file is read',
  async () => {
    for (const path of ['/etc/passwd', `${dir}/../../etc/passwd`, '../img-1.png']) {
      const r = await sql(server.port, `SELECT IMAGE('${path}')`);
      assert.is(r.code, 1);
      assert.match(r.err, /ERROR: {2}42501: IMAGE: file .* is outside the allowed image folders/);
    }
    const many = await sql(
      server.port,
      `SELECT id FROM files WHERE IMAGE(CASE WHEN id = 7 THEN '/etc/hostname' ELSE path END) MEANS 'red'`,
    );
    assert.is(many.code, 1);
    assert.match(many.err, /42501: IMAGE: file \/etc\/hostname is outside the allowed image folders/);
    const missing = await sql(server.port, `SELECT IMAGE('nope.png')`);
    assert.match(missing.err, /ERROR: {2}58030: IMAGE: no such file: nope\.png/);
  },
);

psqlTest('a server whose engine has no image folder refuses every path, and still takes BLOBs', async () => {
  const bare = await createEngine({ provider: { baseUrl: sim.url, model: 'sim-small' }, threads: 1 });
  const s = await startServer({ engine: bare, port: 0 });
  try {
    const r = await sql(s.port, `SELECT IMAGE('${dir}/img-1.png')`);
    assert.is(r.code, 1);
    assert.match(r.err, /42501: IMAGE: reading image files is not allowed: no image folder is configured/);
    const blob = await sql(s.port, `SELECT IMAGE(from_hex('${IMAGES[0]!.png.toString('hex')}')) MEANS 'red'`);
    assert.is(blob.code, 0, blob.err);
    assert.is(blob.out.trim(), 't');
  } finally {
    await s.close();
    await bare.close();
  }
});

test.run();
