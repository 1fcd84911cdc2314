/**
 * What a server client sees of the engine's files: cascade paths relative to
 * the roots it was started with, as the client wrote them, never the server's
 * absolute paths (in errors, notices, a MAP row's `_error`, EXPLAIN's
 * `cascade_file`). The library shows absolute paths (SessionPolicy.relativePaths).
 */
import { RvbbitError } from '../../base/errors.js';
import type { Statement } from '../../grammar/index.js';
import { ERROR_COLUMN } from '../statements/map/map-output.js';

/**
 * The error with every cascade root's absolute path taken out of its message
 * and string details: `/srv/app/cascades/traits/x.yaml:3:1` reads
 * `traits/x.yaml:3:1`, as the client wrote it, and a bare root reads
 * `<cascade root>`. `roots` is longest first, so a root inside another wins.
 */
export function withRelativePaths(err: RvbbitError, roots: readonly string[]): RvbbitError {
  const strip = (text: string) => stripRoots(text, roots);
  const message = strip(err.message);
  const detail = Object.fromEntries(
    Object.entries(err.detail).map(([k, v]) => [
      k,
      typeof v === 'string'
        ? strip(v)
        : Array.isArray(v)
          ? v.map((x) => (typeof x === 'string' ? strip(x) : x))
          : v,
    ]),
  );
  if (message === err.message && JSON.stringify(detail) === JSON.stringify(err.detail)) return err;
  return new RvbbitError(err.code, message, detail, { cause: err });
}

/** `text` with each root's absolute path taken out (`/srv/c/traits/x.yaml` → `traits/x.yaml`). */
export function stripRoots(text: string, roots: readonly string[]): string {
  return roots.reduce((t, root) => t.split(`${root}/`).join('').split(root).join('<cascade root>'), text);
}

/**
 * Rows with cascade paths relative to their roots where a statement puts a
 * path in its data: a MAP row's `_error` (a template's `file:line:col`), a
 * RUN's `error` and EXPLAIN's `cascade_file`. Rows are copied only where a
 * path was taken out; a plain query's data is the client's and left alone.
 */
export function rowsWithRelativePaths(
  rows: readonly Record<string, unknown>[],
  roots: readonly string[],
  stmt: Statement,
): Record<string, unknown>[] {
  const errorColumn = stmt.kind === 'RunStatement' ? 'error' : ERROR_COLUMN;
  return rows.map((row) => {
    const error = row[errorColumn];
    if (typeof error === 'string') {
      const shown = stripRoots(error, roots);
      if (shown !== error) return { ...row, [errorColumn]: shown };
    }
    if (row.property === 'cascade_file' && typeof row.value === 'string') {
      return { ...row, value: stripRoots(row.value, roots) };
    }
    return row;
  });
}
