/**
 * The cascade layer: load and validate cascade YAML, run it.
 * @see ../../docs/cascades.md
 */

export { batchItems, withItemCount } from './batch-schema.js';
export {
  CascadeError,
  CascadeErrorCode,
  type CascadeErrorDetail,
  type CascadeProblem,
} from './cascade-error.js';
export type {
  Cascade,
  Cell,
  CellKind,
  CellRules,
  CellTakes,
  LlmCell,
  SqlFunction,
  SqlFunctionArg,
  SqlOperatorForm,
  ToolCell,
} from './cascade-types.js';
export { TOOL_NAMES, ToolName } from './cascade-types.js';
export { createDuckDbHost, SqlDataErrorCode } from './duckdb-host.js';
export type { CascadeHost, SqlColumn, SqlResult } from './host.js';
export {
  cascadeParseCount,
  clearCascadeCache,
  loadCascade,
  loadCascadeText,
  MAX_CASCADE_BYTES,
} from './load-cascade.js';
export { checkInputs, missingInputs, runCascade } from './run-cascade.js';
export { DEFAULT_MAX_ANSWER_CHARS } from './run-session.js';
export type { CallRecord, CellCache, RunContext, RunErrorRecord, RunResult, RunUsage } from './run-types.js';
export { ADJECTIVES, CREATURES, SESSION_ID_PATTERN, sessionId } from './session-id.js';
export { SQL_DATA_DEFAULT_LIMIT } from './tool-cell.js';
