/**
 * What one parse may take, set by the engine and never by the document: its
 * bytes (checked before any copy), the bytes its compressed parts inflate to
 * (a DOCX body, a PDF's streams: counted as they inflate and stopped at the
 * bound, whatever sizes the file declares), and the characters of text it
 * gives (counted as the parser emits them, so neither the parser thread nor
 * the main thread that receives the pages ever holds more). The budgets are
 * spent by the format readers (docx-text.ts, pdf-streams.ts, pdf-text.ts,
 * html-text.ts). docs/documents.md lists the bounds.
 */
import { DocumentError } from './document-error.js';

export const DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_INFLATE_BYTES = 64 * 1024 * 1024;

export interface DocumentLimits {
  /** A document's bytes at most; the characters of text one document gives at most, too. */
  readonly maxBytes: number;
  /** The bytes a document's compressed parts inflate to, in all, at most. */
  readonly maxInflateBytes: number;
}

/**
 * Bytes inflated so far for one document, in all its compressed parts:
 * past the bound, DOCUMENT_TOO_LARGE naming the part it stopped in.
 */
export class InflateBudget {
  private spent = 0;

  constructor(
    /** 'DOCX', 'PDF': the message's first word. */
    private readonly format: string,
    readonly limit: number,
  ) {}

  get inflated(): number {
    return this.spent;
  }

  /** `n` more bytes inflated from `part` ('word/document.xml', 'the stream of object 12'). */
  spend(n: number, part: string): void {
    this.spent += n;
    if (this.spent > this.limit)
      throw inflateTooLarge(this.format, part, 'inflates to more than', this.spent, this.limit);
  }
}

export function inflateTooLarge(
  format: string,
  part: string,
  verb: string,
  bytes: number,
  limit: number,
): DocumentError {
  return new DocumentError(
    'DOCUMENT_TOO_LARGE',
    `${format}: ${part} ${verb} ${bytes} bytes; the limit is ${limit} bytes for all a document's compressed parts (engine option maxDocumentInflateBytes, --max-document-inflate-bytes; a zip or deflate bomb, or a document far larger than any text)`,
    { part, bytes, limit },
  );
}

/**
 * A document's text as the parser emits it, in pieces, counted: past the
 * bound it stops with DOCUMENT_TOO_LARGE. Pieces are joined every 64 K
 * characters into one flat string (`+=` would keep a tree of them, 32 bytes
 * a piece: 60 million one-character lines took gigabytes), so 60 million
 * short lines cost their characters, not an array or a tree of 60 million.
 */
export class TextBudget {
  private readonly done: string[] = [];
  private readonly pending: string[] = [];
  private pendingChars = 0;
  private chars: number;

  constructor(
    private readonly format: string,
    readonly limit: number,
    /** Characters the document gave already (a PDF's pages before this one). */
    already = 0,
  ) {
    this.chars = already;
  }

  get length(): number {
    return this.chars;
  }

  append(piece: string): void {
    if (piece.length === 0) return;
    this.chars += piece.length;
    if (this.chars > this.limit) throw textTooLarge(this.format, this.limit);
    this.pending.push(piece);
    this.pendingChars += piece.length;
    if (this.pendingChars >= PIECE_CHARS) this.joinPending();
  }

  toString(): string {
    this.joinPending();
    const text = this.done.join('');
    this.done.length = 0;
    if (text !== '') this.done.push(text);
    return text;
  }

  private joinPending(): void {
    if (this.pending.length === 0) return;
    this.done.push(this.pending.join(''));
    this.pending.length = 0;
    this.pendingChars = 0;
  }
}

/** Pieces of text are joined into one string this long. */
const PIECE_CHARS = 64 * 1024;

export function textTooLarge(format: string, limit: number): DocumentError {
  return new DocumentError(
    'DOCUMENT_TOO_LARGE',
    `${format}: the document's text is more than ${limit} characters; a document gives at most as many characters as maxDocumentBytes allows bytes (engine option maxDocumentBytes, --max-document-bytes)`,
    { limit },
  );
}
