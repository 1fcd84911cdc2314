import { CascadeErrorCode } from '../../base/error-codes.js';
import { RvbbitError } from '../../base/errors.js';

export { CascadeErrorCode };

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
function formatProblem(p: CascadeProblem): string {
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
