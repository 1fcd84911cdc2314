// 1,000 random edits built from the grammar fuzz corpus, sent as incremental
// changes through a real client: the server answers every version with
// diagnostics whose ranges lie inside the text, and keeps answering requests.
import { rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CompletionRequest,
  DefinitionRequest,
  DocumentFormattingRequest,
  HoverRequest,
  SemanticTokensRequest,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { tokens } from '../../grammar/index.js';
import { mulberry32 } from '../../src/sim/rng.js';
import { VALID } from '../grammar/corpus.js';
import { cascadeFolder } from './fixture.js';
import { LspClient } from './lsp-client.js';

const EDITS = 1000;
const CORPUS = [
  ...VALID,
  "SELECT name FROM t WHERE name RHYMES 'moon' AND body ~ 'x'",
  "RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT 1) WITH (limit = 2, cache = '1h')",
];
const PIECES = [
  ...CORPUS.flatMap((s) => tokens(s).map((t) => t.text)),
  '😀',
  '\n',
  "'",
  '(',
  ')',
  ';',
  '-- @ ',
];

test('1,000 random edits: no crash, every diagnostic range inside the text', async () => {
  const dir = cascadeFolder();
  const lsp = await LspClient.start(['--cascades', dir]);
  const rnd = mulberry32(19);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const uri = 'file:///tmp/rvbbit-lsp-fuzz.sql';
  let doc = TextDocument.create(uri, 'rvbbit-sql', 1, CORPUS.join(';\n'));
  let published = await lsp.open(uri, doc.getText());
  let diagnosticsSeen = 0;
  try {
    for (let i = 0; i < EDITS; i++) {
      const text = doc.getText();
      const a = Math.floor(rnd() * (text.length + 1));
      const b = Math.min(text.length, a + Math.floor(rnd() * (rnd() < 0.9 ? 12 : 400)));
      const range = { start: doc.positionAt(a), end: doc.positionAt(b) };
      const op = Math.floor(rnd() * 4);
      const insert = op === 0 ? '' : op === 1 ? pick(PIECES) : op === 2 ? ` ${pick(PIECES)} ` : pick(CORPUS);
      const change: TextDocumentContentChangeEvent =
        text.length > 6000 ? { text: pick(CORPUS) } : { range, text: insert };
      doc = TextDocument.update(doc, [change], doc.version + 1);
      published = await lsp.change(uri, [change]);
      assert.is(published.version, doc.version);
      const lines = doc.getText().split('\n');
      for (const d of published.diagnostics) {
        diagnosticsSeen++;
        const { start, end } = d.range;
        const inside = (p: { line: number; character: number }) =>
          p.line >= 0 && p.line < lines.length && p.character >= 0 && p.character <= lines[p.line]!.length;
        assert.ok(inside(start) && inside(end), `range inside text: ${JSON.stringify(d.range)}`);
        assert.ok(doc.offsetAt(start) <= doc.offsetAt(end), 'range start before end');
        assert.ok(typeof d.code === 'string' && typeof d.message === 'string' && d.message !== '');
      }
      if (i % 10 === 0) {
        const position = doc.positionAt(Math.floor(rnd() * (doc.getText().length + 1)));
        const textDocument = { uri };
        const [completion, , , tokensOf, edits] = await Promise.all([
          lsp.connection.sendRequest(CompletionRequest.type, { textDocument, position }),
          lsp.connection.sendRequest(HoverRequest.type, { textDocument, position }),
          lsp.connection.sendRequest(DefinitionRequest.type, { textDocument, position }),
          lsp.connection.sendRequest(SemanticTokensRequest.type, { textDocument }),
          lsp.connection.sendRequest(DocumentFormattingRequest.type, {
            textDocument,
            options: { tabSize: 2, insertSpaces: true },
          }),
        ]);
        assert.ok(Array.isArray(completion));
        assert.ok(tokensOf && tokensOf.data.length % 5 === 0);
        assert.ok(Array.isArray(edits));
      }
    }
    assert.ok(diagnosticsSeen > EDITS, `diagnostics were published (${diagnosticsSeen})`);
    assert.is(lsp.child.exitCode, null, 'the server is still running');
    assert.is(lsp.stderr, '', 'nothing on stderr');
    assert.equal(lsp.errorLogs, [], 'no handler failed');
  } finally {
    await lsp.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
