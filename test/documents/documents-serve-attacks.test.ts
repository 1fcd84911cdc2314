/**
 * `rvbbit serve` against documents built to take it down, through
 * node-postgres: the server process survives each attack statement, each
 * fails alone with its code (54000, naming the bound) or answers exactly,
 * and a client connected before keeps answering `SELECT 1` throughout (the
 * probes answered during each attack are counted, the longest held to the
 * 1 s others-answered.test.ts promises). A bytea parameter, read_blob and
 * a path reach the parser alike. One client's slow document does not hold
 * another's tiny page (it answers while the slow one parses), and a cancel
 * or a statement_timeout stops a parse at once: the server's own CPU time
 * from the cancel to the error is measured, not a wall clock (a parse left
 * running burns a core until its deadline).
 *
 * Small bombs and low caps: --max-document-inflate-bytes 1 MiB,
 * --max-document-bytes 8 MiB, --document-parser-heap-mb 64.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Running, SERVER_START_MS, start, waitFor } from '../cli/helpers.js';
import { rejection } from '../server/helpers.js';
import { type MainThreadWatch, mainThreadWatch, probed, processCpuMs, sendCancel } from '../server/probe.js';
import {
  lyingDocxBomb,
  manyPagePdf,
  nestedHtml,
  pdfFontBomb,
  pdfTextBomb,
  pdfZeroBomb,
  preNewlinesHtml,
} from './attack-documents.js';
import { contractFolder } from './fixtures.js';

const MiB = 1024 * 1024;
/**
 * Another client's SELECT 1 answers within this, whatever the others do (others-answered.test.ts):
 * the server's main thread is never held this long (CPU time, main-thread-watch.mjs).
 */
const PROMISE_MS = 1_000;
/** A parse's deadline here: a parse a cancel did not stop would run (and burn a core) this long. */
const DEADLINE_MS = 30_000;
/** CPU the server may spend from a cancel to the client's error: the parse's thread ended, not run on. */
const CANCEL_CPU_MS = 3_000;

let dir: string;
let serve: Running;
let watch: MainThreadWatch;
let port: number;
let probe: pg.Client;
const clients: pg.Client[] = [];

async function client(): Promise<pg.Client> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'tester',
    database: 'rvbbit',
    query_timeout: 120_000,
  });
  c.on('error', () => undefined);
  await c.connect();
  clients.push(c);
  return c;
}

/** The server process's CPU time so far, in ms (all its threads), from /proc. */
const serverCpuMs = (): number => processCpuMs(serve.child.pid!);

test.before(async () => {
  ({ dir } = await contractFolder());
  writeFileSync(join(dir, 'lying.docx'), lyingDocxBomb(64));
  writeFileSync(join(dir, 'pre.html'), preNewlinesHtml(4_000_000));
  writeFileSync(join(dir, 'slow.pdf'), manyPagePdf(2000));
  writeFileSync(join(dir, 'tiny.html'), '<html><body><p>tiny</p></body></html>');
  watch = mainThreadWatch();
  serve = start(
    [
      'serve',
      '--sim',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--max-document-inflate-bytes',
      String(MiB),
      '--max-document-bytes',
      String(8 * MiB),
      '--document-parser-heap-mb',
      '64',
      '--document-parse-deadline-ms',
      String(DEADLINE_MS),
    ],
    { env: watch.env },
  );
  await waitFor(serve.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/, SERVER_START_MS);
  port = Number(/127\.0\.0\.1:(\d+)/.exec(serve.out())![1]);
  probe = await client();
});

test.after(async () => {
  await Promise.allSettled(clients.map((c) => c.end()));
  serve.child.kill('SIGTERM');
  await serve.done;
  rmSync(dirname(dir), { recursive: true, force: true });
  watch.close();
});

function assertServerUp(): void {
  assert.is(serve.child.exitCode, null, `the server exited: ${serve.err()}`);
  assert.is(serve.child.signalCode, null, `the server was killed: ${serve.err()}`);
}

test('bombs as a bytea parameter: each fails alone with 54000 naming its bound, the server lives, the probe answers', async () => {
  const c = await client();
  const cases: [string, Uint8Array, RegExp][] = [
    [
      'PDF content stream of zeros',
      pdfZeroBomb(64),
      /^DOCUMENT_TEXT: PDF: the stream of object 5 0 inflates to more than \d+ bytes; the limit is 1048576 bytes/,
    ],
    [
      'PDF font compressed twice',
      pdfFontBomb(64),
      /^DOCUMENT_TEXT: PDF: the stream of object 7 0 inflates to more than \d+ bytes; the limit is 1048576 bytes/,
    ],
    // 10 MB of text operators deflated to 40 KB (the 5.2 MB PDF of compressed text): its stream
    // inflates past the 1 MiB bound first (the text bound is document-bounds.test.ts's).
    [
      'PDF page of compressed text',
      pdfTextBomb(10_000),
      /^DOCUMENT_TEXT: PDF: the stream of object 5 0 inflates to more than \d+ bytes; the limit is 1048576 bytes/,
    ],
    [
      'DOCX whose headers lie',
      lyingDocxBomb(64),
      /^DOCUMENT_TEXT: DOCX: word\/document\.xml inflates to more than/,
    ],
    ['100,000 nested tags', nestedHtml(100_000), /^DOCUMENT_TEXT: HTML: elements nested more than 512 deep/],
  ];
  for (const [what, bytes, message] of cases) {
    const r = await probed(probe, watch, () =>
      rejection(c.query('SELECT DOCUMENT_TEXT($1::BLOB) AS t', [Buffer.from(bytes)])),
    );
    assert.is(r.value.code, '54000', `${what}: ${r.value.message}`);
    assert.match(r.value.message, message, what);
    assert.ok(r.probes >= 1, `${what}: the probe answered during it`);
    assert.ok(
      r.held.cpuMs < PROMISE_MS,
      `${what}: the server's main thread ran ${Math.round(r.held.cpuMs)} ms of CPU in one turn`,
    );
    assertServerUp();
  }
  assert.equal((await c.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
});

test('read_blob and a path: a lying DOCX fails with 54000; 4 million newlines in a <pre> parse in a 64 MB thread heap, exactly', async () => {
  const c = await client();
  const docx = await probed(probe, watch, () =>
    rejection(c.query(`SELECT DOCUMENT_TEXT(content) FROM read_blob('${dir}/lying.docx')`)),
  );
  assert.is(docx.value.code, '54000');
  assert.match(
    docx.value.message,
    /^DOCUMENT_TEXT: DOCX: word\/document\.xml inflates to more than \d+ bytes/,
  );
  const expected = { n: 3_999_999, newlines: true };
  const blob = await probed(probe, watch, () =>
    c.query(
      `SELECT length(t)::INTEGER AS n, t = repeat(chr(10), 3999999) AS newlines FROM (SELECT DOCUMENT_TEXT(content) AS t FROM read_blob('${dir}/pre.html'))`,
    ),
  );
  assert.equal(blob.value.rows, [expected]);
  const path = await probed(probe, watch, () =>
    c.query(
      `SELECT length(t)::INTEGER AS n, t = repeat(chr(10), 3999999) AS newlines FROM (SELECT DOCUMENT_TEXT('pre.html') AS t)`,
    ),
  );
  assert.equal(path.value.rows, [expected]);
  for (const r of [docx, blob, path]) {
    assert.ok(r.probes >= 1);
    assert.ok(
      r.held.cpuMs < PROMISE_MS,
      `the server's main thread ran ${Math.round(r.held.cpuMs)} ms of CPU in one turn`,
    );
  }
  assertServerUp();
});

test("a slow document does not hold another client's tiny page; a CancelRequest then ends the slow parse at once", async () => {
  const slowClient = await client();
  const other = await client();
  const order: string[] = [];
  const slow = rejection(
    slowClient.query(`SELECT length(DOCUMENT_TEXT(content)) AS n FROM read_blob('${dir}/slow.pdf')`),
  ).then((e) => {
    order.push('slow');
    return e;
  });
  const r = await probed(probe, watch, async () => {
    const tiny = await other.query(`SELECT DOCUMENT_TEXT(content) AS t FROM read_blob('${dir}/tiny.html')`);
    order.push('tiny');
    return tiny.rows;
  });
  assert.equal(r.value, [{ t: 'tiny' }]);
  assert.equal(order, ['tiny'], 'the slow document still parses');
  assert.ok(
    r.held.cpuMs < PROMISE_MS,
    `the server's main thread ran ${Math.round(r.held.cpuMs)} ms of CPU in one turn`,
  );
  const ids = slowClient as unknown as { processID: number; secretKey: number };
  const cpuAtCancel = serverCpuMs();
  await sendCancel(port, ids.processID, ids.secretKey);
  const err = await slow;
  const cpuToError = serverCpuMs() - cpuAtCancel;
  assert.is(err.code, '57014', err.message);
  // Postgres's words: the query streams now, and the server's cancel answers it (was 'statement cancelled').
  assert.is(err.message, 'canceling statement due to user request');
  assert.ok(
    cpuToError < CANCEL_CPU_MS,
    `the server spent ${cpuToError} ms of CPU from the cancel to the error`,
  );
  assert.equal((await slowClient.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
  assertServerUp();
});

test('statement_timeout stops a parse at its timeout, not at the parse deadline: 57014, the thread ended', async () => {
  const c = await client();
  await c.query(`SET statement_timeout = '1s'`);
  const cpuAtStart = serverCpuMs();
  const err = await rejection(c.query(`SELECT length(DOCUMENT_TEXT('slow.pdf')) AS n`));
  const cpuToError = serverCpuMs() - cpuAtStart;
  assert.is(err.code, '57014', err.message);
  assert.is(err.message, 'canceling statement due to statement timeout');
  // 1 s of the parse, its thread's start, the statement: well under the 30 s a parse left to its deadline burns.
  assert.ok(cpuToError < 1_000 + CANCEL_CPU_MS, `the server spent ${cpuToError} ms of CPU`);
  await c.query(`SET statement_timeout = 0`);
  assert.equal((await c.query(`SELECT DOCUMENT_TEXT('tiny.html') AS t`)).rows, [{ t: 'tiny' }]);
  assertServerUp();
});

test.run();
