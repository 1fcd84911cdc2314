/** What the main thread and the document thread (workers/document-thread.ts) send each other. */
import type { DocumentErrorData } from './document-error.js';

export interface DocumentRequest {
  readonly id: number;
  readonly bytes?: Uint8Array;
  /** A real path the main thread checked (inside a data folder, a regular file within the size limit). */
  readonly path?: string;
  /** The path as the statement wrote it, for messages. */
  readonly shown?: string;
  readonly maxBytes: number;
}

export type DocumentReply =
  | { readonly id: number; readonly pages: string[] }
  | { readonly id: number; readonly error: DocumentErrorData };
