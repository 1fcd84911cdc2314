/**
 * A document's pages of text: PDF a page each, DOCX and HTML one (they have
 * no fixed pages). The format is sniffed from the bytes (document-format.ts).
 */
import { DocumentError } from './document-error.js';
import { describeFirstBytes, sniffDocumentFormat } from './document-format.js';
import type { DocumentLimits } from './document-limits.js';
import { docxText } from './docx-text.js';
import { htmlText } from './html-text.js';
import { pdfPages } from './pdf-text.js';

/** `showBytes`: an unknown format's message quotes the first bytes (a BLOB's; never a file's). */
export async function documentPages(
  bytes: Uint8Array,
  limits: DocumentLimits,
  showBytes = true,
): Promise<string[]> {
  const format = sniffDocumentFormat(bytes);
  switch (format) {
    case 'pdf':
      return pdfPages(bytes, limits);
    case 'docx':
      return [docxText(bytes, limits)];
    case 'html':
      return [htmlText(new TextDecoder('utf-8').decode(bytes), limits.maxBytes)];
    default:
      throw new DocumentError(
        'DOCUMENT_UNKNOWN_FORMAT',
        showBytes
          ? `not a PDF, DOCX or HTML document (${describeFirstBytes(bytes)})`
          : 'the file is not a PDF, DOCX or HTML document',
      );
  }
}
