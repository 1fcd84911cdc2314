/**
 * loadCascade / loadCascadeText: YAML → checked, frozen Cascade. Files are
 * cached by path; a file whose mtime or size changed is re-read, and re-parsed
 * only if its bytes (sha256) changed.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CascadeError, CascadeErrorCode } from './cascade-error.js';
import type { Cascade } from './cascade-types.js';
import { attachCompiled, compileCascade } from './compile-cascade.js';
import { checkCascadeSize, failWith, readCascadeDocument } from './read-cascade.js';

export { MAX_CASCADE_BYTES } from './read-cascade.js';

interface CacheEntry {
  readonly mtimeMs: number;
  readonly size: number;
  readonly cascade: Cascade;
}

const byPath = new Map<string, CacheEntry>();

/** Forgets every cached cascade. */
export function clearCascadeCache(): void {
  byPath.clear();
}

/** Loads, validates and caches a cascade file. Rejects with CascadeError. */
export async function loadCascade(path: string): Promise<Cascade> {
  const file = resolve(path);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch {
    throw CascadeError.at(
      CascadeErrorCode.NotFound,
      { file, line: 0, column: 0, path: '' },
      'no such cascade file',
    );
  }
  if (!info.isFile()) {
    throw CascadeError.at(CascadeErrorCode.NotFound, { file, line: 0, column: 0, path: '' }, 'not a file');
  }
  const cached = byPath.get(file);
  if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached.cascade;
  checkCascadeSize(info.size, file);
  const bytes = await readFile(file);
  const hash = sha256(bytes);
  let cascade = cached?.cascade.contentHash === hash ? cached.cascade : undefined;
  cascade ??= parseCascade(bytes.toString('utf8'), file, hash);
  byPath.set(file, { mtimeMs: info.mtimeMs, size: info.size, cascade });
  return cascade;
}

/** Validates cascade YAML given as text; `fileName` is used in messages. Throws CascadeError. */
export function loadCascadeText(text: string, fileName = '<cascade>'): Cascade {
  checkCascadeSize(Buffer.byteLength(text), fileName, 'text');
  return parseCascade(text, fileName, sha256(Buffer.from(text, 'utf8')));
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function parseCascade(text: string, file: string, contentHash: string): Cascade {
  const { source, raw, data, problems } = readCascadeDocument(text, file);
  const cellsKey = 'phases' in raw && !('cells' in raw) ? 'phases' : 'cells';
  const compiled = compileCascade(data, source, cellsKey, problems, text, file);
  if (problems.length > 0) failWith(problems);
  // Where each cell's instructions start goes with the cell (plain data), for render errors in workers.
  const cells = data.cells.map((cell, i) => {
    const at = compiled.cells[i]?.instructionsAt;
    return at && cell.kind === 'llm' ? { ...cell, instructionsAt: at } : cell;
  });
  const cascade = deepFreeze({ ...data, cells, file, contentHash }) as Cascade;
  attachCompiled(cascade, compiled);
  return cascade;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
