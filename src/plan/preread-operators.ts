/**
 * The shipped operator files (cascades/semantic/) as the catalog reads them,
 * read once at build time rather than at every start.
 *
 * Reading the 22 shipped files (YAML parse and the cascade schema's check,
 * operator-file.ts) took ~150–220 ms of every engine start, `rvbbit query
 * "SELECT 1"` included, for files that do not change once installed. Run from
 * source, this module knows no file and the catalog reads each one. The build
 * swaps this module for one holding each shipped file's read (scripts/build.mjs
 * calls prereadModule()); the catalog uses a read only when the file's text
 * still has the hash it was read from, so an edited shipped file is read again.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperatorFile } from './operator-file.js';

/** One shipped file's read at build time: `read` as readOperatorFile returned it (null: no sql_function). */
export interface PrereadOperator {
  readonly sha256: string;
  readonly read: OperatorFile | null;
}

/** The SHA-256 of a file's text, the key a preread is kept under. */
export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** File name in cascades/semantic/ → its read at build time; empty when run from source. */
export const PREREAD_OPERATORS: ReadonlyMap<string, PrereadOperator> = new Map();

/**
 * The ES module the build puts in this one's place: the same exports, with
 * each shipped operator file's read. A file whose read throws is left out (the
 * catalog reads it at start and reports it as it always has).
 */
export async function prereadModule(shippedDir: string): Promise<string> {
  const { readOperatorFile } = await import('./operator-file.js');
  const entries: [string, PrereadOperator][] = [];
  for (const name of readdirSync(shippedDir).sort()) {
    if (!/\.ya?ml$/.test(name)) continue;
    const file = join(shippedDir, name);
    const text = readFileSync(file, 'utf8');
    if (!/^sql_function:/m.test(text)) continue;
    let read: OperatorFile | undefined;
    try {
      read = readOperatorFile(file, text);
    } catch {
      continue;
    }
    // A warning names the file's absolute path at build time: such a file is read at start instead.
    if (read && read.warnings.length > 0) continue;
    entries.push([name, { sha256: textHash(text), read: read ?? null }]);
  }
  return [
    "import { createHash } from 'node:crypto';",
    'export function textHash(text) {',
    "  return createHash('sha256').update(text).digest('hex');",
    '}',
    `export const PREREAD_OPERATORS = new Map(JSON.parse(${JSON.stringify(JSON.stringify(entries))}));`,
    'export async function prereadModule() {',
    "  throw new Error('prereadModule runs at build time, from source');",
    '}',
  ].join('\n');
}
