/**
 * A parse failure that crosses the parser thread as plain data (code,
 * message, detail) and becomes an RvbbitError on the engine's side.
 */
import { type ErrorCode, RvbbitError } from '../../base/errors.js';

export type DocumentErrorCode = Extract<ErrorCode, `DOCUMENT_${string}`>;

export class DocumentError extends RvbbitError {
  constructor(code: DocumentErrorCode, message: string, detail: Record<string, unknown> = {}) {
    super(code, message, detail);
  }

  /** The error as data, to keep or to cross a thread. */
  data(): DocumentErrorData {
    return { code: this.code as DocumentErrorCode, message: this.message, detail: { ...this.detail } };
  }
}

/** `err` as a DocumentError: a parser library's own error means the document cannot be read (DOCUMENT_DAMAGED). */
export function asDocumentError(err: unknown): DocumentError {
  if (err instanceof DocumentError) return err;
  return new DocumentError(
    'DOCUMENT_DAMAGED',
    `the document cannot be read: ${(err as Error)?.message ?? err}`,
  );
}

export interface DocumentErrorData {
  readonly code: DocumentErrorCode;
  readonly message: string;
  readonly detail?: Record<string, unknown>;
}
