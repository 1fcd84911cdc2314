/**
 * A document's pages of text: PDF a page each, DOCX and HTML one (they have
 * no fixed pages). The format is sniffed from the bytes (document-format.ts).
 */

import { cleanText } from './clean-text.js';
import { asDocumentError, DocumentError, type DocumentErrorCode } from './document-error.js';
import { FORMAT_NAME, sniffDocumentFormat } from './document-format.js';
import { type DocumentLimits, textTooLarge } from './document-limits.js';
import { firstBytesLook } from './document-subject.js';
import { docxText } from './docx-text.js';
import { htmlText } from './html-text.js';
import { pdfPages } from './pdf-text.js';

/**
 * Every failure is a DocumentError; its detail's `starts` says what the
 * first bytes look like (document-subject.ts), for the message the engine
 * gives the statement, which names the file or the BLOB.
 */
export async function documentPages(bytes: Uint8Array, limits: DocumentLimits): Promise<string[]> {
  // Before the parse, from the bytes as given.
  const starts = firstBytesLook(bytes);
  try {
    return await pagesOf(bytes, limits);
  } catch (err) {
    const e = asDocumentError(err);
    throw new DocumentError(e.code as DocumentErrorCode, e.message, {
      ...e.detail,
      starts,
    });
  }
}

async function pagesOf(bytes: Uint8Array, limits: DocumentLimits): Promise<string[]> {
  const format = sniffDocumentFormat(bytes);
  if (format === undefined)
    throw new DocumentError('DOCUMENT_UNKNOWN_FORMAT', 'not a PDF, DOCX or HTML document');
  const raw =
    format === 'pdf'
      ? await pdfPages(bytes, limits)
      : format === 'docx'
        ? [docxText(bytes, limits)]
        : [htmlText(new TextDecoder('utf-8').decode(bytes), limits.maxBytes)];
  // Cleaned last (clean-text.ts), and counted again: a ligature's letters make the text longer.
  const pages = raw.map(cleanText);
  const chars = pages.reduce((n, p) => n + p.length, 0) + 2 * Math.max(0, pages.length - 1);
  if (chars > limits.maxBytes) throw textTooLarge(FORMAT_NAME[format], limits.maxBytes);
  return pages;
}
