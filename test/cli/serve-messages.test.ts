/**
 * What `rvbbit serve` says that a user can act on: a port that is taken
 * (which flag picks another, exit status 1, not Node's bare EADDRINUSE), and
 * a client's refused file read (which flag opens a folder), and a misspelt
 * semantic function or operator word (the nearest one as the error's HINT, over
 * the simple and the extended protocol), through node-postgres.
 */
import { createServer } from 'node:net';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PRODUCTS, rvbbit, start, waitFor } from './helpers.js';

test('a port in use: the message names it and --port, exit 1', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const r = await rvbbit(['serve', '--port', String(port)]);
    assert.is(r.code, 1);
    assert.is(r.out, '');
    assert.is(
      r.err,
      `rvbbit serve: cannot listen on 127.0.0.1:${port}: the port is already in use (another server listens there); ` +
        'pick another port with --port N (--port 0 takes any free one; rvbbit.config.yaml: server.port)\n',
    );
  } finally {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }
});

test('a refused file read names --allow-files and --allow-all-files (42501)', async () => {
  const run = start(['serve', '--port', '0', '--sim']);
  let c: pg.Client | undefined;
  try {
    await waitFor(run.out, /listening on/);
    const port = Number(/:(\d+) /.exec(run.out())![1]);
    c = new pg.Client({ host: '127.0.0.1', port, user: 'cli', database: 'rvbbit' });
    c.on('error', () => {}); // the server stopping under a failed assertion is not this test's error
    await c.connect();
    const err = (await c.query(`SELECT count(*) FROM '${PRODUCTS}'`).catch((e: unknown) => e)) as {
      code: string;
      message: string;
    };
    assert.is(err.code, '42501');
    assert.is(
      err.message,
      `Permission Error: Cannot access file "${PRODUCTS}" - file system operations are disabled by configuration` +
        ' (rvbbit serve opens a folder to clients with --allow-files DIR, repeatable, or server.allow_files in rvbbit.config.yaml;' +
        ' every file, extensions and the network with --allow-all-files, for trusted clients only)',
    );
    assert.equal((await c.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
  } finally {
    await c?.end().catch(() => {});
    run.child.kill('SIGTERM');
    await run.done;
  }
});

test('a misspelt semantic function or operator word: the nearest one is the HINT (simple and extended protocol)', async () => {
  const run = start(['serve', '--port', '0', '--sim']);
  const clients: pg.Client[] = [];
  try {
    await waitFor(run.out, /listening on/);
    const port = Number(/:(\d+) /.exec(run.out())![1]);
    for (const extended of [false, true]) {
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'cli', database: 'rvbbit' });
      clients.push(c);
      c.on('error', () => {});
      await c.connect();
      const fn = (await (extended
        ? c.query({ text: "SELECT LLM_FITLER('is it red', $1::VARCHAR)", values: ['apple'] })
        : c.query("SELECT LLM_FITLER('is it red', 'apple')")
      ).catch((e: unknown) => e)) as { code: string; message: string; hint?: string };
      assert.equal(
        { code: fn.code, message: fn.message, hint: fn.hint },
        {
          code: '42P01',
          message: 'Catalog Error: Scalar Function with name llm_fitler does not exist!',
          hint: 'Did you mean "LLM_FILTER"?',
        },
      );
      const op = (await (extended
        ? c.query({ text: "SELECT $1::VARCHAR MEANZ 'fruit'", values: ['apple'] })
        : c.query("SELECT 'apple' MEANZ 'fruit'")
      ).catch((e: unknown) => e)) as { code: string; hint?: string };
      assert.equal(
        { code: op.code, hint: op.hint },
        { code: '42601', hint: 'Did you mean "MEANS"? MEANZ is not a semantic operator' },
      );
      assert.equal((await c.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
    }
  } finally {
    for (const c of clients) await c.end().catch(() => {});
    run.child.kill('SIGTERM');
    await run.done;
  }
});

test.run();
