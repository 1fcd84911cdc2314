/**
 * A PDF's text, page by page, with Mozilla's pdf.js (pdfjs-dist, pure
 * JavaScript; its legacy build runs on Node 20). Runs in the document
 * thread (document-thread.ts), never on the main thread: pdf.js is
 * asynchronous and a long PDF takes seconds. A text item ends a line where
 * pdf.js says one ends (`hasEOL`).
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
      items: readonly ({ str: string; hasEOL: boolean } | { type: string })[];
    }>;
    cleanup(): void;
  }>;
  destroy(): Promise<void>;
}
/** A specifier in a variable: TypeScript then reads none of pdf.js's declarations. */
const PDFJS_MODULE = 'pdfjs-dist/legacy/build/pdf.mjs';
let pdfjs: Promise<PdfJs> | undefined;

/** Characters a page adds to the text besides its own: DOCUMENT_TEXT joins pages with a blank line. */
const PAGE_SEPARATOR_CHARS = 2;

export async function pdfPages(bytes: Uint8Array, limits: DocumentLimits): Promise<string[]> {
  countPdfStreams(bytes, new InflateBudget('PDF', limits.maxInflateBytes));
  pdfjs ??= import(PDFJS_MODULE) as Promise<PdfJs>;
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
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const item of value.items) {
            if (!('str' in item)) continue;
            text.append(item.str);
            if (item.hasEOL) text.append('\n');
          }
        }
      } catch (err) {
        // Past the bound: pdf.js is told to stop reading the page's content, not waited for (its cancel
        // may wait on work it never finishes); the pool ends this thread after a bound anyway.
        void reader.cancel().catch(() => undefined);
        failed = true;
        throw err;
      }
      const pageText = withoutTrailingNewlines(text.toString());
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
