/**
 * What the text is (issue 69, docs/documents.md "What the text is"), through
 * DOCUMENT_TEXT on a BLOB, parsed on the engine's real parser thread:
 * HTML table cells on their row's line with a tab between them; two runs of
 * a PDF line that stand apart (a table's columns) with a space; ligatures as
 * their letters; TeX-style spacing accents and decomposed letters composed
 * (NFC); no control character but \n and \t (U+FFFD for one the document
 * gives); a DOCX's headers, body, footnotes, endnotes and footers, in that
 * order, its separator notes left out. The text's bound holds after the
 * cleaning lengthens it (ﬃ → ffi).
 */
import { strToU8, zipSync } from 'fflate';
import { PDFDocument, PDFName, StandardFonts } from 'pdf-lib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanText } from '../../src/documents/clean-text.js';
import { DEFAULT_MAX_INFLATE_BYTES } from '../../src/documents/document-limits.js';
import { documentPages } from '../../src/documents/parse-document.js';
import { createEngine, type Engine, RvbbitError } from '../../src/index.js';
import { numberedGlyphPdf, texLigaturePdf } from './tex-font.js';

let engine: Engine;
test.before(async () => {
  engine = await createEngine();
});
test.after(async () => {
  await engine.close();
});

const hex = (bytes: Uint8Array) => `from_hex('${Buffer.from(bytes).toString('hex')}')`;
async function textOf(bytes: Uint8Array): Promise<string> {
  const r = await engine.query(`SELECT DOCUMENT_TEXT(${hex(bytes)}) AS t`);
  return (r.rows[0] as { t: string }).t;
}
const html = (body: string) => strToU8(`<!DOCTYPE html><html><body>${body}</body></html>`);

test('HTML: a table row is one line, its cells apart by a tab (th and td, spaces around cells dropped)', async () => {
  const t = await textOf(
    html(
      '<table><tr><th>Name</th><th>Storage Size</th></tr><tr><td>smallint</td><td> 2 bytes </td><td>small-range integer</td></tr></table>',
    ),
  );
  assert.is(t, 'Name\tStorage Size\nsmallint\t2 bytes\tsmall-range integer');
});

/** A one-page PDF whose content stream is `ops` (Helvetica as /F1): runs placed as a typesetter places them. */
async function pdfWithOperators(ops: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([612, 792]);
  page.node.setFontDictionary(PDFName.of('F1'), font.ref);
  page.node.set(PDFName.of('Contents'), doc.context.register(doc.context.flateStream(ops)));
  return doc.save();
}

test('HTML: an inline SVG drawing gives its <text> labels (a syntax diagram’s keywords), not its title, style or paths', async () => {
  // sqlite's lang_select.html draws its grammar as 135 such diagrams: 29% of the page's words.
  const t = await textOf(
    html(
      '<p>Syntax:</p><div><svg viewBox="0 0 9 9"><title>select-stmt</title><style>.k{fill:red}</style><path d="M0 0L9 9"/><text x="1" y="2">SELECT</text><text x="5" y="2">DISTINCT <tspan>ALL</tspan></text></svg></div><p>after</p>',
    ),
  );
  assert.is(t, 'Syntax:\nSELECT DISTINCT ALL\nafter');
});

test('PDF: runs of one text object that stand apart (a table’s columns) are apart by a space; a hyphenated word is joined', async () => {
  // One BT … ET, as a table typesetter writes a row: the second column moved to with Td, no space drawn.
  const row = await pdfWithOperators(
    'BT /F1 11 Tf 50 700 Td (task-xfce-desktop) Tj 250 0 Td (I:97) Tj -250 -20 Td (next) Tj ET',
  );
  assert.is(await textOf(row), 'task-xfce-desktop I:97\nnext');
  // Touching (half a point after the first ends), the next cell set 6 points lower: debian-reference.en.pdf's
  // task table, which read `task-xfce-desktopI:97`; a subscript right after its base stays joined.
  const helvetica = await (await PDFDocument.create()).embedFont(StandardFonts.Helvetica);
  const touching = (68 + helvetica.widthOfTextAtSize('task-xfce-desktop', 10) + 0.5).toFixed(2);
  const xEnd = (68 + helvetica.widthOfTextAtSize('x', 10)).toFixed(2);
  const lower = await pdfWithOperators(
    `BT /F1 10 Tf 68 458.5 Td (task-xfce-desktop) Tj ET BT /F1 10 Tf ${touching} 452.5 Td (I:97) Tj ET BT /F1 10 Tf 68 400 Td (x) Tj ET BT /F1 7 Tf ${xEnd} 398 Td (1) Tj ET`,
  );
  assert.is(await textOf(lower), 'task-xfce-desktop I:97\nx1');
  const hyphenated = await pdfWithOperators(
    'BT /F1 11 Tf 50 700 Td (the com-) Tj 0 -14 Td (mand runs) Tj 0 -14 Td (EVALUA-) Tj 0 -14 Td (TION) Tj ET',
  );
  assert.is(await textOf(hyphenated), 'the command runs\nEVALUATION');
});

test('PDF: TeX’s ligatures (OT1 codes 11–15) in an embedded font with no Unicode map, or one that maps only some, are read from its glyph names', async () => {
  // The font's own encoding (its glyphs' names) where the ToUnicode map says nothing. One whose map leaves
  // `fi`, `fl`, `ffl` out (texLigaturePdf(…, true), dvipdfmx's Computer Modern in glpk's manuals) read
  // `speci ed ow o�ce` with pdf.js: PDFium reads it.
  for (const partialMap of [false, true]) {
    const pdf = await texLigaturePdf('speci\x0ced e\x0bect \x0dow o\x0ece wa\x0fe', partialMap);
    assert.is(await textOf(pdf), 'specified effect flow office waffle', `partial map: ${partialMap}`);
  }
});

test('PDF: glyphs a font names only by a number (xy-pic’s arrow pieces, mf2pt1’s a66) have no character: U+FFFD, not the Zapf Dingbats PDFium reads; a Zapf Dingbats font keeps its dingbats', async () => {
  // graphs.pdf's XYDASH: PDFium read `a66 a124 a12` as ❇ ⑤ ☞ (Zapf Dingbats' names), pdftotext as `B|!`
  // (the code: poppler maps those names as dingbats only in a font named ZapfDingbats).
  const xy = await numberedGlyphPdf('arrow BB|! end', 'ABCDEF+XYDASH-Medium');
  assert.is(await textOf(xy), 'arrow \ufffd\ufffd\ufffd\ufffd end');
  const zapf = await numberedGlyphPdf('arrow BB|! end', 'ABCDEF+ZapfDingbats');
  assert.is(await textOf(zapf), 'arrow \u2747\u2747\u2464\u261e end');
});

test('PDF: a small raised footnote mark and the line’s first word are apart; runs a tenth of a font size apart are two words', async () => {
  const helvetica = await (await PDFDocument.create()).embedFont(StandardFonts.Helvetica);
  // graphs.pdf's footnotes read `2GLPK implementation…`: the mark (6 pt, 3.8 pt up) touches the word.
  const markEnd = (72 + helvetica.widthOfTextAtSize('2', 6)).toFixed(2);
  // Σ cᵢⱼ xᵢⱼ as TeX sets it: the subscript, then the next symbol 1.2 pt after it (PDFium joins them: `cijx`);
  // two words of one size 2 pt apart (PDFium: `wordnext`).
  const subEnd = 100 + helvetica.widthOfTextAtSize('c', 10) + helvetica.widthOfTextAtSize('ij', 7);
  const pdf = await pdfWithOperators(
    [
      `BT /F1 6 Tf 72 703.8 Td (2) Tj ET BT /F1 9 Tf ${markEnd} 700 Td (GLPK implementation) Tj ET`,
      `BT /F1 10 Tf 100 650 Td (c) Tj ET BT /F1 7 Tf ${(100 + helvetica.widthOfTextAtSize('c', 10)).toFixed(2)} 648 Td (ij) Tj ET`,
      `BT /F1 10 Tf ${(subEnd + 1.2).toFixed(2)} 650 Td (x) Tj ET`,
      `BT /F1 10 Tf 100 600 Td (word) Tj ET BT /F1 10 Tf ${(102 + helvetica.widthOfTextAtSize('word', 10)).toFixed(2)} 600 Td (next) Tj ET`,
    ].join(' '),
  );
  assert.is(await textOf(pdf), '2 GLPK implementation\ncij x\nword next');
});

test('HTML: an ordered list numbered from its start, as a browser shows it', async () => {
  assert.is(
    await textOf(
      html(
        '<ol start="0"><li>Normal return.</li><li>Input error.</li></ol><ul><li>dot</li></ul><ol><li>one</li></ol>',
      ),
    ),
    '0. Normal return.\n1. Input error.\ndot\n1. one',
  );
});

test('ligatures as letters, TeX spacing accents and decomposed letters composed, control characters never passed', async () => {
  const t = await textOf(
    html(
      '<p>speci\ufb01ed e\ufb00ect \ufb02ow o\ufb03ce wa\ufb04e</p><p>Br\u00a8oker Erd\u02ddos Ce\u00b8ska caf\u00b4e cafe\u0301</p><pre>a\u0000b\u0001c\u0014d\u001be\u007ff\u0085g\th\r\ni\u000cj</pre>',
    ),
  );
  assert.is(
    t,
    'specified effect flow office waffle\nBröker Erdős Ceşka café café\na\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg\th\ni j',
  );
  assert.not.match(t, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  // The same rules on their own, one source for all three formats.
  assert.is(cleanText('\ufb01\r\u00a8u'), 'fi\nü');
});

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const para = (text: string) => `<w:p><w:r><w:t xml:space="preserve">${text}</w:t></w:r></w:p>`;
const notes = (kind: 'footnote' | 'endnote', texts: string[]) =>
  `<?xml version="1.0"?><w:${kind}s ${W}><w:${kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:${kind}><w:${kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:${kind}>${texts
    .map((t, i) => `<w:${kind} w:id="${i + 1}">${para(t)}</w:${kind}>`)
    .join('')}</w:${kind}s>`;

test('DOCX: headers, body, footnotes, endnotes, footers, in that order; separator notes and empty parts left out', async () => {
  const docx = zipSync({
    '[Content_Types].xml': strToU8('<?xml version="1.0"?><Types/>'),
    'word/footer1.xml': strToU8(`<w:ftr ${W}>${para('Page footer')}</w:ftr>`),
    'word/endnotes.xml': strToU8(notes('endnote', ['An endnote.'])),
    'word/document.xml': strToU8(
      `<w:document ${W}><w:body>${para('Body first.')}<w:p><w:r><w:t>Body second</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p></w:body></w:document>`,
    ),
    'word/header2.xml': strToU8(`<w:hdr ${W}><w:p/></w:hdr>`),
    'word/footnotes.xml': strToU8(notes('footnote', ['First footnote.', 'Second footnote.'])),
    'word/header1.xml': strToU8(`<w:hdr ${W}>${para('Running head')}</w:hdr>`),
  });
  assert.is(
    await textOf(docx),
    'Running head\n\nBody first.\nBody second[1]\n\nFirst footnote.\nSecond footnote.\n\nAn endnote.\n\nPage footer',
  );
});

/** A paragraph of list `numId` at level `ilvl`. */
const item = (numId: number, ilvl: number, text: string) =>
  `<w:p><w:pPr><w:numPr><w:ilvl w:val="${ilvl}"/><w:numId w:val="${numId}"/></w:numPr></w:pPr><w:r><w:t>${text}</w:t></w:r></w:p>`;
const level = (ilvl: number, format: string, text: string, start?: number) =>
  `<w:lvl w:ilvl="${ilvl}">${start === undefined ? '' : `<w:start w:val="${start}"/>`}<w:numFmt w:val="${format}"/><w:lvlText w:val="${text}"/></w:lvl>`;

test('DOCX: list paragraphs start with their labels from numbering.xml; notes carry their marks, as Word shows them', async () => {
  // pandoc writes `<ol start="0">` (octave's Special Functions: error codes 0–5) as a list whose level starts at 0;
  // a list (numId 2) on the same abstract numbering restarts by its override; bullets have no label; a letter
  // count of a billion (the file's w:start) is given as a number, not built as a billion-letter label.
  const numbering = `<w:numbering ${W}><w:abstractNum w:abstractNumId="7">${level(0, 'decimal', '%1.', 0)}${level(1, 'lowerLetter', '%1.%2)')}</w:abstractNum><w:abstractNum w:abstractNumId="8">${level(0, 'bullet', '•')}</w:abstractNum><w:abstractNum w:abstractNumId="9">${level(0, 'upperRoman', '%1 -')}</w:abstractNum><w:abstractNum w:abstractNumId="10">${level(0, 'lowerLetter', '%1)', 1_000_000_000)}</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="7"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num><w:num w:numId="3"><w:abstractNumId w:val="8"/></w:num><w:num w:numId="4"><w:abstractNumId w:val="9"/></w:num><w:num w:numId="5"><w:abstractNumId w:val="10"/></w:num></w:numbering>`;
  const note = (kind: 'footnote' | 'endnote', id: number, text: string) =>
    `<w:${kind} w:id="${id}"><w:p><w:r><w:${kind}Ref/></w:r><w:r><w:t xml:space="preserve"> ${text}</w:t></w:r></w:p></w:${kind}>`;
  const ref = (kind: 'footnote' | 'endnote', id: number) => `<w:r><w:${kind}Reference w:id="${id}"/></w:r>`;
  const docx = zipSync({
    'word/numbering.xml': strToU8(numbering),
    'word/document.xml': strToU8(
      `<w:document ${W}><w:body>${item(1, 0, 'Normal return.')}${item(1, 1, 'sub one')}${item(1, 1, 'sub two')}${item(1, 0, 'Input error.')}${item(1, 1, 'sub again')}${item(3, 0, 'a bullet')}${item(2, 0, 'restarted')}${item(4, 0, 'Part')}${item(4, 0, 'Part')}${item(4, 0, 'Part')}${item(4, 0, 'Part')}${item(99, 0, 'no such list')}${item(5, 0, 'a billion letters? no')}<w:p><w:pPr><w:pPrChange w:id="1" w:author="x"><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr></w:pPrChange></w:pPr><w:r><w:t>was a list item, tracked</w:t></w:r></w:p><w:p><w:r><w:t>See</w:t></w:r>${ref('footnote', 20)}<w:r><w:t xml:space="preserve"> and</w:t></w:r>${ref('endnote', 3)}${ref('footnote', 9)}</w:p></w:body></w:document>`,
    ),
    'word/footnotes.xml': strToU8(
      `<w:footnotes ${W}>${note('footnote', 9, 'Second.')}${note('footnote', 20, 'First.')}${note('footnote', 30, 'Never referred to.')}</w:footnotes>`,
    ),
    'word/endnotes.xml': strToU8(`<w:endnotes ${W}>${note('endnote', 3, 'An endnote.')}</w:endnotes>`),
  });
  assert.is(
    await textOf(docx),
    '0. Normal return.\n0.a) sub one\n0.b) sub two\n1. Input error.\n1.a) sub again\na bullet\n5. restarted\nI - Part\nII - Part\nIII - Part\nIV - Part\nno such list\n1000000000) a billion letters? no\nwas a list item, tracked\nSee[1] and[i][2]\n\n[2] Second.\n[1] First.\n Never referred to.\n\n[i] An endnote.',
  );
});

test('the text bound holds after cleaning lengthens it: 300 ﬃ under a 500-character bound is DOCUMENT_TOO_LARGE', async () => {
  const page = html(`<p>${'\ufb03'.repeat(300)}</p>`);
  const limits = { maxBytes: 500, maxInflateBytes: DEFAULT_MAX_INFLATE_BYTES };
  try {
    await documentPages(page, limits);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RvbbitError);
    assert.is((err as RvbbitError).code, 'DOCUMENT_TOO_LARGE');
    assert.match((err as RvbbitError).message, /^HTML: the document's text is more than 500 characters/);
  }
  assert.is((await documentPages(page, { ...limits, maxBytes: 900 }))[0], 'ffi'.repeat(300));
});

test.run();
