/**
 * `rvbbit query --db file`: a semantic function created by one run is used by
 * the next (stored in the database), a refused definition prints its code
 * and caret and exits 1, `rvbbit cascades list --db` lists the stored
 * functions, and DROP removes it for the runs after.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator } from '../../src/sim/index.js';
import { rvbbit } from './helpers.js';

test('create in one run, use in the next, list, refuse, drop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-cli-sqlfn-'));
  const sim = await startSimulator();
  const db = join(dir, 'fn.duckdb');
  const query = (sql: string) =>
    rvbbit(['query', '--db', db, '--provider-url', sim.url, '--model', 'sim-small', '--format', 'csv', sql]);
  try {
    const made = await query(
      `CREATE TABLE t AS SELECT * FROM (VALUES (1, 'apple'), (2, 'car')) v(id, x);
       CREATE SEMANTIC FUNCTION is_fruit(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} a kind of fruit?'`,
    );
    assert.is(made.code, 0, made.err);
    const used = await query('SELECT id, is_fruit(x) IS NOT NULL AS answered FROM t ORDER BY id');
    assert.is(used.code, 0, used.err);
    assert.equal(used.out.trim().split('\n'), ['id,answered', '1,true', '2,true']);
    // One packed call for the 2 rows: unannotated statements pack since issue 67 (was 2, one per row).
    assert.is(sim.stats().requests, 1);
    // An empty folder of files: the listing is the database's functions alone.
    mkdirSync(join(dir, 'empty'));
    const listed = await rvbbit(['cascades', 'list', '--db', db, join(dir, 'empty')]);
    assert.is(listed.code, 0, listed.err);
    assert.match(listed.out, /\(1 cascade\)/);
    assert.match(listed.out, /rvbbit\.semantic_functions\.is_fruit/);
    assert.match(listed.out, /is_fruit \(scalar, sql\)/);
    const bad = await query(`CREATE SEMANTIC FUNCTION g(x VARCHRR) RETURNS BOOLEAN AS '{{ x }}'`);
    assert.is(bad.code, 1);
    assert.match(bad.err, /type VARCHRR does not exist/);
    assert.match(bad.err, /SQLFN_BAD_TYPE/);
    const dropped = await query('DROP SEMANTIC FUNCTION is_fruit');
    assert.is(dropped.code, 0, dropped.err);
    const gone = await query('SELECT is_fruit(x) FROM t');
    assert.is(gone.code, 1);
    assert.match(gone.err, /is_fruit does not exist/);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
