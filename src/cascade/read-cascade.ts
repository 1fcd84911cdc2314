/**
 * A cascade's text read and checked up to its shape: YAML, the cascade
 * JSON Schema, normalized keys. Templates and output schemas are not compiled
 * here (load-cascade.ts does that), so the operator catalog can learn every
 * `sql_function` at engine start without loading liquidjs or ajv.
 */
import { CascadeError, CascadeErrorCode, type CascadeProblem } from './cascade-error.js';
import type { Cascade } from './cascade-types.js';
import { normalizeCascade } from './normalize-cascade.js';
import { schemaProblems } from './schema-errors.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

/** Larger files are refused before parsing. */
export const MAX_CASCADE_BYTES = 1_048_576;

export interface CascadeDocument {
  readonly source: YamlSource;
  readonly raw: Record<string, unknown>;
  /** The cascade's data, keys normalized (legacy names mapped). */
  readonly data: Omit<Cascade, 'file' | 'contentHash'>;
  /** Problems found while normalizing (compiling adds its own before they are thrown); warnings are in `data.loadWarnings`. */
  readonly problems: CascadeProblem[];
}

/** Throws CascadeError for YAML and shape problems; returns the rest in `problems`. */
export function readCascadeDocument(text: string, file: string): CascadeDocument {
  const source = parseYamlSource(text);
  if (source.problems.length > 0) {
    failWith(
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
    failWith([
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
  if (shape.errors.length > 0) failWith(shape.errors);
  const raw = source.value as Record<string, unknown>;
  const { cascade, problems } = normalizeCascade(raw, source, file);
  // Ignored keys first, in document order, then what normalizing noticed.
  const ignored = shape.warnings.map((w) => `${w.line}:${w.column}: ${w.path}: ${w.what}`);
  const data = { ...cascade, loadWarnings: [...ignored, ...cascade.loadWarnings] };
  return { source, raw, data, problems };
}

/** Refuses a file over MAX_CASCADE_BYTES, naming it. */
export function checkCascadeSize(bytes: number, file: string, what = 'file'): void {
  if (bytes <= MAX_CASCADE_BYTES) return;
  throw CascadeError.at(
    CascadeErrorCode.Yaml,
    { file, line: 1, column: 1, path: '' },
    `${what} is ${bytes} bytes; a cascade may have at most ${MAX_CASCADE_BYTES}`,
  );
}

export function failWith(problems: CascadeProblem[]): never {
  throw new CascadeError(problems.sort((a, b) => a.line - b.line || a.column - b.column));
}
