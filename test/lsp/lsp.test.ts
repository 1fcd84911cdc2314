// `rvbbit lsp --stdio` through a real LSP client over stdio: diagnostics,
// completion, hover, formatting, definition and semantic tokens.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type CompletionItem,
  CompletionRequest,
  DefinitionRequest,
  DocumentFormattingRequest,
  type Hover,
  HoverRequest,
  type Location,
  SemanticTokensRequest,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { MAP_KEYS } from '../../grammar/index.js';
import { ROOT } from '../cli/helpers.js';
import { cascadeFolder } from './fixture.js';
import { LspClient } from './lsp-client.js';

const dir = cascadeFolder();
let lsp: LspClient;
let n = 0;
const nextUri = () => `file:///tmp/rvbbit-lsp-test-${++n}.sql`;

test.before(async () => {
  lsp = await LspClient.start(['--cascades', dir]);
});
test.after(async () => {
  assert.equal(lsp.errorLogs, [], 'no handler failed');
  await lsp.stop();
  rmSync(dir, { recursive: true, force: true });
});

const at = (character: number, line = 0) => ({ line, character });

async function completion(uri: string, character: number, line = 0): Promise<CompletionItem[]> {
  const r = await lsp.connection.sendRequest(CompletionRequest.type, {
    textDocument: { uri },
    position: at(character, line),
  });
  return Array.isArray(r) ? r : (r?.items ?? []);
}

async function hover(uri: string, character: number): Promise<string> {
  const h = (await lsp.connection.sendRequest(HoverRequest.type, {
    textDocument: { uri },
    position: at(character),
  })) as Hover | null;
  return h ? (h.contents as { value: string }).value : '';
}

test('an error is a diagnostic over its word with its code; fixing it clears the diagnostics', async () => {
  const uri = nextUri();
  const opened = await lsp.open(uri, "RVBBIT MAP PARALLEL 0 'traits/extract_brand.yaml' USING (SELECT 1)");
  assert.equal(opened.diagnostics, [
    {
      range: { start: at(20), end: at(21) },
      severity: 1,
      code: 'E_BAD_PARALLEL',
      source: 'rvbbit',
      message: 'PARALLEL must be an integer from 1 to 1000, got 0',
    },
  ]);
  const fixed = await lsp.change(uri, [{ range: { start: at(20), end: at(21) }, text: '4' }]);
  assert.equal(fixed, { version: 2, diagnostics: [] });
});

test('catalog checks: a cascade path in no root, an unknown WITH key', async () => {
  const uri = nextUri();
  const text = "RVBBIT MAP 'traits/nope.yaml' USING (SELECT 1) WITH (colour = 'red')";
  const { diagnostics } = await lsp.open(uri, text);
  assert.equal(
    diagnostics.map((d) => [d.code, d.range.start.character, d.range.end.character, d.severity]),
    [
      ['E_UNKNOWN_WITH_KEY', 53, 59, 1],
      ['CASCADE_NOT_FOUND', 11, 29, 1],
    ],
  );
});

test('a user operator from --cascades parses without a diagnostic', async () => {
  const { diagnostics } = await lsp.open(nextUri(), "SELECT name FROM t WHERE name RHYMES 'moon'");
  assert.equal(diagnostics, []);
});

test('an operator word no cascade defines is a warning', async () => {
  const { diagnostics } = await lsp.open(nextUri(), "SELECT name FROM t WHERE name CHIMES 'moon'");
  assert.equal(diagnostics, [
    {
      range: { start: at(30), end: at(36) },
      severity: 2,
      code: 'UNKNOWN_OPERATOR',
      source: 'rvbbit',
      message:
        "'CHIMES' is used as an operator, but no cascade in the roots defines it (sql_function.operators)",
    },
  ]);
});

test("larsql's LARS MAP: the catalog check, path completion and a keyword token, as RVBBIT MAP", async () => {
  const uri = nextUri();
  const { diagnostics } = await lsp.open(uri, "LARS MAP 'traits/nope.yaml' USING (SELECT 1)");
  assert.equal(
    diagnostics.map((d) => [d.code, d.range.start.character, d.range.end.character, d.severity]),
    [['CASCADE_NOT_FOUND', 9, 27, 1]],
  );
  await lsp.change(uri, [{ text: "lars map 'traits/ex" }]);
  assert.equal(
    (await completion(uri, 19)).map((i) => [i.label, i.textEdit]),
    [
      [
        'traits/extract_brand.yaml',
        { range: { start: at(10), end: at(19) }, newText: 'traits/extract_brand.yaml' },
      ],
    ],
  );
  const tokens = await lsp.connection.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
  const legend = lsp.capabilities.semanticTokensProvider!.legend.tokenTypes;
  // The first token, LARS: line 0, column 0, 4 characters, a keyword.
  assert.equal([...(tokens?.data ?? []).slice(0, 3), legend[tokens!.data[3]!]], [0, 0, 4, 'keyword']);
});

test('completion at WITH ( lists the MAP keys', async () => {
  const uri = nextUri();
  const text = "RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT 1) WITH (";
  await lsp.open(uri, text);
  const items = await completion(uri, text.length);
  assert.equal(
    items.map((i) => i.label),
    [...MAP_KEYS],
  );
  assert.ok(items.every((i) => i.kind === 10 && i.detail === 'with key'));
});

test("completion after RVBBIT MAP ' lists cascade paths in the roots", async () => {
  const uri = nextUri();
  await lsp.open(uri, "RVBBIT MAP '");
  const labels = (await completion(uri, 12)).map((i) => i.label);
  assert.ok(labels.includes('traits/'), labels.join(' '));
  assert.ok(labels.includes('rhymes.yaml'), labels.join(' '));
  await lsp.change(uri, [{ text: "RVBBIT MAP 'traits/ex" }]);
  const items = await completion(uri, 21);
  assert.equal(
    items.map((i) => [i.label, i.textEdit]),
    [
      [
        'traits/extract_brand.yaml',
        { range: { start: at(12), end: at(21) }, newText: 'traits/extract_brand.yaml' },
      ],
    ],
  );
});

test('completion in SQL offers the catalog operator words', async () => {
  const uri = nextUri();
  await lsp.open(uri, 'SELECT name ');
  const ops = (await completion(uri, 12)).filter((i) => i.kind === 24).map((i) => i.label);
  assert.ok(ops.includes('RHYMES') && ops.includes('MEANS'), ops.join(' '));
});

test('hover on MEANS shows its description, arguments and return type', async () => {
  const uri = nextUri();
  await lsp.open(uri, "SELECT * FROM t WHERE a MEANS 'b'");
  const text = await hover(uri, 25);
  assert.ok(text.startsWith('**MEANS** — `semantic_means(text VARCHAR, criterion VARCHAR) → BOOLEAN`'), text);
  assert.ok(text.includes('Does a text satisfy a description? (MEANS, MATCHES)'), text);
});

test('hover and definition on an LLM aggregate: its function and its shipped cascade', async () => {
  const uri = nextUri();
  await lsp.open(uri, 'SELECT LLM_SUMMARIZE(review) FROM reviews');
  const text = await hover(uri, 9);
  assert.ok(
    text.startsWith('**LLM_SUMMARIZE** — `llm_summarize(texts VARCHAR[], prompt VARCHAR) → VARCHAR`'),
    text,
  );
  const def = (await lsp.connection.sendRequest(DefinitionRequest.type, {
    textDocument: { uri },
    position: at(9),
  })) as Location | null;
  assert.equal(def, {
    uri: pathToFileURL(join(ROOT, 'cascades/semantic/summarize.yaml')).href,
    range: { start: at(0, 3), end: at(0, 3) },
  });
});

test('hover on a cascade path shows its inputs and cells; on a WITH key, its type and meaning', async () => {
  const uri = nextUri();
  const text = "RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT 1) WITH (limit = 2)";
  await lsp.open(uri, text);
  const path = await hover(uri, 15);
  assert.ok(path.includes('Brand and confidence from a product title'), path);
  assert.ok(path.includes("- `product_name`: the product's title"), path);
  assert.ok(path.includes('Cells: extract (model small-fast)'), path);
  assert.is(
    await hover(uri, text.indexOf('limit') + 1),
    '**WITH limit** — `int` (MAP, RUN)\n\nthe auto-LIMIT added to the USING query; 0 = none.',
  );
});

test('hover on an annotation key shows its type, the statements that take it and its meaning; hint text shows nothing', async () => {
  const uri = nextUri();
  const text = '-- @ small_side: 128 -- note: be brief\nSELECT 1';
  await lsp.open(uri, text);
  assert.is(
    await hover(uri, 7),
    '**-- @ small_side** — `int (0..1024); 0: never` (semantic SQL)\n\na pair predicate whose one side has at most n distinct values asks one call per value of the other side.',
  );
  // `note:` in the trailing comment is no annotation key: no hover.
  assert.is(await hover(uri, text.indexOf('note') + 1), '');
  const map = nextUri();
  await lsp.open(map, "-- @ retries: 2\nRVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT 1)");
  assert.is(
    await hover(map, 6),
    '**-- @ retries** — `int (0..20)` (semantic SQL, RVBBIT MAP, RVBBIT RUN)\n\nattempts for a failed LLM call (default 3).',
  );
});

async function formatting(uri: string): Promise<TextEdit[]> {
  return (
    (await lsp.connection.sendRequest(DocumentFormattingRequest.type, {
      textDocument: { uri },
      options: { tabSize: 2, insertSpaces: true },
    })) ?? []
  );
}

test('formatting returns the canonical text', async () => {
  const uri = nextUri();
  await lsp.open(uri, "rvbbit map 'traits/extract_brand.yaml' using (select 1) with (limit=2)");
  assert.equal(await formatting(uri), [
    {
      range: { start: at(0), end: at(70) },
      newText: "RVBBIT MAP 'traits/extract_brand.yaml'\nUSING (select 1)\nWITH (limit = 2)",
    },
  ]);
});

test('formatting keeps comments, annotations and statements with errors; twice is once', async () => {
  const uri = nextUri();
  const text = [
    '-- the brands',
    '-- @ parallel: 2',
    "rvbbit map 'traits/extract_brand.yaml' using (select 1) with (limit=2); -- done",
    "RVBBIT MAP PARALLEL 0 'x' USING (select 1);",
    'select   1',
  ].join('\n');
  await lsp.open(uri, text);
  const once = TextDocument.applyEdits(TextDocument.create(uri, 'sql', 1, text), await formatting(uri));
  assert.is(
    once,
    [
      '-- the brands',
      '-- @ parallel: 2',
      "RVBBIT MAP 'traits/extract_brand.yaml'\nUSING (select 1)\nWITH (limit = 2); -- done",
      "RVBBIT MAP PARALLEL 0 'x' USING (select 1);",
      'select   1',
    ].join('\n'),
  );
  await lsp.change(uri, [{ text: once }]);
  assert.equal(await formatting(uri), []);
});

test('formatting keeps the annotations after EXPLAIN, after EXPLAIN; twice is once', async () => {
  const uri = nextUri();
  const text =
    "-- @ model: m\nexplain -- @ parallel: 4\nrvbbit map 'traits/extract_brand.yaml' using (select 1)";
  await lsp.open(uri, text);
  const once = TextDocument.applyEdits(TextDocument.create(uri, 'sql', 1, text), await formatting(uri));
  assert.is(
    once,
    "-- @ model: m\nEXPLAIN\n-- @ parallel: 4\nRVBBIT MAP 'traits/extract_brand.yaml'\nUSING (select 1)",
  );
  await lsp.change(uri, [{ text: once }]);
  assert.equal(await formatting(uri), []);
});

test('go to definition: an operator word opens its form in the YAML, a cascade path its file', async () => {
  const uri = nextUri();
  const text = "RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT a FROM t WHERE a RHYMES 'b')";
  await lsp.open(uri, text);
  const def = async (character: number) =>
    (await lsp.connection.sendRequest(DefinitionRequest.type, {
      textDocument: { uri },
      position: at(character),
    })) as Location | null;
  const yaml = readFileSync(join(dir, 'rhymes.yaml'), 'utf8').split('\n');
  const line = yaml.findIndex((l) => l.includes('{{ text }} RHYMES {{ other }}'));
  assert.equal(await def(text.indexOf('RHYMES') + 2), {
    uri: pathToFileURL(join(dir, 'rhymes.yaml')).href,
    range: { start: at(0, line), end: at(0, line) },
  });
  assert.equal(await def(20), {
    uri: pathToFileURL(join(dir, 'traits/extract_brand.yaml')).href,
    range: { start: at(0), end: at(0) },
  });
  assert.is(await def(text.indexOf('SELECT') + 1), null);
});

test('semantic tokens come from tokens(), one per token, lines split', async () => {
  const uri = nextUri();
  await lsp.open(uri, "SELECT a MEANS 'b' /* x\ny */ FROM t");
  const tokens = await lsp.connection.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
  const data = tokens?.data ?? [];
  const legend = lsp.capabilities.semanticTokensProvider!.legend.tokenTypes;
  const decoded: [number, number, number, string][] = [];
  let line = 0;
  let char = 0;
  for (let i = 0; i < data.length; i += 5) {
    line += data[i]!;
    char = data[i]! === 0 ? char + data[i + 1]! : data[i + 1]!;
    decoded.push([line, char, data[i + 2]!, legend[data[i + 3]!]!]);
  }
  assert.equal(decoded, [
    [0, 0, 6, 'keyword'],
    [0, 7, 1, 'variable'],
    [0, 9, 5, 'operator'],
    [0, 15, 3, 'string'],
    [0, 19, 4, 'comment'],
    [1, 0, 4, 'comment'],
    [1, 5, 4, 'keyword'],
    [1, 10, 1, 'variable'],
  ]);
});

test.run();
