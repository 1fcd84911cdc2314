/**
 * Documents: pages per second extracting a generated 200-page PDF (40 lines
 * a page) through DOCUMENT_PAGES, cold (the parser thread and pdf.js
 * start), parsed ahead (a path the statement names), by the documents pass
 * (a path from a column, a BLOB from a table) and in the call (a write from a
 * column inside BEGIN … COMMIT, the one path left that waits in DuckDB's
 * call), each a copy so the answer cache does not serve it, and how long the
 * main thread was held meanwhile (the longest gap of a 5 ms timer;
 * docs/documents.md says why); TEXT_CHUNKS over 10 MB of text, called
 * directly and through SQL (on the parser thread, by the documents pass), in
 * MB/s and chunks, the main thread's hold too; the process's peak RSS after
 * each step.
 *
 *   node --import tsx bench/documents.bench.ts [--pages 200] [--mb 10] [--max 500]
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { textChunks } from '../src/documents/text-chunks.js';
import { createEngine } from '../src/index.js';
import { generatedText, pdfOf } from '../test/documents/fixtures.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const PAGES = arg('pages', 200);
const MB = arg('mb', 10);
const MAX_TOKENS = arg('max', 500);

const peakMb = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);
const line = (s: string) => process.stdout.write(`${s}\n`);

/** The longest gap between ticks of a 5 ms timer: how long the main thread could answer nothing. */
function holdWatch(): { stop(): Promise<number> } {
  let last = performance.now();
  let max = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last - 5);
    last = now;
  }, 5);
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 20));
      clearInterval(timer);
      return max;
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'rvbbit-docbench-'));
const lines = (p: number) =>
  Array.from(
    { length: 40 },
    (_, i) => `Page ${p + 1}, line ${i + 1}: the supplier shall indemnify the customer for all losses.`,
  );
writeFileSync(join(dir, 'cold.pdf'), await pdfOf(Array.from({ length: PAGES }, (_, p) => lines(p))));
for (const copy of ['ahead.pdf', 'column.pdf', 'in-call.pdf'])
  copyFileSync(join(dir, 'cold.pdf'), join(dir, copy));
// Other bytes: a copy's BLOB would be found by the hash the ahead parse kept.
writeFileSync(join(dir, 'blob.pdf'), await pdfOf(Array.from({ length: PAGES }, (_, p) => lines(p + PAGES))));
line(`machine: ${process.version}, peak RSS before the engine ${peakMb()} MB`);

const engine = await createEngine({ dataFolders: [dir] });
try {
  await engine.query(`CREATE TABLE blobs AS SELECT content FROM read_blob('${join(dir, 'blob.pdf')}')`);
  // cold: the parser thread starts; ahead: a path the statement names, parsed before it runs;
  // column and blob: the documents pass (recorded, parsed on the thread, the statement run again);
  // in the call: a write inside the client's transaction, parsed while DuckDB's call waits.
  const runs = [
    ['cold.pdf', `SELECT len(DOCUMENT_PAGES('cold.pdf'))::INTEGER AS n`],
    ['ahead.pdf', `SELECT len(DOCUMENT_PAGES('ahead.pdf'))::INTEGER AS n`],
    ['column.pdf', `SELECT len(DOCUMENT_PAGES(f))::INTEGER AS n FROM (VALUES ('column.pdf')) t(f)`],
    ['blob.pdf (a table)', `SELECT len(DOCUMENT_PAGES(content))::INTEGER AS n FROM blobs`],
    [
      'in-call.pdf (write in BEGIN … COMMIT)',
      `BEGIN; CREATE TABLE in_call AS SELECT len(DOCUMENT_PAGES(f))::INTEGER AS n FROM (VALUES ('in-call.pdf')) t(f); COMMIT; SELECT n FROM in_call`,
    ],
  ] as const;
  for (const [file, sql] of runs) {
    const held = holdWatch();
    const t0 = performance.now();
    const r = await engine.query(sql);
    const ms = performance.now() - t0;
    const heldMs = await held.stop();
    const n = (r.rows[0] as { n: number }).n;
    line(
      `DOCUMENT_PAGES ${file}: ${n} pages in ${ms.toFixed(0)} ms = ${((n / ms) * 1000).toFixed(0)} pages/s; main thread held up to ${heldMs.toFixed(0)} ms; peak RSS ${peakMb()} MB`,
    );
  }
  const text = generatedText(1, MB * 1024 * 1024);
  const bytes = Buffer.byteLength(text);
  let t0 = performance.now();
  const chunks = textChunks(text, MAX_TOKENS);
  let ms = performance.now() - t0;
  line(
    `TEXT_CHUNKS direct: ${(bytes / 1e6).toFixed(1)} MB into ${chunks.length} chunks of ≤ ${MAX_TOKENS} tokens in ${ms.toFixed(0)} ms = ${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s; peak RSS ${peakMb()} MB`,
  );
  await engine.query('CREATE TABLE t AS SELECT $1::VARCHAR AS body', [text]);
  const held = holdWatch();
  t0 = performance.now();
  const r = await engine.query(`SELECT len(TEXT_CHUNKS(body, ${MAX_TOKENS}))::INTEGER AS n FROM t`);
  ms = performance.now() - t0;
  const heldMs = await held.stop();
  line(
    `TEXT_CHUNKS in SQL: ${(r.rows[0] as { n: number }).n} chunks in ${ms.toFixed(0)} ms = ${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s; main thread held up to ${heldMs.toFixed(0)} ms; peak RSS ${peakMb()} MB`,
  );
} finally {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
