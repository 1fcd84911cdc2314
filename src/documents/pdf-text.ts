/**
 * A PDF's text, page by page, with Mozilla's pdf.js (pdfjs-dist, pure
 * JavaScript; its legacy build runs on Node 20). Runs in the document
 * thread (document-thread.ts), never on the main thread: pdf.js is
 * asynchronous and a long PDF takes seconds. A text item ends a line where
 * pdf.js says one ends (`hasEOL`).
 */
import { DocumentError } from './document-error.js';

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
    getTextContent(): Promise<{ items: readonly ({ str: string; hasEOL: boolean } | { type: string })[] }>;
    cleanup(): void;
  }>;
  destroy(): Promise<void>;
}
/** A specifier in a variable: TypeScript then reads none of pdf.js's declarations. */
const PDFJS_MODULE = 'pdfjs-dist/legacy/build/pdf.mjs';
let pdfjs: Promise<PdfJs> | undefined;

export async function pdfPages(bytes: Uint8Array): Promise<string[]> {
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
  try {
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        text += item.str;
        if (item.hasEOL) text += '\n';
      }
      pages.push(text.replace(/\n+$/, ''));
      page.cleanup();
    }
    return pages;
  } catch (err) {
    throw err instanceof DocumentError ? err : pdfError(err);
  } finally {
    await doc.destroy();
  }
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
