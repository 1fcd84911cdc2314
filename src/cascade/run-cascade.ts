/**
 * runCascade: one run of a loaded cascade over one set of inputs. Never throws
 * for run-time problems: they come back as a failed RunResult with errors.
 */
import { errorMessage } from '../../base/errors.js';
import { CascadeError, CascadeErrorCode } from './cascade-error.js';
import type { Cascade, Cell } from './cascade-types.js';
import { CellFailure } from './cell-failure.js';
import { type CompiledCascade, type CompiledCell, compiledOf } from './compile-cascade.js';
import { runTurns } from './llm-cell.js';
import { RunSession } from './run-session.js';
import type { RunContext, RunErrorRecord, RunResult } from './run-types.js';
import { sessionId } from './session-id.js';
import { runTakes } from './takes.js';
import { runToolCell } from './tool-cell.js';

/** Names listed in `inputs_schema` that `inputs` lacks (undefined counts as missing, null does not). */
export function missingInputs(cascade: Cascade, inputs: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(cascade.inputsSchema).filter(
    (name) => !Object.hasOwn(inputs, name) || inputs[name] === undefined,
  );
}

/** Throws CascadeError(CASCADE_INPUT_MISSING) when a listed input is missing; for checking up front. */
export function checkInputs(cascade: Cascade, inputs: Readonly<Record<string, unknown>>): void {
  const missing = missingInputs(cascade, inputs);
  if (missing.length === 0) return;
  throw CascadeError.at(
    CascadeErrorCode.InputMissing,
    { file: cascade.file, line: 0, column: 0, path: 'inputs_schema' },
    missingMessage(cascade, missing),
  );
}

function missingMessage(cascade: Cascade, missing: string[]): string {
  const list = missing.map((m) => `"${m}"`).join(', ');
  return `cascade "${cascade.cascadeId}" needs input${missing.length > 1 ? 's' : ''} ${list}`;
}

function runCell(session: RunSession, cell: Cell, compiled: CompiledCell): Promise<unknown> {
  if (cell.kind === 'tool') return runToolCell(session, cell, compiled);
  if (cell.takes && cell.takes.factor > 1) return runTakes(session, cell, compiled);
  return runTurns(session, cell, compiled);
}

/** Runs every cell in order; the first failing cell ends the run. */
export async function runCascade(
  cascade: Cascade,
  inputs: Readonly<Record<string, unknown>>,
  ctx: RunContext,
): Promise<RunResult> {
  const started = Date.now();
  const id = ctx.sessionId ?? sessionId(ctx.sessionPrefix);
  const session = new RunSession(cascade, inputs ?? {}, ctx);
  const errors: RunErrorRecord[] = [];
  let lastCell: string | null = null;
  let current: string | null = null;
  try {
    const compiled: CompiledCascade = compiledOf(cascade);
    const missing = missingInputs(cascade, session.inputs);
    if (missing.length > 0) {
      errors.push({
        cell: null,
        code: CascadeErrorCode.InputMissing,
        message: missingMessage(cascade, missing),
      });
    } else {
      for (const cell of cascade.cells) {
        current = cell.name;
        session.throwIfStopped();
        session.outputs[cell.name] = await runCell(session, cell, compiled.cells[cell.index]!);
        lastCell = cell.name;
      }
    }
  } catch (err) {
    if (err instanceof CellFailure) {
      errors.push({ cell: current, code: err.code, message: err.message });
    } else {
      errors.push({ cell: current, code: CascadeErrorCode.Internal, message: errorMessage(err) });
    }
  } finally {
    session.close();
  }
  return {
    status: errors.length === 0 ? 'success' : 'failed',
    session_id: id,
    cascade_id: cascade.cascadeId,
    outputs: session.outputs,
    last_cell: lastCell,
    usage: session.usage(),
    errors,
    warnings: session.warnings,
    calls: session.calls,
    duration_ms: Date.now() - started,
  };
}
