import { RvbbitError } from '../errors.js';

/**
 * Stable codes for everything the cascade layer reports.
 * @see ../../docs/cascades.md
 */
export const CascadeErrorCode = {
  /** The file is not well-formed YAML (or too large to be a cascade). */
  Yaml: 'CASCADE_YAML',
  /** The YAML does not have the shape of a cascade (wrong key, type, value). */
  Schema: 'CASCADE_SCHEMA',
  /** An `output_schema` that is not a valid JSON Schema. */
  OutputSchema: 'CASCADE_OUTPUT_SCHEMA',
  /** A template that does not parse (load time) or fails to render (run time). */
  Template: 'CASCADE_TEMPLATE',
  /** No cascade file at the given path. */
  NotFound: 'CASCADE_NOT_FOUND',
  /** A run without an input listed in `inputs_schema`. */
  InputMissing: 'CASCADE_INPUT_MISSING',
  /** The model's answer failed validation on every attempt (not JSON, wrong shape). */
  OutputInvalid: 'CASCADE_OUTPUT_INVALID',
  /** The model answered nothing. */
  OutputEmpty: 'CASCADE_OUTPUT_EMPTY',
  /** The model's answer is larger than the run allows. */
  OutputTooLarge: 'CASCADE_OUTPUT_TOO_LARGE',
  /** A built-in tool failed (bad inputs, no host, SQL error). */
  Tool: 'CASCADE_TOOL',
  /** The run's deadline (`ctx.timeoutMs`) passed. */
  Timeout: 'CASCADE_TIMEOUT',
  /** The run was cancelled through `ctx.signal`. */
  Aborted: 'ABORTED',
  /** A bug: something threw that should not have. Reported, never thrown. */
  Internal: 'CASCADE_INTERNAL',
} as const;

export type CascadeErrorCode = (typeof CascadeErrorCode)[keyof typeof CascadeErrorCode];

/** Where in a cascade file a problem is (1-based line and column). */
export interface CascadeErrorDetail {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Field path as written in the file, e.g. `cells[1].rules.max_turns`; '' for the whole file. */
  readonly path: string;
}

/** One problem found while loading; a load reports the first and lists all in `detail.problems`. */
export interface CascadeProblem extends CascadeErrorDetail {
  readonly code: CascadeErrorCode;
  /** What was wrong, without the location prefix. */
  readonly what: string;
}

/** Message format: `file:line:col: path: what was wrong` (no line:col when there is no position, line 0). */
export function formatProblem(p: CascadeProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.what}` : `${where}: ${p.what}`;
}

/** The one error class of the cascade layer (load errors and up-front input checks). */
export class CascadeError extends RvbbitError {
  declare readonly code: CascadeErrorCode;
  /** Everything found, first problem first (same as the message). */
  readonly problems: readonly CascadeProblem[];

  constructor(problems: readonly CascadeProblem[]) {
    const first = problems[0]!;
    super(first.code, formatProblem(first), {
      file: first.file,
      line: first.line,
      column: first.column,
      path: first.path,
      ...(problems.length > 1 ? { problems: problems.map((p) => ({ ...p })) } : {}),
    });
    this.name = 'CascadeError';
    this.problems = problems;
  }

  static at(code: CascadeErrorCode, detail: CascadeErrorDetail, what: string): CascadeError {
    return new CascadeError([{ code, ...detail, what }]);
  }
}
