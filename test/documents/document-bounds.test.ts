/**
 * What one document may take is set by the engine, not by the document: at
 * small sizes and low configured caps, on real parser threads (the pool a
 * statement's parses run on) and a real engine.
 *
 * - Inflated bytes are counted as they inflate and stopped at the bound, in
 *   steps of at most ~1 MiB: a DOCX whose headers lie, a PDF content stream
 *   of zeros, a font compressed twice.
 * - Text is counted as it is emitted: a page of compressed text stops at the
 *   bound; 4 million newlines in a <pre> parse in a 32 MB heap (an array of
 *   its lines took the process down); nested tags stop at 512 deep.
 * - Parses run on a pool, each a thread: another owner's tiny page is not
 *   queued behind a slow document; owners take turns; a cancel ends the
 *   parse's thread at once.
 * - A parse ahead of a statement that meets its deadline fails the statement
 *   with it: one parse, not a second one for another deadline.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DocumentParser } from '../../src/documents/document-parser.js';
import { firstBytesLook } from '../../src/documents/document-subject.js';
import type { PoolReply } from '../../src/documents/parser-pool.js';
import { createEngine, RvbbitError } from '../../src/index.js';
import {
  damagedFlatePdf,
  lyingDocxBomb,
  lzwQuadraticBomb,
  manyPagePdf,
  nestedHtml,
  pdfFontBomb,
  pdfTextBomb,
  pdfWithContent,
  pdfZeroBomb,
  preNewlinesHtml,
  runLengthBomb,
} from './attack-documents.js';

const MiB = 1024 * 1024;
/** One 1 KiB slice of deflate inflates to at most ~1,032 KiB: the most a count can overshoot its bound by. */
const ONE_STEP = 1032 * 1024;

function parserWith(options: Partial<ConstructorParameters<typeof DocumentParser>[0]> = {}): DocumentParser {
  return new DocumentParser({ folders: [], maxBytes: 16 * MiB, maxInflateBytes: MiB, ...options });
}

/** One BLOB parsed on the parser's pool for `owner`. */
function parse(
  parser: DocumentParser,
  bytes: Uint8Array,
  owner = 1,
  signal?: AbortSignal,
): Promise<PoolReply> {
  return parser.pool.parse(owner, { id: 0, bytes, limits: parser.limits }, signal);
}

function failed(reply: PoolReply): { code: string; message: string; detail: Record<string, unknown> } {
  if (typeof reply === 'string' || !('error' in reply))
    throw new Error(`expected an error, got ${describe(reply)}`);
  return { code: reply.error.code, message: reply.error.message, detail: reply.error.detail ?? {} };
}

function pages(reply: PoolReply): string[] {
  if (typeof reply === 'string' || 'error' in reply)
    throw new Error(`expected pages, got ${describe(reply)}`);
  return reply.pages;
}

function describe(reply: PoolReply): string {
  if (typeof reply === 'string') return reply;
  return 'error' in reply ? `${reply.error.code}: ${reply.error.message}` : `${reply.pages.length} pages`;
}

test('a DOCX whose headers lie about its 64 MiB body stops at the 1 MiB inflate bound, one step past it at most', async () => {
  const parser = parserWith();
  try {
    const bomb = lyingDocxBomb(64);
    assert.ok(bomb.length < 128 * 1024, `${bomb.length}`);
    const e = failed(await parse(parser, bomb));
    assert.is(e.code, 'DOCUMENT_TOO_LARGE');
    assert.match(
      e.message,
      /^DOCX: word\/document\.xml inflates to more than \d+ bytes; the limit is 1048576 bytes/,
    );
    assert.match(e.message, /engine option maxDocumentInflateBytes, --max-document-inflate-bytes/);
    const inflated = e.detail.bytes as number;
    assert.ok(inflated > MiB && inflated <= MiB + ONE_STEP, `stopped after ${inflated} bytes`);
  } finally {
    parser.close();
  }
});

test('a PDF content stream of 64 MiB of zeros stops at the inflate bound before PDFium reads it, naming its object', async () => {
  const parser = parserWith();
  try {
    const e = failed(await parse(parser, pdfZeroBomb(64)));
    assert.is(e.code, 'DOCUMENT_TOO_LARGE');
    assert.match(
      e.message,
      /^PDF: the stream of object 5 0 inflates to more than \d+ bytes; the limit is 1048576 bytes/,
    );
    const inflated = e.detail.bytes as number;
    assert.ok(inflated > MiB && inflated <= MiB + ONE_STEP, `stopped after ${inflated} bytes`);
    // Stopped at a bound, its thread is ended: what it built up to the bound goes with it.
    const threads = (parser.pool as unknown as { threads: { thread?: unknown }[] }).threads;
    assert.is(threads[0]!.thread, undefined, 'its thread ended');
    assert.is(parser.pool.stats.ended, 1);
  } finally {
    parser.close();
  }
});

test('a PDF font compressed twice ([/FlateDecode /FlateDecode], 64 MiB) is counted through both filters', async () => {
  const parser = parserWith();
  try {
    const e = failed(await parse(parser, pdfFontBomb(64)));
    assert.is(e.code, 'DOCUMENT_TOO_LARGE');
    assert.match(
      e.message,
      /^PDF: the stream of object 7 0 inflates to more than \d+ bytes; the limit is 1048576 bytes/,
    );
    assert.ok((e.detail.bytes as number) <= MiB + ONE_STEP, `${e.detail.bytes}`);
  } finally {
    parser.close();
  }
});

test('LZW (pdf.js repeats a sequence past its table one byte longer each time), RunLength and ASCIIHex-then-Flate streams are counted through their filters', async () => {
  const parser = parserWith();
  try {
    const zeros = deflateSync(Buffer.alloc(64 * MiB), { level: 9 });
    for (const [filter, data] of [
      ['/LZWDecode', lzwQuadraticBomb(8 * 1024)],
      ['/RunLengthDecode', runLengthBomb(64 * 1024)],
      ['[/ASCIIHexDecode /FlateDecode]', Buffer.from(`${zeros.toString('hex')}>`, 'latin1')],
    ] as const) {
      const e = failed(await parse(parser, pdfWithContent(filter, data)));
      assert.is(e.code, 'DOCUMENT_TOO_LARGE', `${filter}: ${e.message}`);
      assert.match(
        e.message,
        /^PDF: the stream of object 5 0 inflates to more than \d+ bytes; the limit is 1048576 bytes/,
      );
      assert.ok((e.detail.bytes as number) <= MiB + ONE_STEP, `${filter}: ${e.detail.bytes}`);
    }
  } finally {
    parser.close();
  }
});

test("PDFium's memory stops at the thread's cap: a 64 MiB content stream under a higher inflate bound fails alone, and the thread reads on", async () => {
  const parser = parserWith({ heapMb: 48, maxInflateBytes: 256 * MiB });
  try {
    const e = failed(await parse(parser, pdfZeroBomb(64)));
    assert.is(e.code, 'DOCUMENT_PARSE_LIMIT');
    assert.match(
      e.message,
      /^PDF: reading the document needs more than the parser's 50331648 bytes of PDFium memory \(the parser thread's memory cap, engine option documentParserHeapMb\)/,
    );
    assert.is(parser.pool.stats.ended, 0, 'its thread goes on');
    assert.equal(pages(await parse(parser, manyPagePdf(2, 0))), ['page text', 'page text']);
  } finally {
    parser.close();
  }
});

test('PDF streams zlib finds damaged count as far as they inflate: two of 0.6 MiB each pass a 1 MiB bound together', async () => {
  const parser = parserWith();
  try {
    // One alone is within the bound: read (its content is zeros: no text).
    assert.equal(pages(await parse(parser, damagedFlatePdf(1, 600))), ['']);
    const e = failed(await parse(parser, damagedFlatePdf(2, 600)));
    assert.is(e.code, 'DOCUMENT_TOO_LARGE');
    assert.match(
      e.message,
      /^PDF: the stream of object 6 0 inflates to more than \d+ bytes; the limit is 1048576 bytes/,
    );
  } finally {
    parser.close();
  }
});

test('a PDF page of compressed text stops at the text bound (maxDocumentBytes characters), not at its end', async () => {
  // 5,000 lines of 1,000 characters: 5 M characters from a 5 MB stream deflated to a few KB.
  // The deadline out of the way: this is the text bound's test, and a busy machine (load 15+) has
  // let the parse's wall-clock deadline (60 s) end the thread before the bound was reached.
  const parser = parserWith({ maxBytes: MiB, maxInflateBytes: 64 * MiB, deadlineMs: 300_000 });
  try {
    const bomb = pdfTextBomb(5000);
    assert.ok(bomb.length < MiB, `${bomb.length}`);
    const e = failed(await parse(parser, bomb));
    assert.is(e.code, 'DOCUMENT_TOO_LARGE');
    assert.is(
      e.message,
      "PDF: the document's text is more than 1048576 characters; a document gives at most as many characters as maxDocumentBytes allows bytes (engine option maxDocumentBytes, --max-document-bytes)",
    );
  } finally {
    parser.close();
  }
});

test('4 million newlines in an HTML <pre> parse in a 32 MB heap: the text, exactly, and no array of its lines', async () => {
  const parser = parserWith({ heapMb: 32 });
  try {
    const n = 4_000_000;
    const text = pages(await parse(parser, preNewlinesHtml(n)));
    assert.is(text.length, 1);
    assert.is(text[0]!.length, n - 1);
    assert.ok(text[0] === '\n'.repeat(n - 1));
  } finally {
    parser.close();
  }
});

test('100,000 nested tags stop at 512 deep, at once', async () => {
  const parser = parserWith();
  try {
    const e = failed(await parse(parser, nestedHtml(100_000)));
    assert.is(e.code, 'DOCUMENT_TOO_LARGE');
    assert.is(
      e.message,
      'HTML: elements nested more than 512 deep (each open element costs the parser its depth; a page of nested tags is built to exhaust it)',
    );
    // 511 deep is a page.
    assert.equal(pages(await parse(parser, nestedHtml(509))), ['deep']);
  } finally {
    parser.close();
  }
});

/** Settles, and records when, in the order the promises settle. */
function ordered(order: string[], name: string, p: Promise<PoolReply>): Promise<PoolReply> {
  return p.then((r) => {
    order.push(name);
    return r;
  });
}

const TINY_HTML = Buffer.from('<html><body><p>tiny</p></body></html>');

test("another owner's tiny page is not queued behind a slow document: it answers while the slow one still parses", async () => {
  const parser = parserWith({ threads: 2 });
  const order: string[] = [];
  const slowCancel = new AbortController();
  try {
    // 1,500 pages of 5,000 strokes each: seconds of the parser's CPU.
    const slow = ordered(order, 'slow', parse(parser, manyPagePdf(1500), 1, slowCancel.signal));
    const tiny = ordered(order, 'tiny', parse(parser, TINY_HTML, 2));
    assert.equal(pages(await tiny), ['tiny']);
    assert.equal(order, ['tiny'], 'the slow document still parses');
    slowCancel.abort();
    assert.is(await slow, 'cancelled');
  } finally {
    parser.close();
  }
});

test('owners take turns for a thread: one owner with three slow documents queued, another with one tiny page', async () => {
  const parser = parserWith({ threads: 1 });
  const order: string[] = [];
  const cancels = [new AbortController(), new AbortController(), new AbortController()];
  try {
    const slowPdf = manyPagePdf(1500);
    const slow = cancels.map((c, i) => ordered(order, `slow${i + 1}`, parse(parser, slowPdf, 1, c.signal)));
    const tiny = ordered(order, 'tiny', parse(parser, TINY_HTML, 2));
    // The first slow document holds the one thread; cancelled, the thread goes to the next owner in turn.
    cancels[0]!.abort();
    assert.equal(pages(await tiny), ['tiny']);
    assert.equal(order, ['slow1', 'tiny']);
    for (const c of cancels) c.abort();
    assert.equal(await Promise.all(slow), ['cancelled', 'cancelled', 'cancelled']);
  } finally {
    parser.close();
  }
});

test('a cancel ends the parse at once: its thread is ended (its memory with it), and the next parse runs on a fresh one', async () => {
  const parser = parserWith({ threads: 1 });
  const threads = () => (parser.pool as unknown as { threads: { thread?: { worker: unknown } }[] }).threads;
  try {
    const cancel = new AbortController();
    const slow = parse(parser, manyPagePdf(1500), 1, cancel.signal);
    // Running: its thread has started.
    await new Promise((r) => setTimeout(r, 200));
    const worker = threads()[0]!.thread?.worker;
    assert.ok(worker, 'the parse runs');
    cancel.abort();
    assert.is(await slow, 'cancelled');
    assert.is(threads()[0]!.thread, undefined, 'its thread ended');
    assert.is(parser.pool.stats.ended, 1);
    assert.equal(pages(await parse(parser, TINY_HTML)), ['tiny']);
    assert.ok(threads()[0]!.thread?.worker !== worker, 'a fresh thread');
  } finally {
    parser.close();
  }
});

test('a thread idle past its idle time is ended: a large parse leaves no heap behind', async () => {
  const parser = parserWith();
  (parser.pool as unknown as { idleMs: number }).idleMs = 300;
  const threads = () => (parser.pool as unknown as { threads: { thread?: { worker: unknown } }[] }).threads;
  try {
    assert.equal(pages(await parse(parser, TINY_HTML)), ['tiny']);
    assert.ok(threads()[0]!.thread, 'the thread stays for the next parse');
    await new Promise((r) => setTimeout(r, 600));
    assert.is(threads()[0]!.thread, undefined, 'ended once idle');
    assert.equal(pages(await parse(parser, TINY_HTML)), ['tiny']);
  } finally {
    parser.close();
  }
});

test('a document that meets its deadline ahead of the statement fails it with DOCUMENT_PARSE_LIMIT: parsed once, not again by its documents pass', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-bounds-'));
  const slow = manyPagePdf(1500);
  writeFileSync(join(dir, 'slow.pdf'), slow);
  const engine = await createEngine({ dataFolders: [dir], threads: 1, documentParseDeadlineMs: 1000 });
  const parser = (engine as unknown as { documentParser: DocumentParser }).documentParser;
  try {
    // The thread's limit, met as a BLOB (named by its size and first bytes) and as a file (by its path).
    for (const [sql, parses, subject] of [
      [
        `SELECT length(DOCUMENT_TEXT(content)) AS n FROM read_blob('${dir}/slow.pdf')`,
        1,
        `a BLOB of ${slow.length} bytes, which ${firstBytesLook(slow)}`,
      ],
      [`SELECT length(DOCUMENT_TEXT('slow.pdf')) AS n`, 2, 'file slow.pdf'],
    ] as const) {
      try {
        await engine.query(sql);
        assert.unreachable(sql);
      } catch (err) {
        assert.instance(err, RvbbitError);
        assert.is((err as RvbbitError).code, 'DOCUMENT_PARSE_LIMIT', (err as Error).message);
        assert.is(
          (err as RvbbitError).message,
          `DOCUMENT_TEXT: the document took longer than 1000 ms to parse (engine option documentParseDeadlineMs) (${subject})`,
        );
      }
      assert.is(parser.pool.stats.parsed, parses, sql);
    }
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
