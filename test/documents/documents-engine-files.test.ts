/**
 * The server's own files stay out of reach through the document functions,
 * as through read_blob (the engine-file guard, src/server/engine-file-guard.ts):
 * a hard link to the server's database file inside the data folder, read by
 * path or as read_blob's content, never gives its bytes or text back; the
 * database file named directly is outside the data folder (42501).
 */
import { linkSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine, startServer } from '../../src/index.js';
import type { ServerHandle } from '../../src/server/index.js';
import { rejection } from '../server/helpers.js';

let root: string;
let engine: Engine;
let server: ServerHandle;
let client: pg.Client;

test.before(async () => {
  root = mkdtempSync(join(tmpdir(), 'rvbbit-docs-engine-'));
  mkdirSync(join(root, 'db'));
  mkdirSync(join(root, 'data'));
  engine = await createEngine({ database: join(root, 'db', 'x.duckdb'), dataFolders: [join(root, 'data')] });
  await engine.query('CREATE TABLE secret AS SELECT 42 AS answer');
  linkSync(join(root, 'db', 'x.duckdb'), join(root, 'data', 'copy.html'));
  server = await startServer({ engine, port: 0, allowFiles: [join(root, 'data')] });
  client = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'c', database: 'rvbbit' });
  await client.connect();
});
test.after(async () => {
  await client.end();
  await server.close();
  await engine.close();
  rmSync(root, { recursive: true, force: true });
});

test('a hard link to the database inside the data folder: refused or unreadable, never its bytes', async () => {
  for (const sql of [
    `SELECT DOCUMENT_TEXT('copy.html') AS t`,
    `SELECT DOCUMENT_TEXT('${join(root, 'data', 'copy.html')}') AS t`,
    `SELECT DOCUMENT_TEXT(content) AS t FROM read_blob('${join(root, 'data')}/*')`,
    `SELECT DOCUMENT_PAGES(file) AS t FROM glob('${join(root, 'data')}/*') g(file)`,
  ]) {
    const err = await rejection<{ code: string; message: string }>(client.query(sql));
    assert.ok(['42501', '22023'].includes(err.code), `${sql}: ${err.code} ${err.message}`);
    assert.not.match(err.message, /DUCK|its first bytes/, sql);
  }
  const direct = await rejection<{ code: string }>(
    client.query(`SELECT DOCUMENT_TEXT('${join(root, 'db', 'x.duckdb')}')`),
  );
  assert.is(direct.code, '42501');
  assert.equal((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
});

test.run();
