/**
 * A document's pages of text: PDF a page each, DOCX and HTML one (they have
 * no fixed pages). The format is sniffed from the bytes (document-format.ts).
 */
import { DocumentError } from './document-error.js';
import { sniffDocumentFormat } from './document-format.js';
import type { DocumentLimits } from './document-limits.js';
import { aboutDocument, documentSubject } from './document-subject.js';
import { docxText } from './docx-text.js';
import { htmlText } from './html-text.js';
import { pdfPages } from './pdf-text.js';

/**
 * Every failure is a DocumentError whose message ends with what it is about:
 * `file` (the path as the statement named it) or the BLOB, and its first
 * bytes (document-subject.ts).
 */
export async function documentPages(
  bytes: Uint8Array,
  limits: DocumentLimits,
  file?: string,
): Promise<string[]> {
  try {
    return await pagesOf(bytes, limits);
  } catch (err) {
    const e =
      err instanceof DocumentError
        ? err
        : new DocumentError(
            'DOCUMENT_DAMAGED',
            `the document cannot be read: ${(err as Error)?.message ?? err}`,
          );
    const named = aboutDocument(e.data(), documentSubject(file, bytes));
    throw new DocumentError(named.code, named.message, named.detail);
  }
}

async function pagesOf(bytes: Uint8Array, limits: DocumentLimits): Promise<string[]> {
  const format = sniffDocumentFormat(bytes);
  switch (format) {
    case 'pdf':
      return pdfPages(bytes, limits);
    case 'docx':
      return [docxText(bytes, limits)];
    case 'html':
      return [htmlText(new TextDecoder('utf-8').decode(bytes), limits.maxBytes)];
    default:
      throw new DocumentError('DOCUMENT_UNKNOWN_FORMAT', 'not a PDF, DOCX or HTML document');
  }
}
