/**
 * What a document's bytes are, from its first bytes alone (a file name or a
 * MIME type may lie or be missing: read_blob gives bytes). PDF: `%PDF-`
 * within the first 1 KiB (ISO 32000 §7.5.2; readers accept junk before it).
 * DOCX: a zip (`PK\x03\x04`); whether it is a Word document is the DOCX
 * reader's to say (docx-text.ts). HTML: text whose first tag is a doctype,
 * <html>, <head> or <body> (after a BOM, spaces and comments).
 */
export type DocumentFormat = 'pdf' | 'docx' | 'html';

export const FORMAT_NAME: Record<DocumentFormat, string> = { pdf: 'PDF', docx: 'DOCX', html: 'HTML' };

const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const PDF_HEADER_WINDOW = 1024;

export function sniffDocumentFormat(bytes: Uint8Array): DocumentFormat | undefined {
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'docx';
  const window = Math.min(bytes.length, PDF_HEADER_WINDOW);
  for (let i = 0; i + PDF_MAGIC.length <= window; i++) {
    if (PDF_MAGIC.every((b, k) => bytes[i + k] === b)) return 'pdf';
  }
  const head = new TextDecoder('utf-8', { fatal: false })
    .decode(bytes.subarray(0, 2048))
    .replace(/^\uFEFF/, '')
    .replace(/^(?:\s|<!--[\s\S]*?-->|<\?xml[^>]*\?>)*/, '');
  if (/^<(?:!doctype\s+html|html|head|body)[\s>]/i.test(head)) return 'html';
  return undefined;
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}
