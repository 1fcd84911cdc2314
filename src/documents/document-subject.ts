/**
 * What a document error is about, appended to its message so a user with
 * many files knows which one failed and why it was not read as they meant:
 * the file as the statement named it, or a BLOB by its size (a scalar
 * function does not know its row: `TRY(DOCUMENT_TEXT(content))` with the
 * filename column finds it), and what its first bytes look like
 * (`starts with "GIF89a"`), escaped so a message never carries a control
 * character. A file is named only to a statement allowed to read it.
 */
import type { DocumentErrorData } from './document-error.js';

/** Bytes of a document quoted at most. */
const QUOTED_BYTES = 12;

/**
 * `starts with "%PDF-1.4\x0a1 0…"`: the leading text of the first bytes, printable ASCII
 * as itself and \t \n \r as \xNN, up to the first other byte: `starts with "GIF89a", then
 * binary data`. Binary bytes are never quoted: a file in a data folder may be anything (a
 * hard link to the engine's database), and its bytes are not the client's to read.
 */
export function firstBytesLook(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'is empty';
  let quoted = '';
  let i = 0;
  for (; i < Math.min(bytes.length, QUOTED_BYTES); i++) {
    const b = bytes[i]!;
    if (b === 0x22 || b === 0x5c) quoted += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f) quoted += String.fromCharCode(b);
    else if (b === 0x09 || b === 0x0a || b === 0x0d) quoted += `\\x${b.toString(16).padStart(2, '0')}`;
    else break;
  }
  if (i === 0) return 'starts with binary data';
  if (i < Math.min(bytes.length, QUOTED_BYTES)) return `starts with "${quoted}", then binary data`;
  return `starts with "${quoted}${bytes.length > QUOTED_BYTES ? '…' : ''}"`;
}

/** What an input is, for its error: `file a.pdf` or `a BLOB of 43 bytes`, then what its first bytes look like. */
export function documentSubject(
  file: string | undefined,
  bytes: Uint8Array | undefined,
  starts?: string,
): string {
  const name = file !== undefined ? `file ${file}` : `a BLOB of ${bytes?.length ?? 0} bytes`;
  const look = starts ?? (bytes === undefined ? undefined : firstBytesLook(bytes));
  return look === undefined ? name : `${name}, which ${look}`;
}

/**
 * The error with its subject appended. Errors are kept (and cross the parser
 * thread) without it, so the same bytes met as a file and as a BLOB are each
 * named as the statement gave them; the parser thread, which read the bytes,
 * leaves what they look like in `detail.starts`.
 */
export function aboutDocument(error: DocumentErrorData, subject: string): DocumentErrorData {
  return { ...error, message: `${error.message} (${subject})` };
}
