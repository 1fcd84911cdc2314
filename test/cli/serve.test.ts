import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rvbbit, SERVER_START_MS, start, waitFor } from './helpers.js';

test('rvbbit serve --port 0 prints its address, serves clients, and stops on SIGTERM', async () => {
  const run = start(['serve', '--port', '0', '--sim', '--log-queries']);
  await waitFor(run.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/);
  assert.match(
    run.out(),
    /^rvbbit server listening on postgresql:\/\/127\.0\.0\.1:\d+ \(LLM: simulator\)\n$/,
  );
  const port = Number(/:(\d+) /.exec(run.out())![1]);
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'cli', database: 'rvbbit' });
  await c.connect();
  assert.equal((await c.query('SELECT 40 + 2 AS answer')).rows, [{ answer: 42 }]);
  await c.end();
  assert.match(run.err(), /\] SELECT 40 \+ 2 AS answer\n/);
  run.child.kill('SIGTERM');
  assert.is((await run.done).code, 0);
});

test('rvbbit serve refuses a non-loopback address without a password', async () => {
  const r = await rvbbit(['serve', '--host', '0.0.0.0', '--port', '0', '--sim']);
  assert.is(r.code, 1);
  assert.match(r.err, /^refusing to listen on 0\.0\.0\.0 without a password: set --password/);
});

test('rvbbit serve --password requires it (SCRAM-SHA-256)', async () => {
  const run = start(['serve', '--port', '0', '--sim', '--password', 'hunter2']);
  await waitFor(run.out, /listening on/);
  const port = Number(/:(\d+) /.exec(run.out())![1]);
  const bad = new pg.Client({ host: '127.0.0.1', port, user: 'cli', password: 'nope' });
  const err = await bad.connect().then(
    () => undefined,
    (e: { code: string }) => e,
  );
  assert.is(err?.code, '28P01');
  const good = new pg.Client({ host: '127.0.0.1', port, user: 'cli', password: 'hunter2' });
  await good.connect();
  assert.equal((await good.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
  await good.end();
  run.child.kill('SIGTERM');
  await run.done;
});

test('rvbbit serve --password-file (first line, trimmed) and --allow-files open what they say', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-serve-'));
  writeFileSync(join(dir, 'pw'), 'from-a-file\n');
  writeFileSync(join(dir, 'in.csv'), 'a\n5\n');
  const run = start([
    'serve',
    '--port',
    '0',
    '--sim',
    '--password-file',
    join(dir, 'pw'),
    '--allow-files',
    dir,
  ]);
  await waitFor(run.out, /listening on/);
  const port = Number(/:(\d+) /.exec(run.out())![1]);
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'cli', password: 'from-a-file' });
  await c.connect();
  assert.equal((await c.query(`SELECT a::INT AS a FROM read_csv('${dir}/in.csv')`)).rows, [{ a: 5 }]);
  const refused = await c.query(`SELECT * FROM read_csv('/etc/passwd')`).then(
    () => undefined,
    (e: { code: string }) => e,
  );
  assert.is(refused?.code, '42501');
  await c.end();
  run.child.kill('SIGTERM');
  await run.done;
});

test('rvbbit serve takes RVBBIT_PASSWORD, and refuses an empty password file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-serve-'));
  writeFileSync(join(dir, 'empty'), '\n');
  const empty = await rvbbit(['serve', '--port', '0', '--sim', '--password-file', join(dir, 'empty')]);
  assert.is(empty.code, 1);
  assert.match(empty.err, /--password-file .*empty: the file is empty/);
  const run = start(['serve', '--port', '0', '--sim'], { env: { RVBBIT_PASSWORD: 'env-pw' } });
  // Its stderr and exit code with a timeout: once (CI, load ~3) it printed nothing for 120 s.
  let exited = 'running';
  void run.done.then((r) => {
    exited = `exited ${r.code}`;
  });
  await waitFor(run.out, /listening on/, SERVER_START_MS, () => `${exited}, stderr: ${run.err()}`);
  const port = Number(/:(\d+) /.exec(run.out())![1]);
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'cli', password: 'env-pw' });
  await c.connect();
  assert.equal((await c.query('SELECT 2 AS x')).rows, [{ x: 2 }]);
  await c.end();
  run.child.kill('SIGTERM');
  await run.done;
});

test('rvbbit serve --read-only-functions refuses CREATE and writes of rvbbit.semantic_functions (42501); SELECT runs', async () => {
  const run = start(['serve', '--port', '0', '--sim', '--read-only-functions']);
  await waitFor(run.out, /listening on/);
  const port = Number(/:(\d+) /.exec(run.out())![1]);
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'cli', database: 'rvbbit' });
  await c.connect();
  const codeOf = (sql: string, values?: unknown[]) =>
    c.query(sql, values).then(
      () => 'ok',
      (e: { code: string }) => e.code,
    );
  assert.equal(
    [
      await codeOf(`CREATE SEMANTIC FUNCTION f(x VARCHAR) RETURNS BOOLEAN AS '{{ x }}'`),
      await codeOf(`INSERT INTO rvbbit.semantic_functions (name, definition) VALUES ($1, $2)`, ['f', 'x']),
      await codeOf(`ALTER TABLE "rvbbit"."semantic_functions" RENAME TO kept`),
    ],
    ['42501', '42501', '42501'],
  );
  assert.equal((await c.query('SELECT count(*)::INT AS n FROM rvbbit.semantic_functions')).rows, [{ n: 0 }]);
  await c.end();
  run.child.kill('SIGTERM');
  assert.is((await run.done).code, 0);
});

test.run();
