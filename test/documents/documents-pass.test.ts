/**
 * The documents pass (engine/documents-pass.ts): documents only a column
 * names (a table of BLOBs, a column of paths) and long texts for TEXT_CHUNKS
 * are parsed and cut on the parser thread between passes of the statement,
 * never in DuckDB's call (the parser's counters say which way each went),
 * with the exact pages, texts and chunks, in the statement's row order; a
 * write lands once; inside a client's transaction a write parses in the call
 * as before; a bad document fails the statement with its code at the row it
 * is met; a parse that exhausts the parser thread's heap fails its statement
 * alone and the next starts a fresh thread.
 */
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DocumentParser } from '../../src/documents/document-parser.js';
import { textChunks } from '../../src/documents/text-chunks.js';
import { createEngine, type Engine, RvbbitError } from '../../src/index.js';
import {
  contractFolder,
  DOCX_PARAGRAPHS,
  damagedPdf,
  encryptedPdf,
  generatedText,
  HTML_TEXT,
  PDF_TEXT_PAGES,
} from './fixtures.js';

let engine: Engine;
let parser: DocumentParser;
let dir: string;

test.before(async () => {
  ({ dir } = await contractFolder());
  engine = await createEngine({ dataFolders: [dir], threads: 1 });
  parser = (engine as unknown as { documentParser: DocumentParser }).documentParser;
});
test.after(async () => {
  await engine.close();
  rmSync(dirname(dir), { recursive: true, force: true });
});

const rows = async (sql: string, params?: unknown[]) =>
  (await engine.query(sql, params)).rows as Record<string, unknown>[];

async function failure(sql: string): Promise<RvbbitError> {
  try {
    await engine.query(sql);
  } catch (err) {
    assert.instance(err, RvbbitError);
    return err as RvbbitError;
  }
  throw new Error(`expected ${sql} to fail`);
}

/** What the parser did since `was`: parses in DuckDB's call, and documents and texts done between passes. */
function since(was: { blocking: number; documents: number; chunks: number }) {
  return {
    blocking: parser.stats.blocking - was.blocking,
    documents: parser.passed.documents - was.documents,
    chunks: parser.passed.chunks - was.chunks,
  };
}
const now = () => ({ blocking: parser.stats.blocking, ...parser.passed });

test('a table of BLOBs: the exact pages and text of each, parsed between passes, none in the call', async () => {
  await rows(`CREATE TABLE d AS SELECT filename, content FROM read_blob('${dir}/*') ORDER BY filename`);
  const was = now();
  const r = await rows(
    `SELECT parse_filename(filename) AS f, DOCUMENT_PAGES(content) AS p FROM d ORDER BY f`,
  );
  assert.equal(r, [
    { f: 'a.pdf', p: PDF_TEXT_PAGES },
    { f: 'b.docx', p: [DOCX_PARAGRAPHS.join('\n')] },
    { f: 'c.html', p: [HTML_TEXT] },
  ]);
  assert.equal(since(was), { blocking: 0, documents: 3, chunks: 0 });
  // Parsed once: DOCUMENT_TEXT of the same BLOBs finds them kept.
  assert.equal(
    (await rows(`SELECT DOCUMENT_TEXT(content) AS t FROM d`)).map((x) => x.t),
    [PDF_TEXT_PAGES.join('\n\n'), DOCX_PARAGRAPHS.join('\n'), HTML_TEXT],
  );
  assert.equal(since(was), { blocking: 0, documents: 3, chunks: 0 });
});

test('a column of paths: DOCUMENT_TEXT in the table’s own row order, NULL for NULL', async () => {
  await rows(
    `CREATE TABLE paths AS SELECT * FROM (VALUES (1, 'c.html'), (2, 'a.pdf'), (3, NULL), (4, 'b.docx')) t(i, path)`,
  );
  const was = now();
  assert.equal(await rows(`SELECT i, DOCUMENT_TEXT(path) AS t FROM paths`), [
    { i: 1, t: HTML_TEXT },
    { i: 2, t: PDF_TEXT_PAGES.join('\n\n') },
    { i: 3, t: null },
    { i: 4, t: DOCX_PARAGRAPHS.join('\n') },
  ]);
  assert.equal(since(was), { blocking: 0, documents: 3, chunks: 0 });
});

test('streamed: the passes run first with their rows let go, then the rows stream, exact and in order', async () => {
  for (const f of ['a.pdf', 'c.html']) copyFileSync(join(dir, f), join(dir, `s-${f}`));
  await rows(`CREATE TABLE spaths AS SELECT * FROM (VALUES (1, 's-c.html'), (2, 's-a.pdf')) t(i, path)`);
  const was = now();
  const got: Record<string, unknown>[] = [];
  for await (const batch of engine.stream(`SELECT i, DOCUMENT_TEXT(path) AS t FROM spaths`))
    got.push(...batch);
  assert.equal(got, [
    { i: 1, t: HTML_TEXT },
    { i: 2, t: PDF_TEXT_PAGES.join('\n\n') },
  ]);
  assert.equal(since(was), { blocking: 0, documents: 2, chunks: 0 });
});

test('TEXT_CHUNKS over a column of long texts: the chunks cut in the call would give, each text cut on the thread', async () => {
  const texts = [generatedText(11, 300_000), 'A short one. Cut in the call.', generatedText(12, 200_000)];
  await rows(`CREATE TABLE texts (i INTEGER, t VARCHAR)`);
  for (const [i, t] of texts.entries()) await rows(`INSERT INTO texts VALUES ($1, $2)`, [i, t]);
  const was = now();
  const r = await rows(
    `SELECT i, TEXT_CHUNKS(t, 200) AS plain, TEXT_CHUNKS(t, 200, 40) AS overlapped FROM texts`,
  );
  assert.equal(
    r,
    texts.map((t, i) => ({ i, plain: textChunks(t, 200), overlapped: textChunks(t, 200, 40) })),
  );
  // Two long texts × two limits on the thread; the short one in the call, within its small budget.
  assert.equal(since(was), { blocking: 0, documents: 0, chunks: 4 });
});

test('TEXT_CHUNKS(DOCUMENT_TEXT(content)): the pages, then their chunks, each between passes', async () => {
  const long = generatedText(21, 60_000);
  const page = `<html><body><pre>${long.replaceAll('&', '&amp;').replaceAll('<', '&lt;')}</pre></body></html>`;
  await rows(`CREATE TABLE big AS SELECT encode($1) AS content`, [page]);
  const was = now();
  const [r] = await rows(`SELECT TEXT_CHUNKS(DOCUMENT_TEXT(content), 300) AS c FROM big`);
  assert.equal(since(was), { blocking: 0, documents: 1, chunks: 1 });
  const [{ t }] = (await rows(`SELECT DOCUMENT_TEXT(content) AS t FROM big`)) as [{ t: string }];
  assert.ok(t.length > 16 * 1024, `${t.length} characters`);
  assert.equal(r!.c, textChunks(t, 300));
});

test('writes: CREATE TABLE … AS and INSERT land once with the real texts; inside BEGIN … COMMIT a write parses in the call', async () => {
  for (const f of ['a.pdf', 'b.docx', 'c.html']) copyFileSync(join(dir, f), join(dir, `w-${f}`));
  await rows(`CREATE TABLE wpaths AS SELECT * FROM (VALUES (1, 'w-a.pdf'), (2, 'w-b.docx')) t(i, path)`);
  const was = now();
  await rows(`CREATE TABLE w AS SELECT i, DOCUMENT_TEXT(path) AS t FROM wpaths`);
  await rows(`INSERT INTO w SELECT i + 10, DOCUMENT_TEXT(path) FROM wpaths`);
  assert.equal(since(was), { blocking: 0, documents: 2, chunks: 0 });
  await engine.query(
    `BEGIN; INSERT INTO w SELECT 20, DOCUMENT_TEXT(path) FROM (VALUES ('w-c.html')) t(path); COMMIT`,
  );
  // No transaction of its own can be opened inside the client's: parsed in the call, as before passes.
  assert.equal(since(was), { blocking: 1, documents: 2, chunks: 0 });
  const pdf = PDF_TEXT_PAGES.join('\n\n');
  const docx = DOCX_PARAGRAPHS.join('\n');
  assert.equal(await rows(`SELECT i, t FROM w ORDER BY i`), [
    { i: 1, t: pdf },
    { i: 2, t: docx },
    { i: 11, t: pdf },
    { i: 12, t: docx },
    { i: 20, t: HTML_TEXT },
  ]);
});

test('a bad document in a column fails the statement with its code and message, at the first bad row; the next statement runs', async () => {
  writeFileSync(join(dir, 'locked.pdf'), encryptedPdf());
  writeFileSync(join(dir, 'bad.pdf'), damagedPdf());
  await rows(
    `CREATE TABLE badpaths AS SELECT * FROM (VALUES (1, 'c.html'), (2, 'locked.pdf'), (3, 'bad.pdf')) t(i, path)`,
  );
  const was = now();
  const err = await failure(`SELECT i, DOCUMENT_TEXT(path) AS t FROM badpaths`);
  assert.is(err.code, 'DOCUMENT_ENCRYPTED');
  assert.is(
    err.message,
    'DOCUMENT_TEXT: PDF: the file is encrypted and needs a password to read (file locked.pdf, which starts with "%PDF-1.4\\x0a1 0…")',
  );
  assert.equal(since(was), { blocking: 0, documents: 2, chunks: 0 });
  const damaged = await failure(`SELECT i, DOCUMENT_TEXT(path) AS t FROM badpaths WHERE i <> 2`);
  assert.is(damaged.code, 'DOCUMENT_DAMAGED');
  assert.match(damaged.message, /^DOCUMENT_TEXT: PDF: the file cannot be read \(damaged or cut short\)/);
  assert.ok(
    damaged.message.endsWith(' (file bad.pdf, which starts with "%PDF-1.7\\x0athi…")'),
    damaged.message,
  );
  // A BLOB of the damaged bytes from a table: the same code and message, naming the BLOB for the file.
  await rows(`CREATE TABLE badblobs AS SELECT content FROM read_blob('${dir}/bad.pdf')`);
  const blobErr = await failure(`SELECT DOCUMENT_TEXT(content) FROM badblobs`);
  assert.is(blobErr.code, 'DOCUMENT_DAMAGED');
  assert.is(
    blobErr.message,
    damaged.message.replace('(file bad.pdf,', `(a BLOB of ${damagedPdf().length} bytes,`),
  );
  assert.equal(await rows(`SELECT i, DOCUMENT_TEXT(path) AS t FROM badpaths WHERE i = 1`), [
    { i: 1, t: HTML_TEXT },
  ]);
});

test('a document that needs more than the parser thread’s heap: DOCUMENT_PARSE_LIMIT naming the cap; the next parse runs on a fresh thread', async () => {
  // 40 MB of HTML, 100,000 paragraphs: its lines outgrow a 64 MB heap one string at a time, which Node
  // stops as the thread's own out-of-memory (one array grown past the cap would abort the process).
  writeFileSync(
    join(dir, 'heavy.html'),
    `<html><body>${`<p>${'word '.repeat(80)}</p>`.repeat(100_000)}</body></html>`,
  );
  const small = new DocumentParser({
    folders: [{ given: dir, real: dir }],
    maxBytes: 64 << 20,
    heapMb: 64,
    threads: 1,
  });
  // The thread a pass's parse runs on (the pool's only one here: src/documents/parser-pool.ts), while one runs.
  const thread = () =>
    (small.pool as unknown as { threads: { thread?: { worker: unknown } }[] }).threads[0]?.thread?.worker;
  try {
    const pass = small.openPass(1);
    assert.is(small.pagesOfFile('heavy.html', pass), null);
    assert.ok(await small.resolvePass(pass));
    const first = thread();
    assert.is(first, undefined, 'the thread ended');
    pass.startPass(); // the statement's next pass
    try {
      small.pagesOfFile('heavy.html', pass);
      assert.unreachable();
    } catch (err) {
      assert.is((err as RvbbitError).code, 'DOCUMENT_PARSE_LIMIT');
      assert.is(
        (err as RvbbitError).message,
        "the document parser stopped while reading this document: it needs more than the parser thread's 64 MB of memory, or is built to exhaust it (file heavy.html)",
      );
    }
    small.closePass(pass);
    const next = small.openPass(1);
    assert.is(small.pagesOfFile('c.html', next), null);
    assert.ok(await small.resolvePass(next));
    assert.ok(thread(), 'a fresh thread');
    next.startPass();
    assert.equal(small.pagesOfFile('c.html', next), [HTML_TEXT]);
  } finally {
    small.close();
    rmSync(join(dir, 'heavy.html'));
  }
});

test.run();
