/**
 * Under `rvbbit serve` a parse that would run inside DuckDB's call (a write
 * inside the client's own BEGIN … COMMIT, where no documents pass can roll
 * back) is refused, not waited for: DOCUMENT_PARSE_BLOCKS, SQLSTATE 0A000,
 * naming the function and what to do instead; the connection goes on, the
 * same write outside the transaction parses on the parser thread, and once
 * the documents are parsed the write inside a transaction answers from them.
 * A view that calls the functions (no pass: its statement's text names none)
 * and a long text to cut are refused the same way; a short text is cut.
 * A server started with --allow-blocking-strategies parses in the call.
 * Through node-postgres against spawned servers.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { start, waitFor } from '../cli/helpers.js';
import { rejection } from '../server/helpers.js';
import { contractFolder, DOCX_PARAGRAPHS, HTML_TEXT, PDF_TEXT_PAGES } from './fixtures.js';

let dir: string;

test.before(async () => {
  ({ dir } = await contractFolder());
});
test.after(() => {
  rmSync(dirname(dir), { recursive: true, force: true });
});

async function withServer(flags: string[], use: (c: pg.Client) => Promise<void>): Promise<void> {
  const server = start(['serve', '--sim', '--port', '0', '--data-dir', dir, ...flags]);
  try {
    await waitFor(server.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(server.out())![1]);
    const c = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'a',
      database: 'rvbbit',
      query_timeout: 60_000,
    });
    await c.connect();
    try {
      await c.query(`CREATE TABLE paths AS SELECT * FROM (VALUES (1, 'a.pdf'), (2, 'c.html')) t(i, path)`);
      await c.query(`CREATE TABLE w (i INTEGER, t VARCHAR)`);
      await use(c);
    } finally {
      await c.end();
    }
  } finally {
    server.child.kill('SIGTERM');
    await server.done;
  }
}

const WRITE = `INSERT INTO w SELECT i, DOCUMENT_TEXT(path) FROM paths`;
const TEXTS = [
  { i: 1, t: PDF_TEXT_PAGES.join('\n\n') },
  { i: 2, t: HTML_TEXT },
];

test('a write inside BEGIN … COMMIT that would parse in the call: 0A000 DOCUMENT_PARSE_BLOCKS naming the function and what to do; outside it parses; parsed, the transaction’s write answers', async () => {
  await withServer([], async (c) => {
    await c.query('BEGIN');
    const err = await rejection<{ code: string; message: string }>(c.query(WRITE));
    assert.is(err.code, '0A000');
    assert.match(err.message, /^DOCUMENT_TEXT: parsing a\.pdf would run inside DuckDB's call here/);
    assert.match(err.message, /run the write outside the transaction/);
    assert.match(err.message, /parse the documents into a table first/);
    assert.match(err.message, /--allow-blocking-strategies/);
    await c.query('ROLLBACK');
    // The same connection goes on: the write outside a transaction runs as a documents pass.
    assert.equal((await c.query('SELECT count(*)::INTEGER AS n FROM w')).rows, [{ n: 0 }]);
    await c.query(WRITE);
    assert.equal((await c.query('SELECT i, t FROM w ORDER BY i')).rows, TEXTS);
    // Parsed already (the engine keeps them): inside a transaction the write answers without a parse.
    await c.query('BEGIN');
    await c.query(`INSERT INTO w SELECT i + 10, DOCUMENT_TEXT(path) FROM paths`);
    await c.query('COMMIT');
    assert.equal((await c.query('SELECT i, t FROM w WHERE i > 10 ORDER BY i')).rows, [
      { i: 11, t: TEXTS[0]!.t },
      { i: 12, t: HTML_TEXT },
    ]);
    // A view that calls the function: the statement's text does not name it, so no pass runs; refused the same way.
    await c.query(`CREATE VIEW v AS SELECT DOCUMENT_TEXT(path) AS t FROM (VALUES ('b.docx')) p(path)`);
    const view = await rejection<{ code: string; message: string }>(c.query('SELECT t FROM v'));
    assert.is(view.code, '0A000');
    assert.match(view.message, /^DOCUMENT_TEXT: parsing b\.docx would run inside DuckDB's call/);
    await c.query(`SELECT DOCUMENT_TEXT(path) FROM (VALUES ('b.docx')) p(path)`);
    assert.equal((await c.query('SELECT t FROM v')).rows, [{ t: DOCX_PARAGRAPHS.join('\n') }]);
    // A long text to cut is refused the same way; a short one is cut in the call.
    await c.query('BEGIN');
    const cut = await rejection<{ code: string; message: string }>(
      c.query(`CREATE TABLE ch AS SELECT TEXT_CHUNKS(repeat('Some words here. ', 2000), 100) AS c`),
    );
    assert.is(cut.code, '0A000');
    assert.match(
      cut.message,
      /^TEXT_CHUNKS: cutting this text \(34000 characters\) would run inside DuckDB's call/,
    );
    await c.query('ROLLBACK');
    await c.query('BEGIN');
    await c.query(`CREATE TABLE short AS SELECT TEXT_CHUNKS('One. Two.', 100) AS c`);
    await c.query('COMMIT');
    assert.equal((await c.query('SELECT c FROM short')).rows, [{ c: ['One. Two.'] }]);
  });
});

test('rvbbit serve --allow-blocking-strategies: the write inside BEGIN … COMMIT parses in the call', async () => {
  await withServer(['--allow-blocking-strategies'], async (c) => {
    await c.query('BEGIN');
    await c.query(WRITE);
    await c.query(`INSERT INTO w SELECT 3, DOCUMENT_TEXT('b.docx')`);
    await c.query('COMMIT');
    assert.equal((await c.query('SELECT i, t FROM w ORDER BY i')).rows, [
      ...TEXTS,
      { i: 3, t: DOCX_PARAGRAPHS.join('\n') },
    ]);
  });
});

test.run();
