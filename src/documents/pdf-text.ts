/**
 * A PDF's text, page by page, with PDFium (pdfium.ts: WebAssembly, one
 * instance per parser thread). Runs in the document thread
 * (workers/document-thread.ts), never on the main thread. Each page's text
 * is PDFium's own (FPDFText_GetText: its lines, its spaces where characters
 * stand apart, its reading of a font's codes, ligatures and TeX fonts
 * without a Unicode map included), with one thing added: where PDFium puts
 * two text objects side by side with nothing between, touching but on
 * baselines more than half the font size apart, a space (a table's next
 * cell set lower, `task-xfce-desktop` / `I:97`; a subscript right after its
 * base stays joined, as pdftotext joins it). Only the characters where the
 * text object changes are looked at (two positions each), not every
 * character's: the page's text costs one call per character.
 *
 * Bounds (document-limits.ts): before PDFium reads the file its streams are
 * inflated with a count (pdf-streams.ts: a deflate bomb is refused before
 * PDFium holds any of it); a page's characters are counted against the
 * text's bound before its text is copied out; PDFium's memory has a cap
 * (the thread's heap cap, pdfium.ts): past it the parse ends with
 * DOCUMENT_PARSE_LIMIT. The thread's deadline (parser-thread.ts) ends a
 * parse that takes too long; between pages this yields to the thread's
 * event loop so its heartbeat goes on.
 */
import { resourceLimits } from 'node:worker_threads';
import { DocumentError } from './document-error.js';
import { type DocumentLimits, InflateBudget, textTooLarge } from './document-limits.js';
import { mayBeNumberedGlyph, NumberedGlyphs } from './pdf-glyph-names.js';
import { countPdfStreams } from './pdf-streams.js';
import {
  DEFAULT_MEMORY_CAP_BYTES,
  FPDF_ERR_PASSWORD,
  FPDF_ERR_SECURITY,
  type PdfiumExports,
  PdfiumMemoryError,
  withPdfium,
} from './pdfium.js';

/** Two text objects on baselines more than this many font sizes apart are two cells, not a script. */
const BASELINE_SHIFT_FONT_SIZES = 0.5;
/** Two text objects on one line more than this many font sizes apart are two words or two cells. */
const GAP_FONT_SIZES = 0.1;
/** Characters a page adds to the text besides its own: DOCUMENT_TEXT joins pages with a blank line. */
const PAGE_SEPARATOR_CHARS = 2;
/** The thread's event loop runs (its heartbeat: parser-thread.ts) after this many pages. */
const PAGES_BETWEEN_YIELDS = 8;

const utf16 = new TextDecoder('utf-16le');
/** What the text gives for a glyph with no character (as clean-text.ts does). */
const NO_CHARACTER = '\ufffd';
/** What PDFium gives for a hyphen at a line's end it joined to the next line's word (`com-` / `mand`). */
const HYPHEN_JOINED = '\ufffe';

/** PDFium's memory cap: the parser thread's heap cap (one setting for the thread's memory), else the default. */
function memoryCapBytes(): number {
  const heapMb = resourceLimits.maxOldGenerationSizeMb;
  return heapMb !== undefined && heapMb > 0 ? heapMb * 1024 * 1024 : DEFAULT_MEMORY_CAP_BYTES;
}

export async function pdfPages(bytes: Uint8Array, limits: DocumentLimits): Promise<string[]> {
  countPdfStreams(bytes, new InflateBudget('PDF', limits.maxInflateBytes));
  const cap = memoryCapBytes();
  try {
    return await withPdfium(cap, (pdfium) => readPages(pdfium, bytes, limits));
  } catch (err) {
    if (err instanceof DocumentError) throw err;
    if (err instanceof PdfiumMemoryError) throw memoryError(cap);
    throw new DocumentError(
      'DOCUMENT_DAMAGED',
      `PDF: the file cannot be read (damaged or cut short): ${(err as Error)?.message ?? err}`,
    );
  }
}

async function readPages(
  pdfium: PdfiumExports,
  bytes: Uint8Array,
  limits: DocumentLimits,
): Promise<string[]> {
  // PDFium reads the file from its own memory, for as long as the document is open.
  const data = pdfium.malloc(Math.max(1, bytes.length));
  if (data === 0) throw new PdfiumMemoryError(0);
  let doc = 0;
  try {
    new Uint8Array(pdfium.memory.buffer, data, bytes.length).set(bytes);
    doc = pdfium.FPDF_LoadMemDocument(data, bytes.length, 0);
    if (doc === 0) throw loadError(pdfium.FPDF_GetLastError());
    const count = pdfium.FPDF_GetPageCount(doc);
    const glyphs = new NumberedGlyphs(pdfium);
    const pages: string[] = [];
    let chars = 0;
    for (let n = 0; n < count; n++) {
      if (n > 0 && n % PAGES_BETWEEN_YIELDS === 0) await new Promise((resolve) => setImmediate(resolve));
      const already = chars + (n > 0 ? PAGE_SEPARATOR_CHARS : 0);
      const text = pageText(pdfium, glyphs, doc, n, limits.maxBytes - already, limits.maxBytes);
      chars = already + text.length;
      if (chars > limits.maxBytes) throw textTooLarge('PDF', limits.maxBytes);
      pages.push(text);
    }
    return pages;
  } finally {
    if (doc !== 0) pdfium.FPDF_CloseDocument(doc);
    pdfium.free(data);
  }
}

/** Page `n`'s text (a page PDFium cannot load gives none); past `room` characters (of the text's `limit`), DOCUMENT_TOO_LARGE. */
function pageText(
  pdfium: PdfiumExports,
  glyphs: NumberedGlyphs,
  doc: number,
  n: number,
  room: number,
  limit: number,
): string {
  const page = pdfium.FPDF_LoadPage(doc, n);
  if (page === 0) return '';
  const textPage = pdfium.FPDFText_LoadPage(page);
  try {
    if (textPage === 0) return '';
    const count = pdfium.FPDFText_CountChars(textPage);
    if (count <= 0) return '';
    // Counted before it is copied out: a character is a UTF-16 unit or two, and the text's bound is in units.
    if (count > room) throw textTooLarge('PDF', limit);
    const raw = charsOf(pdfium, textPage, count);
    return tidied(withRunsApart(pdfium, glyphs, textPage, raw));
  } finally {
    if (textPage !== 0) pdfium.FPDFText_ClosePage(textPage);
    pdfium.FPDF_ClosePage(page);
  }
}

/** The page's characters as PDFium gives them: one string per character (a surrogate pair is one). */
function charsOf(pdfium: PdfiumExports, textPage: number, count: number): string[] {
  const out = pdfium.malloc((count + 1) * 2);
  if (out === 0) throw new PdfiumMemoryError(0);
  try {
    const units = pdfium.FPDFText_GetText(textPage, 0, count, out);
    const text = units > 1 ? utf16.decode(new Uint8Array(pdfium.memory.buffer, out, (units - 1) * 2)) : '';
    return Array.from(text);
  } finally {
    pdfium.free(out);
  }
}

/**
 * The page's text with a space where two text objects that PDFium put side
 * by side stand apart (see the top), and U+FFFD for a glyph its font names
 * only by a number (pdf-glyph-names.ts). `chars` is PDFium's text, a
 * character per index when its length is the count (else it is given as it
 * is: there is no index to add at).
 */
function withRunsApart(
  pdfium: PdfiumExports,
  glyphs: NumberedGlyphs,
  textPage: number,
  chars: string[],
): string {
  const count = pdfium.FPDFText_CountChars(textPage);
  if (chars.length !== count) return chars.join('');
  let lastObject = 0;
  for (let i = 0; i < count; i++) {
    const object = pdfium.FPDFText_GetTextObject(textPage, i);
    if (mayBeNumberedGlyph(chars[i]!) && glyphs.hasNoCharacter(object, chars[i]!)) chars[i] = NO_CHARACTER;
    // PDFium's own spaces and line ends have no object: the two around one are apart already.
    if (object !== 0 && lastObject !== 0 && object !== lastObject && standApart(pdfium, textPage, i, chars)) {
      chars[i] = ` ${chars[i]}`;
    }
    lastObject = object;
  }
  return chars.join('');
}

/**
 * Characters i - 1 and i, of two text objects, neither a space nor PDFium's
 * mark of a line-end hyphen it joined (U+FFFE: the next line's word goes
 * on), stand apart: the next starts more than GAP_FONT_SIZES of the last
 * one's font size after the last one's advance ends, or on a baseline more
 * than BASELINE_SHIFT_FONT_SIZES of it away. The last one's size, as
 * pdftotext measures: x then a smaller 1 just below stay `x1`, a small
 * raised footnote mark then the line's first word are apart.
 */
function standApart(pdfium: PdfiumExports, textPage: number, i: number, chars: string[]): boolean {
  // Its last character: a space may have been put before it.
  const last = chars[i - 1]!.slice(-1);
  if (last === HYPHEN_JOINED || /\s/.test(last) || /\s/.test(chars[i]!)) return false;
  const at = scratch(pdfium);
  // Origins: x, y as doubles; loose boxes (the advance across, the font's ascent to descent up): FS_RECTF's
  // left, top, right, bottom as floats.
  pdfium.FPDFText_GetCharOrigin(textPage, i - 1, at, at + 8);
  pdfium.FPDFText_GetLooseCharBox(textPage, i - 1, at + 32);
  pdfium.FPDFText_GetCharOrigin(textPage, i, at + 16, at + 24);
  pdfium.FPDFText_GetLooseCharBox(textPage, i, at + 48);
  const origins = new Float64Array(pdfium.memory.buffer, at, 4);
  const boxes = new Float32Array(pdfium.memory.buffer, at + 32, 8);
  const size = boxes[1]! - boxes[3]!;
  if (!(size > 0)) return false;
  if (Math.abs(origins[3]! - origins[1]!) > BASELINE_SHIFT_FONT_SIZES * size) return true;
  const gap = boxes[4]! - boxes[2]!;
  return boxes[4]! >= boxes[0]! && gap > GAP_FONT_SIZES * size;
}

/** 64 bytes of PDFium's memory for its out-parameters, per instance (the memory's buffer changes as it grows). */
const scratchOf = new WeakMap<PdfiumExports, number>();
function scratch(pdfium: PdfiumExports): number {
  let at = scratchOf.get(pdfium);
  if (at === undefined) {
    at = pdfium.malloc(64);
    if (at === 0) throw new PdfiumMemoryError(0);
    scratchOf.set(pdfium, at);
  }
  return at;
}

/**
 * PDFium's text as the other formats': `\r\n` line ends as `\n`, no U+FFFE
 * (PDFium's mark where it took a line-end hyphen away, the word joined), a
 * word a line's end cut with a hyphen PDFium kept (`com-` / `mand`, U+2010,
 * a soft hyphen) joined as pdftotext joins it, no trailing line ends.
 */
function tidied(page: string): string {
  const lines = page.replace(/\r\n?/g, '\n').replaceAll(HYPHEN_JOINED, '');
  return withoutTrailingNewlines(lines.replace(/(\p{L})[-\u2010\u00ad]\n(?=\p{L})/gu, '$1'));
}

/** `/\n+$/` rescans each run of newlines from each of its starts: quadratic on a page of them. */
function withoutTrailingNewlines(t: string): string {
  let end = t.length;
  while (end > 0 && t.charCodeAt(end - 1) === 10) end--;
  return end === t.length ? t : t.slice(0, end);
}

function loadError(code: number): DocumentError {
  if (code === FPDF_ERR_PASSWORD || code === FPDF_ERR_SECURITY) {
    return new DocumentError('DOCUMENT_ENCRYPTED', 'PDF: the file is encrypted and needs a password to read');
  }
  return new DocumentError(
    'DOCUMENT_DAMAGED',
    `PDF: the file cannot be read (damaged or cut short): ${LOAD_ERRORS[code] ?? `PDFium error ${code}`}`,
  );
}

/** FPDF_GetLastError's codes but the password ones, in words (fpdfview.h). */
const LOAD_ERRORS: Record<number, string> = {
  1: 'unknown error',
  2: 'the file cannot be opened',
  3: 'not in PDF format, or corrupted',
  6: 'a page or its content is missing',
};

function memoryError(capBytes: number): DocumentError {
  return new DocumentError(
    'DOCUMENT_PARSE_LIMIT',
    `PDF: reading the document needs more than the parser's ${capBytes} bytes of PDFium memory (the parser thread's memory cap, engine option documentParserHeapMb); a document built to exhaust it, or one far larger than any text`,
    { capBytes },
  );
}
