/**
 * loadCascade / loadCascadeText: YAML → checked, frozen Cascade. Files are
 * cached by path; a file whose mtime or size changed is re-read, and re-parsed
 * only if its bytes (sha256) changed.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CascadeError, CascadeErrorCode, type CascadeProblem } from './cascade-error.js';
import type { Cascade } from './cascade-types.js';
import { attachCompiled, compileCascade } from './compile-cascade.js';
import { normalizeCascade } from './normalize-cascade.js';
import { schemaProblems } from './schema-errors.js';
import { parseYamlSource } from './yaml-source.js';

/** Larger files are refused before parsing. */
export const MAX_CASCADE_BYTES = 1_048_576;

interface CacheEntry {
  readonly mtimeMs: number;
  readonly size: number;
  readonly cascade: Cascade;
}

const byPath = new Map<string, CacheEntry>();
let parses = 0;

/** How many times a file was actually parsed (for tests of the cache). */
export function cascadeParseCount(): number {
  return parses;
}

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
  if (info.size > MAX_CASCADE_BYTES) {
    throw CascadeError.at(
      CascadeErrorCode.Yaml,
      { file, line: 1, column: 1, path: '' },
      `file is ${info.size} bytes; a cascade may have at most ${MAX_CASCADE_BYTES}`,
    );
  }
  const bytes = await readFile(file);
  const hash = sha256(bytes);
  let cascade = cached?.cascade.contentHash === hash ? cached.cascade : undefined;
  cascade ??= parseCascade(bytes.toString('utf8'), file, hash);
  byPath.set(file, { mtimeMs: info.mtimeMs, size: info.size, cascade });
  return cascade;
}

/** Validates cascade YAML given as text; `fileName` is used in messages. Throws CascadeError. */
export function loadCascadeText(text: string, fileName = '<cascade>'): Cascade {
  if (Buffer.byteLength(text) > MAX_CASCADE_BYTES) {
    throw CascadeError.at(
      CascadeErrorCode.Yaml,
      { file: fileName, line: 1, column: 1, path: '' },
      `text is larger than ${MAX_CASCADE_BYTES} bytes`,
    );
  }
  return parseCascade(text, fileName, sha256(Buffer.from(text, 'utf8')));
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function fail(problems: CascadeProblem[]): never {
  throw new CascadeError(problems.sort((a, b) => a.line - b.line || a.column - b.column));
}

function parseCascade(text: string, file: string, contentHash: string): Cascade {
  parses++;
  const source = parseYamlSource(text);
  if (source.problems.length > 0) {
    fail(
      source.problems.map((p) => ({
        code: CascadeErrorCode.Yaml,
        file,
        line: p.line,
        column: p.column,
        path: '',
        what: p.what,
      })),
    );
  }
  if (source.value === undefined || source.value === null) {
    fail([
      {
        code: CascadeErrorCode.Schema,
        file,
        line: 1,
        column: 1,
        path: '',
        what: 'empty file: expected a mapping with cascade_id and cells',
      },
    ]);
  }
  const shape = schemaProblems(source.value, source, file);
  if (shape.length > 0) fail(shape);
  const raw = source.value as Record<string, unknown>;
  const { cascade: data, problems } = normalizeCascade(raw, source, file);
  const cellsKey = 'phases' in raw && !('cells' in raw) ? 'phases' : 'cells';
  const compiled = compileCascade(data, source, cellsKey, problems, text, file);
  if (problems.length > 0) fail(problems);
  const cascade = deepFreeze({ ...data, file, contentHash }) as Cascade;
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
