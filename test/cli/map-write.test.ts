/**
 * `rvbbit query` runs `INSERT INTO … RVBBIT MAP` and `COPY (RVBBIT MAP …) TO`
 * into a database file (issue 66): printed as a plain INSERT or COPY is (a
 * count prints nothing in csv), the rows in the table and the file in input order. Spawned CLI, real simulator.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator } from '../../src/sim/index.js';
import { dbOnSimulator, rvbbit } from './helpers.js';

const N = 30;
const MAP = `RVBBIT MAP PARALLEL 4 'traits/extract_brand.yaml' AS (brand VARCHAR)
  USING (SELECT range::INT AS id, 'Brand' || range || ' phone' AS product_name FROM range(${N}))
  WITH (cache = false, limit = 0)`;

test('INSERT and COPY of a MAP run as statements of a script; the table and the file hold every row in input order', async () => {
  const sim = await startSimulator({});
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-cli-map-write-'));
  try {
    const db = join(dir, 'w.duckdb');
    const csv = join(dir, 'out.csv');
    const r = await rvbbit([
      'query',
      '--format',
      'csv',
      ...dbOnSimulator(db, sim.url),
      `CREATE TABLE t (id INT, product_name VARCHAR, brand VARCHAR);
       INSERT INTO t ${MAP};
       COPY (${MAP}) TO '${csv}' (HEADER);
       SELECT count(*) AS n, bool_and(brand = 'Brand' || id) AS right, min(id) AS lo, max(id) AS hi FROM t`,
    ]);
    assert.is(r.code, 0, r.err);
    const plain = await rvbbit([
      'query',
      '--format',
      'csv',
      '--db',
      db,
      `INSERT INTO t VALUES (-1, 'x', 'y')`,
    ]);
    assert.is(plain.out, '');
    assert.is(r.out, `n,right,lo,hi\n${N},true,0,${N - 1}\n`);
    assert.is(sim.stats().requests, 2 * N);
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    assert.is(lines[0], 'id,product_name,brand');
    assert.equal(
      lines.slice(1),
      Array.from({ length: N }, (_, i) => `${i},Brand${i} phone,Brand${i}`),
    );
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
