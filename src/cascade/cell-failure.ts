/**
 * A cell that could not produce an output. Thrown inside a run, caught by
 * runCascade and turned into an entry of `errors`; never escapes a run.
 */
import type { ErrorCode } from '../../base/errors.js';

export class CellFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CellFailure';
  }
}
