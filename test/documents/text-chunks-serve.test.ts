/**
 * TEXT_CHUNKS against `rvbbit serve` (default flags, node-postgres), the
 * adversarial round's statements at small sizes, while a client connected
 * before asks `SELECT 1` every 10 ms:
 * - one long word (the round's `repeat('abcde', 6000000)`, here 1 MB) is cut
 *   and answers; the server lives (the token counter's n² merge had grown its
 *   arrays until V8 aborted the process); a text over the configured bound is
 *   DOCUMENT_TOO_LARGE naming it, and the connection goes on;
 * - through a macro (no documents pass: the statement's text does not name
 *   the function), 20 rows of one 16,000-character CJK word each: cut in one
 *   DuckDB call, they held every client 127 s under load, past
 *   statement_timeout; now one call cuts a bounded number of steps and the
 *   rest is refused (DOCUMENT_PARSE_BLOCKS);
 * - through a macro over many short rows, statement_timeout and a cancel
 *   stop the statement (57014), the connection goes on.
 * The other client's longest SELECT 1 stays under 1 s throughout.
 */
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Running, SERVER_START_MS, start, waitFor } from '../cli/helpers.js';
import { CJK, longWord } from '../fixtures/long-words.js';
import { rejection } from '../server/helpers.js';
import { type MainThreadWatch, mainThreadWatch, probed, processCpuMs } from '../server/probe.js';

/** Another client's SELECT 1 must answer within this: the server's main thread is never held this long (CPU). */
const PROMISE_MS = 1_000;

let serve: Running;
let watch: MainThreadWatch;
let port: number;
const clients: pg.Client[] = [];

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'a', database: 'rvbbit', query_timeout: 60_000 });
  c.on('error', () => undefined);
  await c.connect();
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; ms: number }> {
  const began = performance.now();
  const err = await rejection<{ code: string; message: string }>(p);
  return { code: err.code, message: err.message, ms: performance.now() - began };
}

test.before(async () => {
  watch = mainThreadWatch();
  serve = start(['serve', '--sim', '--port', '0', '--max-document-bytes', '2000000'], { env: watch.env });
  await waitFor(serve.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/, SERVER_START_MS);
  port = Number(/127\.0\.0\.1:(\d+)/.exec(serve.out())![1]);
});

test.after(async () => {
  await Promise.allSettled(clients.map((c) => c.end()));
  serve.child.kill('SIGTERM');
  await serve.done;
  watch.close();
});

test('one 1 MB word is cut and answers, the server lives; over the bound, DOCUMENT_TOO_LARGE naming it', async () => {
  const probe = await connect();
  const c = await connect();
  const r = await probed(probe, watch, async () => {
    const { rows } = await c.query(`SELECT len(TEXT_CHUNKS(repeat('abcde', 200000), 100))::INTEGER AS n`);
    // Inside a word it is cut between code points, each chunk at most 100 of them.
    return rows;
  });
  assert.equal(r.value, [{ n: 10_000 }]);
  assert.ok(
    r.held.cpuMs < PROMISE_MS,
    `the server's main thread ran ${Math.round(r.held.cpuMs)} ms of CPU in one turn`,
  );
  const big = await failure(c.query(`SELECT len(TEXT_CHUNKS(repeat('abcde', 600000), 100)) AS n`));
  assert.is(big.code, '54000');
  assert.match(
    big.message,
    /^TEXT_CHUNKS: the text is 2\.9 MiB \(3000000 bytes\); documents are limited to 1\.9 MiB \(2000000 bytes; engine option maxDocumentBytes, --max-document-bytes\)/,
  );
  assert.equal((await c.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
  assert.is(serve.child.exitCode, null);
});

test('a macro over 20 rows of one 16,000-character CJK word: refused after a bounded cut, not held; others answer', async () => {
  const probe = clients[0]!;
  const c = await connect();
  await c.query('CREATE TABLE cjk (i INTEGER, t VARCHAR)');
  for (let i = 0; i < 20; i++)
    await c.query('INSERT INTO cjk VALUES ($1, $2)', [i, longWord(CJK, 16_000, 100 + i)]);
  await c.query('CREATE MACRO chunks_of(t) AS TEXT_CHUNKS(t, 100)');
  // A guard against the old hold (127 s under load), not the bound: that is the main thread's CPU per
  // turn below. At 3 s the bounded cut itself outlasted it at load 15 (57014 where 0A000 was due).
  await c.query(`SET statement_timeout = '60s'`);
  const r = await probed(probe, watch, () =>
    failure(c.query('SELECT sum(len(chunks_of(t)))::INTEGER AS n FROM cjk')),
  );
  assert.is(r.value.code, '0A000', r.value.message);
  assert.match(
    r.value.message,
    /^TEXT_CHUNKS: cutting this text \(16000 characters\) would run inside DuckDB's call here \(a write inside an open transaction, a view or macro that calls the function/,
  );
  assert.ok(
    r.held.cpuMs < PROMISE_MS,
    `the server's main thread ran ${Math.round(r.held.cpuMs)} ms of CPU in one turn`,
  );
  // Named in the statement's text, the same rows run as a documents pass: cut on the parser thread.
  await c.query('SET statement_timeout = 0');
  const { rows } = await c.query(
    'SELECT count(*)::INTEGER AS rows, min(len(TEXT_CHUNKS(t, 100))) > 0 AS cut FROM cjk',
  );
  assert.equal(rows, [{ rows: 20, cut: true }]);
});

test('a macro over 10 million short rows: statement_timeout and a cancel stop it (57014), the connection goes on', async () => {
  const probe = clients[0]!;
  const c = await connect();
  await c.query(`CREATE MACRO short_chunks(t) AS TEXT_CHUNKS(t, 8)`);
  const many = `SELECT sum(len(short_chunks('row number ' || range || ' of many'))) AS n FROM range(10000000)`;
  await c.query(`SET statement_timeout = '1s'`);
  const timedOut = await probed(probe, watch, () => failure(c.query(many)));
  assert.is(timedOut.value.code, '57014', timedOut.value.message);
  assert.ok(
    timedOut.held.cpuMs < PROMISE_MS,
    `the server's main thread ran ${Math.round(timedOut.held.cpuMs)} ms of CPU in one turn`,
  );
  await c.query(`SET statement_timeout = 0`);
  const ids = c as unknown as { processID: number };
  const cancelled = await probed(probe, watch, async () => {
    const running = failure(c.query(many));
    await new Promise((r) => setTimeout(r, 1_000));
    const cpuAtCancel = processCpuMs(serve.child.pid!);
    await probe.query(`SELECT pg_cancel_backend(${ids.processID})`);
    const err = await running;
    return { ...err, cpuAfterCancelMs: processCpuMs(serve.child.pid!) - cpuAtCancel };
  });
  assert.is(cancelled.value.code, '57014', cancelled.value.message);
  // The server's CPU from the cancel to the error: a statement the cancel did not stop runs on.
  assert.ok(
    cancelled.value.cpuAfterCancelMs < PROMISE_MS,
    `the server spent ${cancelled.value.cpuAfterCancelMs} ms of CPU from the cancel to the error`,
  );
  assert.ok(
    cancelled.held.cpuMs < PROMISE_MS,
    `the server's main thread ran ${Math.round(cancelled.held.cpuMs)} ms of CPU in one turn`,
  );
  assert.equal((await c.query('SELECT 3 AS three')).rows, [{ three: 3 }]);
});

test.run();
