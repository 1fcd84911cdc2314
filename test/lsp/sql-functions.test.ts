// The language server with --db: the semantic functions CREATE SEMANTIC
// FUNCTION stored in that database parse (no unknown-word diagnostic), hover
// and complete as an operator file's do, and one dropped since is unknown
// again at the next request.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CompletionRequest,
  DefinitionRequest,
  type Hover,
  HoverRequest,
} from 'vscode-languageserver-protocol/node';
import { createEngine } from '../../src/index.js';
import { LspClient } from './lsp-client.js';

const uri = 'file:///tmp/rvbbit-lsp-sql-functions.sql';

test('--db: a stored function parses, hovers and completes; dropped, its word is unknown again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-lsp-sqlfn-'));
  const database = join(dir, 'fn.duckdb');
  const engine = await createEngine({ database, cascadeRoots: [] });
  await engine.query(
    `CREATE SEMANTIC FUNCTION echoes(a VARCHAR, b VARCHAR) RETURNS BOOLEAN OPERATOR 'ECHOES'
       WITH (description = 'Does a echo the idea of b?') AS 'Does {{ a }} echo the idea of {{ b }}?'`,
  );
  await engine.close();
  const lsp = await LspClient.start(['--db', database]);
  try {
    const text = "SELECT name FROM t WHERE name ECHOES 'moon'";
    const { diagnostics } = await lsp.open(uri, text);
    assert.equal(diagnostics, []);
    const h = (await lsp.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: 32 },
    })) as Hover | null;
    const hover = (h?.contents as { value: string } | undefined)?.value ?? '';
    assert.match(hover, /echoes\(a VARCHAR, b VARCHAR\) → BOOLEAN/);
    assert.match(hover, /Does a echo the idea of b\?/);
    // Where it was defined: in SQL, not the cascade file the engine writes for its runs.
    assert.match(hover, 'Defined in SQL (`CREATE SEMANTIC FUNCTION`, stored in `rvbbit.semantic_functions`)');
    assert.not.match(hover, 'Cascade:');
    const def = await lsp.connection.sendRequest(DefinitionRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: 32 },
    });
    assert.is(def, null);
    await lsp.change(uri, [{ text: 'SELECT ECH' }]);
    const r = await lsp.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: 10 },
    });
    const items = Array.isArray(r) ? r : (r?.items ?? []);
    assert.ok(items.some((i) => i.label === 'ECHOES'));
  } finally {
    await lsp.stop();
  }
  const again = await createEngine({ database, cascadeRoots: [] });
  await again.query('DROP SEMANTIC FUNCTION echoes');
  await again.close();
  const fresh = await LspClient.start(['--db', database]);
  try {
    const { diagnostics } = await fresh.open(uri, "SELECT name FROM t WHERE name ECHOES 'moon'");
    assert.equal(
      diagnostics.map((d) => d.code),
      ['UNKNOWN_OPERATOR'],
    );
  } finally {
    await fresh.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
