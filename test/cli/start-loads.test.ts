/**
 * Start-up pays only for what the statement uses (issue 66): `rvbbit query
 * "SELECT 1"` loads none of the libraries that only some statements need,
 * and starts no thread (no worker pool, no built-in simulator). The child's
 * every module and thread is traced by preloads (test/fixtures/module-trace).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT, rvbbit } from './helpers.js';

const TRACE_DIR = join(ROOT, 'test/fixtures/module-trace');

/** Libraries a plain statement never uses, each loaded when a statement first needs it. */
const LOADED_ON_FIRST_USE = [
  'gpt-tokenizer', // token counts and OpenAI's model limits: LLM calls, TEXT_CHUNKS
  'jstat', // SUPG thresholds of a proxy
  'piscina', // the worker pool: the first chunk of LLM calls
  '@huggingface/jinja', // Jinja templates: cascades, CREATE SEMANTIC FUNCTION
  'liquidjs', // Liquid templates (bundled into dist/: seen from source only)
  '@hyzyla/pdfium', // DOCUMENT_TEXT of a PDF
  'htmlparser2', // DOCUMENT_TEXT of HTML
  'fflate', // DOCX
  'bullmq', // the queue
  'ioredis',
  'vscode-languageserver', // the LSP
  'undici', // the LLM client (bundled into dist/: seen from source only)
];

/** Runs the CLI with the tracing preloads; what it loaded and the threads it started. */
async function traced(
  args: readonly string[],
): Promise<{ code: number | null; out: string; err: string; trace: string[] }> {
  const trace = join(mkdtempSync(join(tmpdir(), 'rvbbit-trace-')), 'trace.txt');
  const r = await rvbbit(args, {
    env: {
      RVBBIT_MODULE_TRACE: trace,
      NODE_OPTIONS: `--require ${join(TRACE_DIR, 'trace.cjs')} --import ${join(TRACE_DIR, 'register.mjs')}`,
    },
  });
  return {
    code: r.code,
    out: r.out,
    err: r.err,
    trace: readFileSync(trace, 'utf8').split('\n').filter(Boolean),
  };
}

/** The packages under node_modules the trace names (scoped ones with their scope). */
function packages(trace: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const line of trace) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m) out.add(m[1]!);
  }
  return out;
}

test('SELECT 1 loads none of the libraries kept for first use, and starts no thread', async () => {
  const r = await traced(['query', '--format', 'csv', 'SELECT 1 AS x']);
  assert.is(r.err, '');
  assert.is(r.code, 0);
  assert.is(r.out, 'x\n1\n');
  const loaded = packages(r.trace);
  // The trace works: it saw DuckDB, which every statement needs.
  assert.ok(loaded.has('@duckdb/node-api'), [...loaded].join(', '));
  assert.equal(
    LOADED_ON_FIRST_USE.filter((p) => loaded.has(p)),
    [],
  );
  assert.equal(
    r.trace.filter((l) => l.startsWith('worker ')),
    [],
  );
});

test('--version loads no SQL grammar: the parser (chevrotain) is loaded by commands that parse', async () => {
  const r = await traced(['--version']);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /^\d+\.\d+\.\d+/);
  // Every file the process loaded, from source or the build's chunks (which bundle chevrotain in).
  const files = [...new Set(r.trace.map((l) => l.replace(/^(module|require|worker) /, '')))].map((f) =>
    f.startsWith('file:') ? fileURLToPath(f) : f,
  );
  const parsers = files.filter(
    (f) => existsSync(f) && readFileSync(f, 'utf8').includes('performSelfAnalysis'),
  );
  assert.equal(parsers, []);
});

test('an LLM statement still starts the simulator and the pool, and loads what it uses, no tokenizer encoding it does not count with', async () => {
  const r = await traced([
    'query',
    '--format',
    'csv',
    "SELECT x FROM (VALUES ('a')) t(x) WHERE x MEANS 'a letter'",
  ]);
  assert.is(r.code, 0, r.err);
  // The simulator's deterministic verdict for this row is false: the header only.
  assert.is(r.out, 'x\n');
  const workers = r.trace.filter((l) => l.startsWith('worker ')).map((l) => l.replace(/.*\//, ''));
  // The built-in simulator's thread (its entry, from source or the build).
  assert.ok(
    workers.some((w) => /^thread-main\.(ts|js)$/.test(w)),
    workers.join(', '),
  );
  assert.ok(packages(r.trace).has('gpt-tokenizer'));
  // Only what it uses: the default profile counts characters / 4 and this prompt is far from any
  // window, so neither the simulator nor the client builds an encoding's ranks (o200k_base ~400 ms
  // of CPU, cl100k_base ~180 ms: every `--sim` start paid both before sim/token-count.ts loaded
  // them on first use).
  assert.equal(
    r.trace.filter((l) => /gpt-tokenizer\/(esm|cjs)\/(encoding|bpeRanks)\//.test(l)),
    [],
  );
});

test.run();
