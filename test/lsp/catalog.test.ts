// The server's catalog and database: without --cascades a user's operator is
// unknown; a broken cascade folder leaves a working server on the default
// grammar; --db completes the file's tables and columns.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CompletionRequest,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  type Hover,
  HoverRequest,
} from 'vscode-languageserver-protocol/node';
import { ROOT } from '../cli/helpers.js';
import { RHYMES_SOURCE } from './fixture.js';
import { LspClient } from './lsp-client.js';

const uri = 'file:///tmp/rvbbit-lsp-catalog.sql';

test('without --cascades, RHYMES is an unknown operator word', async () => {
  const lsp = await LspClient.start();
  try {
    const { diagnostics } = await lsp.open(uri, "SELECT name FROM t WHERE name RHYMES 'moon'");
    assert.equal(
      diagnostics.map((d) => [d.code, d.range.start.character, d.range.end.character]),
      [['UNKNOWN_OPERATOR', 30, 36]],
    );
  } finally {
    await lsp.stop();
  }
});

test('a cascade folder with a broken sql_function: a message, then the default grammar', async () => {
  const lsp = await LspClient.start(['--cascades', join(ROOT, 'test/fixtures/cascades/broken')]);
  try {
    const { diagnostics } = await lsp.open(uri, "RVBBIT MAP PARALLEL 0 'x' USING (SELECT 1)");
    assert.equal(
      diagnostics.map((d) => d.code),
      ['E_BAD_PARALLEL'],
    );
    assert.is(lsp.messages.length, 1);
    assert.match(lsp.messages[0]!, /^rvbbit: cascade catalog not loaded: .*broken/);
  } finally {
    await lsp.stop();
  }
});

test('larsql call forms: hover on TIDY( shows the function, its args with defaults and descriptions, and every form', async () => {
  const lsp = await LspClient.start(['--cascades', join(ROOT, 'test/fixtures/larsql')]);
  try {
    const text = "SELECT TIDY(name, 'upper') FROM t";
    const { diagnostics } = await lsp.open(uri, text);
    assert.equal(diagnostics, []);
    const h = (await lsp.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: 8 },
    })) as Hover | null;
    assert.is(
      (h?.contents as { value: string } | undefined)?.value,
      [
        '**TIDY** — `tidy(value VARCHAR, style VARCHAR = "title") → VARCHAR`',
        'Tidy a value',
        'Arguments:\n- `value`: The value\n- `style`: title, upper or lower',
        "Forms: `{{ value }} TIDIED AS '{{ style }}'`, `TIDY({{ value }})`, `TIDY({{ value }}, '{{ style }}')`",
        `Cascade: \`${join(ROOT, 'test/fixtures/larsql/tidy_single.cascade.yaml')}\``,
      ].join('\n\n'),
    );
    // Completion offers the file's call names where a function may start.
    await lsp.change(uri, [
      {
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: text.length } },
        text: 'SELECT TI',
      },
    ]);
    const r = await lsp.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: 9 },
    });
    const items = Array.isArray(r) ? r : (r?.items ?? []);
    assert.equal(
      items.map((i) => [i.label, i.kind]),
      [['TIDY', 3]],
    );
  } finally {
    await lsp.stop();
  }
});

test('--db completes tables and columns in SQL, not in WITH ( … )', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-lsp-db-'));
  const file = join(dir, 'shop.duckdb');
  const instance = await DuckDBInstance.create(file);
  const con = await instance.connect();
  await con.run('CREATE TABLE products (id INTEGER, product_name VARCHAR)');
  con.closeSync();
  instance.closeSync();
  const lsp = await LspClient.start(['--db', file]);
  try {
    const text = 'SELECT  FROM products';
    await lsp.open(uri, text);
    const items = await lsp.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: 7 },
    });
    const names = (Array.isArray(items) ? items : []).filter((i) => i.detail !== 'keyword');
    assert.equal(
      names.map((i) => [i.label, i.detail]),
      [
        ['products', 'table'],
        ['id', 'column of products'],
        ['product_name', 'column of products'],
      ],
    );
    const withText = "RVBBIT MAP 'x' USING (SELECT 1) WITH (";
    await lsp.change(uri, [{ text: withText }]);
    const keys = await lsp.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: withText.length },
    });
    assert.ok(Array.isArray(keys) && keys.every((i) => i.detail === 'with key'));
  } finally {
    await lsp.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the editor's workspace folder: a cascade root, and its rvbbit.config.yaml names the cascades", async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'rvbbit-lsp-ws-'));
  mkdirSync(join(workspace, 'ops'));
  mkdirSync(join(workspace, 'traits'));
  copyFileSync(RHYMES_SOURCE, join(workspace, 'ops/rhymes.yaml'));
  copyFileSync(
    join(ROOT, 'examples/cascades/traits/extract_brand.yaml'),
    join(workspace, 'traits/brand.yaml'),
  );
  writeFileSync(join(workspace, 'rvbbit.config.yaml'), 'rvbbit:\n  cascades: [ops]\n');
  const lsp = await LspClient.start([], workspace);
  try {
    const text =
      "RVBBIT MAP 'traits/brand.yaml' USING (SELECT a FROM t WHERE a RHYMES 'b'); RVBBIT MAP 'traits/no.yaml' USING (SELECT 1)";
    const { diagnostics } = await lsp.open(uri, text);
    assert.equal(
      diagnostics.map((d) => [d.code, d.range.start.character]),
      [['CASCADE_NOT_FOUND', text.indexOf("'traits/no.yaml'")]],
    );
  } finally {
    await lsp.stop();
    rmSync(workspace, { recursive: true, force: true });
  }
});

test('a cascade file added to a root: its operator word is known after the watched-files notice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-lsp-watch-'));
  const lsp = await LspClient.start(['--cascades', dir]);
  try {
    const text = "SELECT name FROM t WHERE name RHYMES 'moon'";
    const before = await lsp.open(uri, text);
    assert.equal(
      before.diagnostics.map((d) => d.code),
      ['UNKNOWN_OPERATOR'],
    );
    assert.equal(lsp.registrations, ['workspace/didChangeWatchedFiles']);
    copyFileSync(RHYMES_SOURCE, join(dir, 'rhymes.yaml'));
    const after = lsp.nextPublication(uri);
    await lsp.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: pathToFileURL(join(dir, 'rhymes.yaml')).href, type: FileChangeType.Created }],
    });
    assert.equal(await after, { version: 1, diagnostics: [] });
  } finally {
    await lsp.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
