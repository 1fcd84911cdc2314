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
}

export interface DocumentErrorData {
  readonly code: DocumentErrorCode;
  readonly message: string;
  readonly detail?: Record<string, unknown>;
}
