/**
 * DOCUMENT_TEXT and DOCUMENT_PAGES through the library (createEngine with
 * dataFolders): a folder of a 3-page PDF, a DOCX and an HTML page read with
 * DuckDB's read_blob, and the same files by path; exact text and page order.
 * Every bad input fails its statement alone with its code and a message that
 * names the format and the reason; the next statement runs.
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DocumentParser } from '../../src/documents/document-parser.js';
import { createEngine, type Engine, RvbbitError } from '../../src/index.js';
import {
  contractFolder,
  DOCX_PARAGRAPHS,
  damagedPdf,
  docxBomb,
  docxOf,
  encryptedPdf,
  HTML_TEXT,
  PDF_TEXT_PAGES,
  pdfOf,
  plainZip,
  sparseFile,
} from './fixtures.js';

let engine: Engine;
let dir: string;
let outside: string;

test.before(async () => {
  ({ dir, outside } = await contractFolder());
  engine = await createEngine({ dataFolders: [dir], threads: 1 });
});
test.after(async () => {
  await engine.close();
  rmSync(dirname(dir), { recursive: true, force: true });
});

const rows = async (sql: string) => (await engine.query(sql)).rows as Record<string, unknown>[];
const base = (f: unknown) => String(f).slice(String(f).lastIndexOf('/') + 1);

async function failure(sql: string): Promise<RvbbitError> {
  try {
    await engine.query(sql);
  } catch (err) {
    assert.instance(err, RvbbitError);
    return err as RvbbitError;
  }
  throw new Error(`expected ${sql} to fail`);
}

test('DOCUMENT_PAGES over read_blob: the PDF a page each in order, the DOCX and the HTML one page each', async () => {
  const r = await rows(
    `SELECT filename, DOCUMENT_PAGES(content) AS pages FROM read_blob('${dir}/*') ORDER BY filename`,
  );
  assert.equal(
    r.map((x) => [base(x.filename), x.pages]),
    [
      ['a.pdf', PDF_TEXT_PAGES],
      ['b.docx', [DOCX_PARAGRAPHS.join('\n')]],
      ['c.html', [HTML_TEXT]],
    ],
  );
});

test('DOCUMENT_TEXT is the pages joined by a blank line; the HTML has no script, style or noscript text', async () => {
  const r = await rows(
    `SELECT filename, DOCUMENT_TEXT(content) AS text FROM read_blob('${dir}/*') ORDER BY filename`,
  );
  assert.equal(
    r.map((x) => x.text),
    [PDF_TEXT_PAGES.join('\n\n'), DOCX_PARAGRAPHS.join('\n'), HTML_TEXT],
  );
  for (const hidden of ['SCRIPT TEXT', 'STYLE TEXT', 'NOSCRIPT TEXT'])
    assert.not.ok(String(r[2]!.text).includes(hidden));
});

test('by path inside the data folder (relative to it or absolute): the same text, without reading the bytes into DuckDB', async () => {
  const r = await rows(
    `SELECT DOCUMENT_TEXT('b.docx') AS rel, DOCUMENT_TEXT('${dir}/b.docx') AS abs, len(DOCUMENT_PAGES('a.pdf'))::INTEGER AS n`,
  );
  assert.equal(r, [{ rel: DOCX_PARAGRAPHS.join('\n'), abs: DOCX_PARAGRAPHS.join('\n'), n: 3 }]);
  const g = await rows(`SELECT file, DOCUMENT_PAGES(file)[2] AS p2 FROM glob('${dir}/*.pdf') t(file)`);
  assert.equal(
    g.map((x) => x.p2),
    [PDF_TEXT_PAGES[1]],
  );
});

test('NULL gives NULL; a 200-page PDF keeps its page order', async () => {
  assert.equal(await rows(`SELECT DOCUMENT_TEXT(NULL::BLOB) AS a, DOCUMENT_PAGES(NULL::VARCHAR) AS b`), [
    { a: null, b: null },
  ]);
  const pages = Array.from({ length: 200 }, (_, i) => [`Page ${i + 1} of the long one`]);
  writeFileSync(join(dir, 'long.pdf'), await pdfOf(pages));
  const r = await rows(`SELECT DOCUMENT_PAGES('long.pdf') AS p`);
  assert.equal(
    r[0]!.p,
    pages.map((l) => l[0]),
  );
  rmSync(join(dir, 'long.pdf'));
});

const blob = (bytes: Uint8Array) => `from_hex('${Buffer.from(bytes).toString('hex')}')`;

test('bad input: each fails with its code, names the format and the reason; the engine goes on', async () => {
  const cases: [string, string, RegExp][] = [
    [
      blob(damagedPdf()),
      'DOCUMENT_DAMAGED',
      /^DOCUMENT_TEXT: PDF: the file cannot be read \(damaged or cut short\)/,
    ],
    [
      blob(encryptedPdf()),
      'DOCUMENT_ENCRYPTED',
      /^DOCUMENT_TEXT: PDF: the file is encrypted and needs a password/,
    ],
    [
      blob(plainZip()),
      'DOCUMENT_DAMAGED',
      /^DOCUMENT_TEXT: DOCX: the zip holds no word\/document\.xml: it is a zip but not a Word document/,
    ],
    [
      blob(new TextEncoder().encode('just some text')),
      'DOCUMENT_UNKNOWN_FORMAT',
      /^DOCUMENT_TEXT: not a PDF, DOCX or HTML document \(a BLOB of 14 bytes, which starts with "just some te…"\)$/,
    ],
    [blob(docxOf(['x']).subarray(0, 60)), 'DOCUMENT_DAMAGED', /^DOCUMENT_TEXT: DOCX: /],
  ];
  for (const [value, code, message] of cases) {
    const err = await failure(`SELECT DOCUMENT_TEXT(${value}::BLOB)`);
    assert.is(err.code, code, err.message);
    assert.match(err.message, message);
  }
  assert.equal(await rows(`SELECT DOCUMENT_TEXT('c.html') = '${HTML_TEXT.replaceAll("'", "''")}' AS same`), [
    { same: true },
  ]);
});

test('a DOCX zip bomb (300 KB that inflates past 64 MiB) is stopped at the bound, whatever its header says', async () => {
  const bomb = docxBomb(80);
  assert.ok(bomb.length < 1024 * 1024, `${bomb.length}`);
  writeFileSync(join(dir, 'bomb.docx'), bomb);
  const err = await failure(`SELECT DOCUMENT_TEXT('bomb.docx')`);
  assert.is(err.code, 'DOCUMENT_TOO_LARGE');
  assert.match(
    err.message,
    /^DOCUMENT_TEXT: DOCX: word\/document\.xml (declares|inflates to more than) \d+ bytes; the limit is 67108864 bytes/,
  );
  // Its header's size, made to lie, is no way around the count.
  const lying = Buffer.from(bomb);
  for (let at = lying.indexOf('PK\u0001\u0002'); at >= 0; at = lying.indexOf('PK\u0001\u0002', at + 4)) {
    if (lying.toString('latin1', at + 46, at + 46 + 17) === 'word/document.xml')
      lying.writeUInt32LE(1000, at + 24);
  }
  for (let at = lying.indexOf('PK\u0003\u0004'); at >= 0; at = lying.indexOf('PK\u0003\u0004', at + 4)) {
    if (lying.toString('latin1', at + 30, at + 30 + 17) === 'word/document.xml')
      lying.writeUInt32LE(1000, at + 22);
  }
  writeFileSync(join(dir, 'bomb.docx'), lying);
  const lied = await failure(`SELECT DOCUMENT_TEXT('bomb.docx')`);
  assert.ok(['DOCUMENT_TOO_LARGE', 'DOCUMENT_DAMAGED'].includes(lied.code), lied.message);
  assert.match(lied.message, /^DOCUMENT_TEXT: DOCX: /);
  rmSync(join(dir, 'bomb.docx'));
});

test('a 500 MB file is refused before it is read, naming the limit; a BLOB over the limit too', async () => {
  sparseFile(join(dir, 'huge.pdf'), 500 * 1024 * 1024);
  const err = await failure(`SELECT DOCUMENT_TEXT('huge.pdf')`);
  assert.is(err.code, 'DOCUMENT_TOO_LARGE');
  assert.is(
    err.message,
    'DOCUMENT_TEXT: file huge.pdf is 500.0 MiB (524288000 bytes); documents are limited to 64.0 MiB (67108864 bytes; engine option maxDocumentBytes, --max-document-bytes)',
  );
  rmSync(join(dir, 'huge.pdf'));
  const small = await createEngine({ maxDocumentBytes: 100 });
  try {
    await small.query(`SELECT DOCUMENT_TEXT(${blob(await pdfOf([['x']]))})`);
    assert.unreachable();
  } catch (e) {
    assert.is((e as RvbbitError).code, 'DOCUMENT_TOO_LARGE');
    assert.match(
      (e as RvbbitError).message,
      /^DOCUMENT_TEXT: the BLOB is 0\.0 MiB \(\d+ bytes\); documents are limited to 0\.0 MiB \(100 bytes/,
    );
  } finally {
    await small.close();
  }
});

test('paths: outside the folders, through a symlink out, a FIFO, a folder, a missing file, no folder configured', async () => {
  symlinkSync(join(outside, 'secret.html'), join(dir, 'link.html'));
  execFileSync('mkfifo', [join(dir, 'pipe.pdf')]);
  mkdirSync(join(dir, 'sub.pdf'));
  const cases: [string, string, RegExp][] = [
    [join(outside, 'secret.html'), 'DOCUMENT_OUTSIDE_FOLDERS', /is outside the data folders/],
    ['../outside/secret.html', 'DOCUMENT_OUTSIDE_FOLDERS', /is outside the data folders/],
    ['link.html', 'DOCUMENT_OUTSIDE_FOLDERS', /is outside the data folders/],
    ['pipe.pdf', 'DOCUMENT_NOT_FOUND', /pipe\.pdf is not a regular file/],
    ['sub.pdf', 'DOCUMENT_NOT_FOUND', /sub\.pdf is not a regular file/],
    ['nope.pdf', 'DOCUMENT_NOT_FOUND', /no such file: nope\.pdf/],
  ];
  for (const [path, code, message] of cases) {
    const err = await failure(`SELECT DOCUMENT_TEXT('${path}')`);
    assert.is(err.code, code, `${path}: ${err.message}`);
    assert.match(err.message, message);
  }
  const none = await createEngine();
  try {
    await none.query(`SELECT DOCUMENT_TEXT('${dir}/a.pdf')`);
    assert.unreachable();
  } catch (e) {
    assert.is((e as RvbbitError).code, 'DOCUMENT_OUTSIDE_FOLDERS');
    assert.match(
      (e as RvbbitError).message,
      /no data folder is configured \(createEngine\(\{ dataFolders: \[dir\] \}\), rvbbit --data-dir <dir>/,
    );
  } finally {
    await none.close();
  }
  for (const f of ['link.html', 'pipe.pdf']) rmSync(join(dir, f));
  rmSync(join(dir, 'sub.pdf'), { recursive: true });
});

test('a parse past its deadline ends the parser thread with DOCUMENT_PARSE_LIMIT; the next parse starts a fresh one', async () => {
  const e = await createEngine({ dataFolders: [dir], documentParseDeadlineMs: 1 });
  try {
    writeFileSync(join(dir, 'slow.pdf'), await pdfOf(Array.from({ length: 200 }, (_, i) => [`page ${i}`])));
    try {
      await e.query(`SELECT DOCUMENT_TEXT('slow.pdf')`);
      assert.unreachable();
    } catch (err) {
      assert.is((err as RvbbitError).code, 'DOCUMENT_PARSE_LIMIT');
      assert.is(
        (err as RvbbitError).message,
        'DOCUMENT_TEXT: the document took longer than 1 ms to parse (engine option documentParseDeadlineMs) (file slow.pdf)',
      );
    }
  } finally {
    await e.close();
    rmSync(join(dir, 'slow.pdf'));
  }
  assert.equal(await rows(`SELECT len(DOCUMENT_PAGES('a.pdf'))::INTEGER AS n`), [{ n: 3 }]);
});

test('parsed ahead: the files a statement names (read_blob, glob, a path) are parsed off the main thread before it runs', async () => {
  const e = await createEngine({ dataFolders: [dir] });
  const { stats, passed } = (e as unknown as { documentParser: DocumentParser }).documentParser;
  try {
    const r = await e.query(
      `SELECT parse_filename(filename) AS f, len(DOCUMENT_PAGES(content))::INTEGER AS n FROM read_blob('${dir}/*') ORDER BY f`,
    );
    assert.equal(r.rows, [
      { f: 'a.pdf', n: 3 },
      { f: 'b.docx', n: 1 },
      { f: 'c.html', n: 1 },
    ]);
    assert.equal(stats, { blocking: 0, ahead: 3 });
    // A path constant is parsed ahead too, but not a file read_blob parsed already (issue 69: kept by its
    // path too); a BLOB from a table (nothing written to list) is parsed by the statement's documents
    // pass, off the main thread too, never in DuckDB's call.
    assert.equal((await e.query(`SELECT len(DOCUMENT_PAGES('a.pdf'))::INTEGER AS n`)).rows, [{ n: 3 }]);
    assert.equal(stats, { blocking: 0, ahead: 3 });
    await e.query(`CREATE TABLE docs AS SELECT content FROM read_blob('${dir}/c.html')`);
    await e.query(`SELECT DOCUMENT_TEXT(content || 'x'::BLOB) FROM docs`);
    assert.equal(stats, { blocking: 0, ahead: 3 });
    assert.equal(passed, { documents: 1, chunks: 0 });
    // A bad document is kept as its error: asked again, it fails again without a parse.
    writeFileSync(join(dir, 'bad.pdf'), damagedPdf());
    for (let i = 0; i < 2; i++) {
      const err = await e.query(`SELECT DOCUMENT_TEXT('bad.pdf')`).catch((x: RvbbitError) => x);
      assert.is((err as RvbbitError).code, 'DOCUMENT_DAMAGED');
    }
    assert.equal(stats, { blocking: 0, ahead: 4 });
  } finally {
    await e.close();
    rmSync(join(dir, 'bad.pdf'), { force: true });
  }
});

test('imageFolders is the same list: IMAGE and the document functions read one set of folders', async () => {
  const e = await createEngine({ imageFolders: [dir] });
  try {
    assert.equal((await e.query(`SELECT len(DOCUMENT_PAGES('a.pdf'))::INTEGER AS n`)).rows, [{ n: 3 }]);
  } finally {
    await e.close();
  }
});

test.run();
