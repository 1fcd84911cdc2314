/**
 * The data folders DOCUMENT_TEXT('path') and DOCUMENT_PAGES('path') read
 * files from (a relative path from each folder, then from the working
 * directory: checkedDocumentFile): the engine's one list of readable folders (`dataFolders`, the
 * same list IMAGE() reads: `--data-dir`, alias `--image-dir`). The checks
 * are IMAGE()'s (src/engine/image-function.ts): the path as written inside a
 * folder, then its real path (symlinks resolved), stat'ed before it is
 * opened so a FIFO, socket or device is refused unopened; the parser thread
 * opens it without following a link and without waiting (O_NONBLOCK), and
 * reads it only if what it opened is still a regular file within the limit.
 */
import { constants, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { DocumentError } from './document-error.js';

export const DOCUMENT_OPEN_FLAGS =
  constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0) | (constants.O_NOCTTY ?? 0);

export interface DataFolder {
  readonly given: string;
  readonly real: string;
}

export interface CheckedFile {
  readonly real: string;
  readonly size: number;
  /** What identifies this version of the file for the parse cache. */
  readonly version: string;
}

function inside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * A file a path names, checked. An absolute path is taken as it is; a
 * relative one as the user wrote it, from each data folder in order, then
 * from the working directory (DuckDB's `glob('contracts/*')` lists
 * `contracts/a.pdf` from there): the first of these that exists, inside a
 * folder, is the file. A candidate outside every folder is never touched; one
 * that exists but whose real path leads outside (a symlink) is refused.
 */
export function checkedDocumentFile(
  path: string,
  folders: readonly DataFolder[],
  maxBytes: number,
): CheckedFile {
  if (path.trim() === '') throw new DocumentError('DOCUMENT_BAD_ARGUMENT', 'the file path is empty');
  if (folders.length === 0) {
    throw new DocumentError(
      'DOCUMENT_OUTSIDE_FOLDERS',
      `reading files is not allowed: no data folder is configured (createEngine({ dataFolders: [dir] }), rvbbit --data-dir <dir>, or data_dirs in rvbbit.config.yaml); got ${path}`,
      { path },
    );
  }
  const shownFolders = folders.map((f) => f.given).join(', ');
  const outside = () =>
    new DocumentError(
      'DOCUMENT_OUTSIDE_FOLDERS',
      `file ${path} is outside the data folders (${shownFolders})`,
      { path },
    );
  const candidates = pathCandidates(path, folders).filter((c) =>
    folders.some((f) => inside(c, f.given) || inside(c, f.real)),
  );
  if (candidates.length === 0) throw outside();
  let escaped = false;
  for (const target of candidates) {
    let real: string;
    try {
      real = realpathSync(target);
    } catch {
      continue;
    }
    if (!folders.some((f) => inside(real, f.real))) {
      escaped = true;
      continue;
    }
    const st = statSync(real, { bigint: true });
    if (!st.isFile())
      throw new DocumentError('DOCUMENT_NOT_FOUND', `${path} is not a regular file`, { path });
    const size = Number(st.size);
    if (size > maxBytes) throw documentTooLarge(`file ${path}`, size, maxBytes, { path });
    return { real, size, version: `${real}\u0000${st.size}\u0000${st.mtimeNs}\u0000${st.ino}` };
  }
  if (escaped) throw outside();
  throw new DocumentError(
    'DOCUMENT_NOT_FOUND',
    `no such file: ${path} (tried ${candidates.join(', ')}; data folders: ${shownFolders})`,
    { path, tried: candidates },
  );
}

/** Where a path may name a file: itself if absolute; else from each folder, then from the working directory. */
function pathCandidates(path: string, folders: readonly DataFolder[]): string[] {
  if (isAbsolute(path)) return [resolve(path)];
  const all = [...folders.map((f) => resolve(f.given, path)), resolve(path)];
  return [...new Set(all)];
}

export function documentTooLarge(
  what: string,
  size: number,
  limit: number,
  detail: Record<string, unknown> = {},
): DocumentError {
  return new DocumentError(
    'DOCUMENT_TOO_LARGE',
    `${what} is ${mib(size)} (${size} bytes); documents are limited to ${mib(limit)} (${limit} bytes; engine option maxDocumentBytes, --max-document-bytes)`,
    { ...detail, bytes: size, limit },
  );
}

export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
