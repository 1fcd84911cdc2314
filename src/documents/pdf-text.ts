/**
 * A PDF's text, page by page, with Mozilla's pdf.js (pdfjs-dist, pure
 * JavaScript; its legacy build runs on Node 20). Runs in the document
 * thread (document-thread.ts), never on the main thread: pdf.js is
 * asynchronous and a long PDF takes seconds. A text item ends a line where
 * pdf.js says one ends (`hasEOL`); two on one line are kept apart by a space
 * where they stand apart (separatorBetween).
 *
 * Bounds (document-limits.ts): before pdf.js reads the file its streams are
 * inflated with a count (pdf-streams.ts: pdf.js's own buffers have no bound);
 * the text is read as pdf.js streams it, a batch of items at a time, counted
 * (the page separators too), and the read cancelled past the bound, so a
 * page of a billion characters is never built as one list of items.
 */
import { DocumentError } from './document-error.js';
import { type DocumentLimits, InflateBudget, TextBudget } from './document-limits.js';
import { countPdfStreams } from './pdf-streams.js';

/**
 * The part of pdf.js this reads, typed here: its own declarations need the
 * DOM's types (HTMLElement, Worker, …), which a Node package's type check,
 * and its users' with skipLibCheck off, do not have.
 */
interface PdfJs {
  getDocument(src: {
    data: Uint8Array;
    disableFontFace: boolean;
    isEvalSupported: boolean;
    useSystemFonts: boolean;
    stopAtErrors: boolean;
    verbosity: number;
  }): { promise: Promise<PdfDocument> };
}
interface PdfDocument {
  readonly numPages: number;
  getPage(n: number): Promise<{
    streamTextContent(): ReadableStream<{
      items: readonly (PdfTextItem | { type: string })[];
    }>;
    cleanup(): void;
  }>;
  destroy(): Promise<void>;
}
/** A run of text on a page: where it starts (transform[4], [5]), how wide and tall (the font's size). */
interface PdfTextItem {
  readonly str: string;
  readonly hasEOL: boolean;
  readonly transform: readonly number[];
  readonly width: number;
  readonly height: number;
}

/**
 * Two runs on one line more than this many font sizes apart are two words or
 * two cells (pdf.js joins runs it sees as one flow itself, and leaves a run
 * apart, a table's next column, with no space between).
 */
const GAP_FONT_SIZES = 0.1;
/** Two touching runs whose baselines are more than this many font sizes apart are two cells, not a script. */
const BASELINE_SHIFT_FONT_SIZES = 0.5;

/**
 * What goes between two runs on one line: a space where the next starts
 * apart from where the last ended (a gap, or back to the left: another
 * column), unless either has the space already.
 */
function separatorBetween(last: PdfTextItem | undefined, next: PdfTextItem): string {
  if (last === undefined || last.hasEOL || last.str === '' || next.str === '') return '';
  if (/\s$/.test(last.str) || /^\s/.test(next.str)) return '';
  const size = Math.max(last.height, next.height);
  if (size <= 0) return '';
  const lastEnd = (last.transform[4] ?? 0) + last.width;
  const nextStart = next.transform[4] ?? 0;
  if (nextStart - lastEnd > GAP_FONT_SIZES * size || nextStart < (last.transform[4] ?? 0)) return ' ';
  // Touching, on another baseline: a sub- or superscript (x₁, shifted less than half the size) stays
  // joined, as pdftotext joins it; a table's next cell set lower or higher (`task-xfce-desktop` / `I:97`) not.
  const shift = Math.abs((next.transform[5] ?? 0) - (last.transform[5] ?? 0));
  return shift > BASELINE_SHIFT_FONT_SIZES * size ? ' ' : '';
}

/** A specifier in a variable: TypeScript then reads none of pdf.js's declarations. */
const PDFJS_MODULE = 'pdfjs-dist/legacy/build/pdf.mjs';
const PDFJS_WORKER_MODULE = 'pdfjs-dist/legacy/build/pdf.worker.mjs';
let pdfjs: Promise<PdfJs> | undefined;

/**
 * pdf.js's legacy build (the one that runs on Node 20) brings core-js, which
 * replaces two of the platform's own functions whose edge cases V8 does not
 * follow to the letter: Array.prototype.push (for arrays of 2^32 elements or
 * a frozen length) and JSON.parse (a reviver's source text). Its push, in
 * JavaScript, ran under every push in the thread, pdf.js's own included:
 * profiled at a quarter of a PDF's parse. Neither edge is one pdf.js or
 * rvbbit meets, so the platform's own are put back once pdf.js has loaded
 * (what core-js only adds, Promise.withResolvers and the like, stays: pdf.js
 * needs those).
 */
async function loadPdfJs(): Promise<PdfJs> {
  const push = Object.getOwnPropertyDescriptor(Array.prototype, 'push')!;
  const parse = Object.getOwnPropertyDescriptor(JSON, 'parse')!;
  try {
    const pdf = (await import(PDFJS_MODULE)) as PdfJs;
    // Its worker half runs in this thread (pdf.js's "fake worker"), loaded here so the same restore covers it.
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker ??= await import(PDFJS_WORKER_MODULE);
    return pdf;
  } finally {
    Object.defineProperty(Array.prototype, 'push', push);
    Object.defineProperty(JSON, 'parse', parse);
  }
}

/** Characters a page adds to the text besides its own: DOCUMENT_TEXT joins pages with a blank line. */
const PAGE_SEPARATOR_CHARS = 2;

export async function pdfPages(bytes: Uint8Array, limits: DocumentLimits): Promise<string[]> {
  countPdfStreams(bytes, new InflateBudget('PDF', limits.maxInflateBytes));
  pdfjs ??= loadPdfJs();
  const { getDocument } = await pdfjs;
  const task = getDocument({
    data: bytes,
    // Text only: no fonts loaded into the page, no eval, no network.
    disableFontFace: true,
    isEvalSupported: false,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: 0,
  });
  let doc: PdfDocument;
  try {
    doc = await task.promise;
  } catch (err) {
    throw pdfError(err);
  }
  let failed = false;
  try {
    const pages: string[] = [];
    let chars = 0;
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const text = new TextBudget('PDF', limits.maxBytes, chars);
      const reader = page.streamTextContent().getReader();
      let last: PdfTextItem | undefined;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const item of value.items) {
            if (!('str' in item)) continue;
            text.append(separatorBetween(last, item));
            text.append(item.str);
            if (item.hasEOL) text.append('\n');
            if (item.str !== '' || item.hasEOL) last = item;
          }
        }
      } catch (err) {
        // Past the bound: pdf.js is told to stop reading the page's content, not waited for (its cancel
        // may wait on work it never finishes); the pool ends this thread after a bound anyway.
        void reader.cancel().catch(() => undefined);
        failed = true;
        throw err;
      }
      const pageText = joinedHyphens(withoutTrailingNewlines(text.toString()));
      chars += pageText.length + (n > 1 ? PAGE_SEPARATOR_CHARS : 0);
      pages.push(pageText);
      page.cleanup();
    }
    return pages;
  } catch (err) {
    throw err instanceof DocumentError ? err : pdfError(err);
  } finally {
    // After a bound, not waited for either (the read it cancelled may hold it).
    if (failed) void doc.destroy().catch(() => undefined);
    else await doc.destroy();
  }
}

/**
 * A word a line's end cut with a hyphen, joined again as pdftotext joins it:
 * a letter, a hyphen (-, U+2010, a soft hyphen) and the line's end, then a
 * letter (`com-` / `mand` → `command`, `EVALUA-` / `TION`). Typeset
 * lines are the layout's, not the author's, so the break goes with it.
 */
function joinedHyphens(page: string): string {
  return page.replace(/(\p{L})[-\u2010\u00ad]\n(?=\p{L})/gu, '$1');
}

/** `/\n+$/` rescans each run of newlines from each of its starts: quadratic on a page of them. */
function withoutTrailingNewlines(t: string): string {
  let end = t.length;
  while (end > 0 && t.charCodeAt(end - 1) === 10) end--;
  return end === t.length ? t : t.slice(0, end);
}

function pdfError(err: unknown): DocumentError {
  const e = err as { name?: string; message?: string };
  if (e?.name === 'PasswordException') {
    return new DocumentError('DOCUMENT_ENCRYPTED', 'PDF: the file is encrypted and needs a password to read');
  }
  const reason = e?.message ?? String(err);
  return new DocumentError(
    'DOCUMENT_DAMAGED',
    `PDF: the file cannot be read (damaged or cut short): ${reason}`,
  );
}
