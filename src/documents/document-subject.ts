/**
 * What a document error is about, appended to its message so a user with
 * many files knows which one failed and why it was not read as they meant:
 * the file as the statement named it, or a BLOB by its size (a scalar
 * function does not know its row: `TRY(DOCUMENT_TEXT(content))` with the
 * filename column finds it), and what its first bytes look like
 * (`starts with "GIF89a"`), escaped so a message never carries a control
 * character. A file is named only to a statement allowed to read it.
 */
import { type DocumentErrorData } from './document-error.js';

/** Bytes of a document quoted at most. */
const QUOTED_BYTES = 12;

/** `starts with "PK\x03\x04…"`: printable ASCII as itself, other bytes as \xNN. */
export function firstBytesLook(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'is empty';
  let quoted = '';
  for (const b of bytes.subarray(0, QUOTED_BYTES)) {
    if (b === 0x22 || b === 0x5c) quoted += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f) quoted += String.fromCharCode(b);
    else quoted += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `starts with "${quoted}${bytes.length > QUOTED_BYTES ? '…' : ''}"`;
}

/** `file a.pdf` or `a BLOB of 43 bytes`, then what its bytes look like, when they are at hand. */
export function documentSubject(file: string | undefined, bytes: Uint8Array | undefined): string {
  const name = file !== undefined ? `file ${file}` : `a BLOB of ${bytes?.length ?? 0} bytes`;
  return bytes === undefined ? name : `${name}, which ${firstBytesLook(bytes)}`;
}

/**
 * The error with its subject appended, once: an error the parser thread named
 * (with the first bytes, which it read) is not named again by the main thread.
 */
export function aboutDocument(error: DocumentErrorData, subject: string): DocumentErrorData {
  const name = subject.split(', which ')[0]!;
  if (error.message.includes(` (${name}`)) return error;
  return { ...error, message: `${error.message} (${subject})` };
}
