/** What the main thread and the document thread (workers/document-thread.ts) send each other. */
import type { DocumentErrorData } from './document-error.js';
import type { DocumentLimits } from './document-limits.js';

export interface DocumentRequest {
  readonly id: number;
  readonly bytes?: Uint8Array;
  /** A real path the main thread checked (inside a data folder, a regular file within the size limit). */
  readonly path?: string;
  /** The path as the statement wrote it, for messages. */
  readonly shown?: string;
  /** What the parse may take (a file's size, inflated bytes, characters of text). */
  readonly limits: DocumentLimits;
  /** Ahead of a statement (the async port): the reply says the bytes' SHA-256, the key a BLOB is found by. */
  readonly hash?: boolean;
  /** A TEXT_CHUNKS call to compute here (a documents pass): the reply's `pages` are its chunks. */
  readonly chunks?: ChunksRequest;
}

export interface ChunksRequest {
  readonly text: string;
  readonly maxTokens: number;
  readonly overlapTokens: number;
}

/** `pages`: a document's pages, or a chunks request's chunks. */
export type DocumentReply = (
  | { readonly id: number; readonly pages: string[] }
  | { readonly id: number; readonly error: DocumentErrorData }
) & { readonly sha256?: string };

/**
 * On the ahead port, before the reply: the thread started the request (its
 * deadline runs from here, not from a thread still booting), and, when asked,
 * the bytes' SHA-256 before the parse, so a parse its thread's limit ends is
 * still known by it.
 */
export type AheadNotice =
  | { readonly id: number; readonly started: true }
  | { readonly id: number; readonly hashed: string };
