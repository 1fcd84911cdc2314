/**
 * Server clients reach no file on the server and change no shared setting
 * unless the operator opens them: reads, COPY to a file, ATTACH, INSTALL and
 * SET of an access or shared setting are refused with 42501; --allow-files
 * opens one folder; the server's own work (MAPs, logs) goes on.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejection, startServerFixture } from './helpers.js';

const REFUSED = [
  `SELECT * FROM read_csv('/etc/passwd')`,
  `SELECT * FROM read_text('/etc/hostname')`,
  `SELECT * FROM glob('/etc/*')`,
  `COPY (SELECT 1 AS x) TO '/tmp/rvbbit-client-access-x.csv'`,
  `ATTACH '/tmp/rvbbit-client-access.duckdb' AS other`,
  'INSTALL httpfs',
];

test('by default a client reads and writes no server file (42501), and its session goes on', async () => {
  const f = await startServerFixture();
  const c = await f.client();
  for (const sql of REFUSED) {
    const err = await rejection(c.query(sql));
    assert.is(err.code, '42501', `${sql}: ${err.message}`);
    assert.match(err.message, /disabled by configuration/, sql);
  }
  // The data the operator loaded is there, and a MAP runs and is logged.
  const rows = await c.query(
    `RVBBIT MAP 'traits/extract_brand.yaml' AS brand USING (SELECT product_name FROM products LIMIT 2)`,
  );
  assert.is(rows.rows.length, 2);
  const logged = await c.query(`SELECT count(*)::INT AS n FROM rvbbit.unified_logs`);
  assert.is(logged.rows[0].n, 2);
  await f.close();
});

test('a client cannot change access or a setting every session shares; its own settings are fine', async () => {
  const f = await startServerFixture();
  const c = await f.client();
  for (const sql of [
    'SET enable_external_access = true',
    'SET GLOBAL threads = 1',
    `SET memory_limit = '1GB'`,
    `SET TimeZone = 'UTC'`,
    `PRAGMA threads = 1`,
    `-- a comment first\nSET "threads" TO 1`,
  ]) {
    const err = await rejection(c.query(sql));
    assert.is(err.code, '42501', sql);
    assert.match(err.message, /^permission denied to set parameter "\w+"/, sql);
    // Through the extended protocol too (a named statement): a portal streams its rows, never around the check.
    const prepared = await rejection(c.query({ name: `p${sql.length}`, text: sql, values: [] }));
    assert.is(prepared.code, '42501', `prepared: ${sql}`);
  }
  await c.query(`SET search_path = 'main'`);
  await c.query(`SET VARIABLE mine = 42`);
  assert.equal((await c.query(`SELECT getvariable('mine') AS v`)).rows, [{ v: 42 }]);
  await f.close();
});

test('allowFiles opens one folder (and what is under it), nothing else', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-allowed-'));
  writeFileSync(join(dir, 'in.csv'), 'a,b\n1,x\n2,y\n');
  const f = await startServerFixture({ allowFiles: [dir] });
  const c = await f.client();
  assert.equal((await c.query(`SELECT a::INT AS a, b FROM read_csv('${dir}/in.csv') ORDER BY a`)).rows, [
    { a: 1, b: 'x' },
    { a: 2, b: 'y' },
  ]);
  await c.query(`COPY (SELECT 3 AS a) TO '${dir}/out.csv'`);
  assert.equal((await c.query(`SELECT a::INT AS a FROM read_csv('${dir}/out.csv')`)).rows, [{ a: 3 }]);
  // A sibling folder whose name starts the same is not under it.
  const err = await rejection(c.query(`SELECT * FROM read_csv('${dir}-other/in.csv')`));
  assert.is(err.code, '42501');
  assert.is((await rejection(c.query(`SELECT * FROM read_csv('/etc/passwd')`))).code, '42501');
  await f.close();
});

test("allowFiles 'all' keeps DuckDB's full access (trusted clients)", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-all-'));
  writeFileSync(join(dir, 'in.csv'), 'a\n7\n');
  const f = await startServerFixture({ allowFiles: 'all' });
  const c = await f.client();
  assert.equal((await c.query(`SELECT a::INT AS a FROM read_csv('${dir}/in.csv')`)).rows, [{ a: 7 }]);
  // Shared settings stay the operator's even then.
  assert.is((await rejection(c.query('SET threads = 1'))).code, '42501');
  await f.close();
});

test('startServer rejects allowFiles that are not absolute folders', async () => {
  const { createEngine } = await import('../../src/index.js');
  const { startServer } = await import('../../src/server/index.js');
  const engine = await createEngine();
  const err = await rejection(startServer({ engine, port: 0, allowFiles: ['relative/dir'] }));
  assert.is((err as unknown as { code: string }).code, 'SERVER_OPTION');
  await engine.close();
});

test.run();
