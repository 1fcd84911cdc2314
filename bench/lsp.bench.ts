/**
 * `npm run bench:lsp`: what an editor waits for from `rvbbit lsp --stdio`,
 * measured through a real client over stdio (test/lsp/lsp-client.ts):
 * - diagnostics after one keystroke in a 200-line document (1,000 edits, p50/p99),
 *   with the default debounce and with `--debounce 0` (the server's own time);
 * - diagnostics after one keystroke in a 1 MB document;
 * - completion at random places in the 200-line document (1,000 requests);
 * - start-up: spawning the built `bin/rvbbit.js lsp --stdio` until `initialize` is answered
 *   (after `npm run build`; skipped without dist/).
 * Latency is from sending the change (or request) to receiving its answer.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CompletionRequest } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { mulberry32 } from '../src/sim/rng.js';
import { ROOT } from '../test/cli/helpers.js';
import { LspClient } from '../test/lsp/lsp-client.js';

const STATEMENTS = [
  "-- @ parallel: 8\nRVBBIT MAP PARALLEL 20 DISTINCT 'traits/extract_brand.yaml'\nAS (brand VARCHAR, confidence DOUBLE)\nUSING (\n  SELECT product_name FROM products\n  WHERE category = 'electronics'\n  LIMIT 5000\n)\nWITH (cache = '1d', on_error = 'null');",
  "SELECT id, text ALIGNS 'SQL is good for AI' AS score\nFROM tweets\nWHERE text MEANS 'talks about databases'\nLIMIT 10;",
  "RVBBIT RUN 'traits/analyze_batch.yaml'\nUSING (SELECT * FROM products WHERE category = 'electronics' LIMIT 500)\nWITH (as_table = 'electronics_batch');",
  'SELECT category, LLM_SUMMARIZE(review) AS summary, count(*) AS n\nFROM reviews\nGROUP BY category\nORDER BY n DESC;',
];

/** A document of about `lines` lines (or `bytes` characters) of realistic statements. */
function documentOf(limit: { lines?: number; bytes?: number }): string {
  const out: string[] = [];
  let lines = 0;
  let bytes = 0;
  for (let i = 0; (limit.lines ?? Infinity) > lines && (limit.bytes ?? Infinity) > bytes; i++) {
    const s = STATEMENTS[i % STATEMENTS.length]!;
    out.push(s);
    lines += s.split('\n').length + 1;
    bytes += s.length + 2;
  }
  return out.join('\n\n');
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(2)} ms`;

/** One keystroke per edit: type a character at a random place, or delete the one typed last. */
async function keystrokes(lsp: LspClient, uri: string, text: string, edits: number): Promise<number[]> {
  let doc = TextDocument.create(uri, 'rvbbit-sql', 1, text);
  await lsp.open(uri, text);
  const rnd = mulberry32(7);
  const times: number[] = [];
  let typed: number | undefined;
  for (let i = 0; i < edits; i++) {
    const at = typed ?? Math.floor(rnd() * doc.getText().length);
    const change =
      typed === undefined
        ? { range: { start: doc.positionAt(at), end: doc.positionAt(at) }, text: 'x' }
        : { range: { start: doc.positionAt(at), end: doc.positionAt(at + 1) }, text: '' };
    typed = typed === undefined ? at : undefined;
    doc = TextDocument.update(doc, [change], doc.version + 1);
    const t0 = performance.now();
    await lsp.change(uri, [change]);
    times.push(performance.now() - t0);
  }
  return times;
}

async function completions(lsp: LspClient, uri: string, text: string, n: number): Promise<number[]> {
  const doc = TextDocument.create(uri, 'rvbbit-sql', 1, text);
  const rnd = mulberry32(11);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const position = doc.positionAt(Math.floor(rnd() * text.length));
    const t0 = performance.now();
    await lsp.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
    times.push(performance.now() - t0);
  }
  return times;
}

const report = (label: string, xs: number[]) =>
  console.log(
    `${label.padEnd(44)} p50 ${ms(pct(xs, 50)).padStart(9)}  p99 ${ms(pct(xs, 99)).padStart(9)}  max ${ms(Math.max(...xs)).padStart(9)}  (n=${xs.length})`,
  );

const EDITS = Number(process.env.LSP_BENCH_EDITS ?? 1000);
const doc200 = documentOf({ lines: 200 });
const doc1mb = documentOf({ bytes: 1_048_576 });
console.log(
  `documents: ${doc200.split('\n').length} lines (${doc200.length} chars); ${doc1mb.split('\n').length} lines (${(doc1mb.length / 1e6).toFixed(2)} MB)`,
);

for (const args of [[], ['--debounce', '0']]) {
  const lsp = await LspClient.start(args);
  const name = args.length ? 'debounce 0' : 'default debounce';
  await keystrokes(lsp, 'file:///warm.sql', doc200, 100); // warm-up: JIT, catalog loaded
  report(
    `diagnostics, 200 lines, 1 keystroke (${name})`,
    await keystrokes(lsp, 'file:///a.sql', doc200, EDITS),
  );
  if (!args.length) {
    report('completion, 200 lines', await completions(lsp, 'file:///a.sql', doc200, EDITS));
    report(`diagnostics, 1 MB, 1 keystroke (${name})`, await keystrokes(lsp, 'file:///big.sql', doc1mb, 20));
  }
  await lsp.stop();
}

if (existsSync(join(ROOT, 'dist/cli.js'))) {
  const starts: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const lsp = await LspClient.start([], null, ['bin/rvbbit.js']);
    starts.push(performance.now() - t0);
    await lsp.stop();
  }
  report('start-up to initialize answered (built bin)', starts);
}
