/**
 * Engine errors as ErrorResponse fields: the stable `code` becomes a SQLSTATE,
 * and a known line and column become the 1-based character position `P`
 * that psql draws its caret from.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
import { type ErrorCode, isLlmHttpStatusCode, type LlmHttpStatusCode } from '../../base/error-codes.js';
import { RvbbitError } from '../../base/errors.js';
import type { NoticeFields } from './message-writer.js';

export const SqlState = {
  featureNotSupported: '0A000',
  protocolViolation: '08P01',
  dataException: '22000',
  numericValueOutOfRange: '22003',
  characterNotInRepertoire: '22021',
  badCopyFileFormat: '22P04',
  invalidParameterValue: '22023',
  constraintViolation: '23000',
  readOnlyTransaction: '25006',
  noActiveSqlTransaction: '25P01',
  inFailedTransaction: '25P02',
  undefinedPreparedStatement: '26000',
  invalidPassword: '28P01',
  dependentObjectsStillExist: '2BP01',
  undefinedCursor: '34000',
  invalidSavepointSpecification: '3B001',
  insufficientPrivilege: '42501',
  syntaxError: '42601',
  undefinedColumn: '42703',
  undefinedObject: '42704',
  undefinedFunction: '42883',
  undefinedTable: '42P01',
  duplicateCursor: '42P03',
  duplicateTable: '42P07',
  duplicateFunction: '42723',
  reservedName: '42939',
  invalidFunctionDefinition: '42P13',
  indeterminateDatatype: '42P18',
  outOfMemory: '53200',
  tooManyConnections: '53300',
  programLimitExceeded: '54000',
  queryCanceled: '57014',
  objectNotInPrerequisiteState: '55000',
  idleSessionTimeout: '57P05',
  /** An error outside the database itself (the LLM endpoint is down). */
  systemError: '58000',
  ioError: '58030',
  internalError: 'XX000',
} as const;
export type SqlStateCode = (typeof SqlState)[keyof typeof SqlState];

/**
 * The SQLSTATE of every code, checked by the compiler: a new code does not
 * compile until it is given one here. Where Postgres raises the same error,
 * its SQLSTATE; XX000 where a client can do nothing but report it.
 */
export const SQLSTATE_OF_CODE = {
  // ── engine ──
  INTERNAL: SqlState.internalError,
  ENGINE_ERROR: SqlState.internalError,
  CANCELLED: SqlState.queryCanceled,
  ENGINE_OPTION: SqlState.internalError,
  TUNE_ARGUMENT: SqlState.invalidParameterValue,
  ENGINE_CLOSED: SqlState.internalError,
  SESSION_CLOSED: SqlState.internalError,
  BAD_PARAMETER: SqlState.dataException,
  CASCADE_OUTSIDE_ROOTS: SqlState.dataException,
  E_BAD_OPERATOR: SqlState.syntaxError,
  SEMANTIC_NO_FUNCTION: SqlState.undefinedFunction,
  // Postgres says "function f(integer) does not exist" when no overload takes the argument types.
  SEMANTIC_OPERAND_TYPE: SqlState.undefinedFunction,
  SEMANTIC_BAD_RETURNING: SqlState.invalidParameterValue,
  SEMANTIC_DIMENSION_QUERY: SqlState.featureNotSupported,
  EMBED_BAD_ARGUMENT: SqlState.invalidParameterValue,
  EMBED_NEEDS_BATCH: SqlState.featureNotSupported,
  BUDGET_UNPRICED: SqlState.invalidParameterValue,
  IMAGE_BAD_ARGUMENT: SqlState.invalidParameterValue,
  IMAGE_UNKNOWN_FORMAT: SqlState.invalidParameterValue,
  IMAGE_TOO_LARGE: SqlState.programLimitExceeded,
  // Postgres's pg_read_file outside the allowed places: insufficient_privilege.
  IMAGE_OUTSIDE_FOLDERS: SqlState.insufficientPrivilege,
  IMAGE_NOT_FOUND: SqlState.ioError,
  DOCUMENT_BAD_ARGUMENT: SqlState.invalidParameterValue,
  DOCUMENT_UNKNOWN_FORMAT: SqlState.invalidParameterValue,
  DOCUMENT_DAMAGED: SqlState.invalidParameterValue,
  DOCUMENT_ENCRYPTED: SqlState.invalidParameterValue,
  DOCUMENT_TOO_LARGE: SqlState.programLimitExceeded,
  DOCUMENT_PARSE_LIMIT: SqlState.programLimitExceeded,
  DOCUMENT_PARSE_BLOCKS: SqlState.featureNotSupported,
  DOCUMENT_OUTSIDE_FOLDERS: SqlState.insufficientPrivilege,
  DOCUMENT_NOT_FOUND: SqlState.ioError,
  // CREATE FUNCTION's own: a body that does not parse, an unknown type, a name taken, no such function.
  SQLFN_TEMPLATE: SqlState.syntaxError,
  SQLFN_DEFINITION: SqlState.invalidFunctionDefinition,
  SQLFN_BAD_TYPE: SqlState.undefinedObject,
  SQLFN_UNSUPPORTED_TYPE: SqlState.invalidFunctionDefinition,
  SQLFN_OPTION: SqlState.syntaxError,
  SQLFN_EXISTS: SqlState.duplicateFunction,
  SQLFN_RESERVED: SqlState.reservedName,
  SQLFN_NOT_FOUND: SqlState.undefinedFunction,
  // Postgres refuses CREATE FUNCTION without the CREATE privilege on the schema so.
  SQLFN_READ_ONLY: SqlState.insufficientPrivilege,
  ENGINE_SCHEMA: SqlState.insufficientPrivilege,
  CANCEL_NOT_SERVED: SqlState.featureNotSupported,
  MAP_BAD_OPTION: SqlState.invalidParameterValue,
  MAP_ROW_FAILED: SqlState.internalError,
  RUN_TABLE_EXISTS: SqlState.duplicateTable,
  SEMANTIC_CALL_FAILED: SqlState.internalError,
  WORKER_START: SqlState.internalError,
  SYNC_WORKER_DIED: SqlState.internalError,
  SYNC_WORKER_TIMEOUT: SqlState.internalError,
  STRATEGY_BLOCKS: SqlState.featureNotSupported,
  EXPLAIN_WRITE_IN_TRANSACTION: SqlState.featureNotSupported,
  QUEUE_UNAVAILABLE: SqlState.systemError,
  QUEUE_NO_WORKER: SqlState.systemError,
  QUEUE_JOB_FAILED: SqlState.internalError,
  WORKER_CONFIG: SqlState.internalError,
  // ── server ──
  SERVER_OPTION: SqlState.internalError,
  SERVER_INSECURE: SqlState.internalError,
  SERVER_LISTEN: SqlState.internalError,
  TOO_MANY_CONNECTIONS: SqlState.tooManyConnections,
  PROTOCOL_VIOLATION: SqlState.protocolViolation,
  MESSAGE_TOO_LARGE: SqlState.protocolViolation,
  UNSUPPORTED_MESSAGE: SqlState.featureNotSupported,
  UNKNOWN_STATEMENT: SqlState.undefinedPreparedStatement,
  UNKNOWN_PORTAL: SqlState.undefinedCursor,
  // Postgres: "cached plan must not change result type".
  RESULT_SHAPE_CHANGED: SqlState.featureNotSupported,
  COPY_BAD_DATA: SqlState.badCopyFileFormat,
  // Postgres: "COPY from stdin failed: <the client's message>", query_canceled.
  COPY_FAILED: SqlState.queryCanceled,
  SETTING_NOT_ALLOWED: SqlState.insufficientPrivilege,
  IN_FAILED_TRANSACTION: SqlState.inFailedTransaction,
  CURSOR_OUTSIDE_TRANSACTION: SqlState.noActiveSqlTransaction,
  SAVEPOINT_OUTSIDE_TRANSACTION: SqlState.noActiveSqlTransaction,
  SAVEPOINT_ROLLBACK: SqlState.featureNotSupported,
  SAVEPOINT_UNKNOWN: SqlState.invalidSavepointSpecification,
  DUPLICATE_CURSOR: SqlState.duplicateCursor,
  CURSOR_NO_SCROLL: SqlState.objectNotInPrerequisiteState,
  QUERY_TOO_LARGE: SqlState.programLimitExceeded,
  COPY_LINE_TOO_LONG: SqlState.programLimitExceeded,
  INVALID_UTF8: SqlState.characterNotInRepertoire,
  // Postgres: "type with OID n does not exist".
  UNKNOWN_TYPE_OID: SqlState.undefinedObject,
  SERVER_OUT_OF_MEMORY: SqlState.outOfMemory,
  // Postgres: "unsupported format code: 2", invalid_parameter_value.
  UNSUPPORTED_FORMAT_CODE: SqlState.invalidParameterValue,
  // ── CLI and simulator (raised before any client could see them) ──
  CLI_CONFIG: SqlState.internalError,
  // Postgres answers both at login: invalid_parameter_value, and undefined_object for an unknown name.
  STARTUP_OPTION: SqlState.invalidParameterValue,
  STARTUP_OPTION_UNKNOWN: SqlState.undefinedObject,
  SIM_BAD_OPTION: SqlState.internalError,
  SIM_START: SqlState.internalError,
  SIM_LISTEN: SqlState.internalError,
  // ── DuckDB ──
  DUCKDB_ERROR: SqlState.internalError,
  DUCKDB_BINDER: SqlState.undefinedColumn,
  DUCKDB_CATALOG: SqlState.undefinedTable,
  DUCKDB_CONNECTION: SqlState.internalError,
  DUCKDB_CONSTRAINT: SqlState.constraintViolation,
  DUCKDB_CONVERSION: SqlState.dataException,
  DUCKDB_DECIMAL: SqlState.dataException,
  DUCKDB_DEPENDENCY: SqlState.dependentObjectsStillExist,
  DUCKDB_EXECUTOR: SqlState.internalError,
  DUCKDB_STREAM_FAILED: SqlState.internalError,
  DUCKDB_EXPRESSION: SqlState.internalError,
  DUCKDB_FATAL: SqlState.internalError,
  DUCKDB_HTTP: SqlState.ioError,
  DUCKDB_INDEX: SqlState.internalError,
  DUCKDB_INTERNAL: SqlState.internalError,
  DUCKDB_INTERRUPT: SqlState.queryCanceled,
  DUCKDB_INVALID: SqlState.internalError,
  DUCKDB_IO: SqlState.ioError,
  DUCKDB_NULLPOINTER: SqlState.internalError,
  DUCKDB_OPTIMIZER: SqlState.internalError,
  DUCKDB_PARSER: SqlState.syntaxError,
  DUCKDB_PERMISSION: SqlState.insufficientPrivilege,
  DUCKDB_PLANNER: SqlState.internalError,
  DUCKDB_SCHEDULER: SqlState.internalError,
  DUCKDB_SEQUENCE: SqlState.dataException,
  DUCKDB_SERIALIZATION: SqlState.internalError,
  DUCKDB_SETTINGS: SqlState.invalidParameterValue,
  DUCKDB_STAT: SqlState.internalError,
  DUCKDB_SYNTAX: SqlState.syntaxError,
  DUCKDB_TRANSACTIONCONTEXT: SqlState.inFailedTransaction,
  DUCKDB_INVALID_INPUT: SqlState.dataException,
  DUCKDB_OUT_OF_RANGE: SqlState.numericValueOutOfRange,
  DUCKDB_OUT_OF_MEMORY: SqlState.outOfMemory,
  DUCKDB_NOT_IMPLEMENTED: SqlState.featureNotSupported,
  DUCKDB_MISSING_EXTENSION: SqlState.featureNotSupported,
  DUCKDB_INVALID_CONFIGURATION: SqlState.invalidParameterValue,
  DUCKDB_PARAMETER_NOT_RESOLVED: SqlState.indeterminateDatatype,
  DUCKDB_PARAMETER_NOT_ALLOWED: SqlState.syntaxError,
  // ── grammar: a statement that does not parse ──
  E_EMPTY: SqlState.syntaxError,
  E_UNEXPECTED_TOKEN: SqlState.syntaxError,
  E_UNEXPECTED_END: SqlState.syntaxError,
  E_UNEXPECTED_CHAR: SqlState.syntaxError,
  E_MISSING_USING: SqlState.syntaxError,
  E_MISSING_CASCADE: SqlState.syntaxError,
  E_EMPTY_USING: SqlState.syntaxError,
  E_UNBALANCED_PAREN: SqlState.syntaxError,
  E_UNTERMINATED_STRING: SqlState.syntaxError,
  E_UNTERMINATED_IDENTIFIER: SqlState.syntaxError,
  E_UNTERMINATED_COMMENT: SqlState.syntaxError,
  E_BAD_PARALLEL: SqlState.syntaxError,
  E_BAD_BATCH: SqlState.syntaxError,
  E_DUPLICATE_MODIFIER: SqlState.syntaxError,
  E_UNKNOWN_TYPE: SqlState.syntaxError,
  E_BAD_TYPE_ARGS: SqlState.syntaxError,
  E_DUPLICATE_COLUMN: SqlState.syntaxError,
  E_UNKNOWN_WITH_KEY: SqlState.syntaxError,
  E_WITH_KEY_NOT_ALLOWED: SqlState.syntaxError,
  E_DUPLICATE_WITH_KEY: SqlState.syntaxError,
  E_MISSING_WITH_VALUE: SqlState.syntaxError,
  E_BAD_WITH_VALUE: SqlState.syntaxError,
  E_CONFLICTING_OPTION: SqlState.syntaxError,
  E_UNKNOWN_ANNOTATION: SqlState.syntaxError,
  E_BAD_ANNOTATION_VALUE: SqlState.syntaxError,
  E_DUPLICATE_ANNOTATION: SqlState.syntaxError,
  E_DANGLING_ANNOTATION: SqlState.syntaxError,
  E_ANNOTATION_NOT_ALLOWED: SqlState.syntaxError,
  E_MISSING_OPERAND: SqlState.syntaxError,
  E_NOT_BOOLEAN_OPERATOR: SqlState.syntaxError,
  E_BAD_AGGREGATE_ARGS: SqlState.syntaxError,
  E_INTERNAL: SqlState.internalError,
  // ── cascades: a cascade that does not load, or a run it refuses ──
  CASCADE_YAML: SqlState.dataException,
  CASCADE_SCHEMA: SqlState.dataException,
  CASCADE_OUTPUT_SCHEMA: SqlState.dataException,
  CASCADE_TEMPLATE: SqlState.dataException,
  CASCADE_NOT_FOUND: SqlState.dataException,
  CASCADE_INPUT_MISSING: SqlState.dataException,
  CASCADE_OUTPUT_INVALID: SqlState.dataException,
  CASCADE_OUTPUT_EMPTY: SqlState.dataException,
  CASCADE_OUTPUT_TOO_LARGE: SqlState.dataException,
  CASCADE_TOOL: SqlState.dataException,
  CASCADE_TIMEOUT: SqlState.dataException,
  ABORTED: SqlState.queryCanceled,
  CASCADE_INTERNAL: SqlState.internalError,
  // ── a row's failure inside a chunk, when no layer's code says more ──
  WORKER_ERROR: SqlState.internalError,
  WORKER_DIED: SqlState.internalError,
  CASCADE_LOAD: SqlState.dataException,
  CASCADE_FAILED: SqlState.dataException,
  BATCH_COUNT: SqlState.dataException,
  BUDGET_EXCEEDED: SqlState.programLimitExceeded,
  LLM_ERROR: SqlState.internalError,
  // ── a cascade's sql_data queries ──
  SQL_DATA_NOT_READ_ONLY: SqlState.readOnlyTransaction,
  SQL_DATA_FAILED: SqlState.internalError,
  // ── the LLM client: the service behind rvbbit failed; the client can only report it ──
  LLM_ABORTED: SqlState.internalError,
  LLM_TIMEOUT: SqlState.internalError,
  LLM_RETRIES_EXHAUSTED: SqlState.internalError,
  LLM_HTTP_ERROR: SqlState.internalError,
  LLM_BAD_RESPONSE: SqlState.internalError,
  LLM_BAD_JSON: SqlState.internalError,
  LLM_RESPONSE_TOO_LARGE: SqlState.internalError,
  LLM_CONNECTION: SqlState.internalError,
  LLM_BAD_REQUEST: SqlState.internalError,
  LLM_CONFIG: SqlState.internalError,
  LLM_ENDPOINT_DOWN: SqlState.systemError,
  LLM_BATCH_UNSUPPORTED: SqlState.featureNotSupported,
  LLM_BATCH_FAILED: SqlState.systemError,
  // A prompt over the model's window, an answer over its output cap: limits of the model, as 54000 says.
  LLM_CONTEXT_TOO_LONG: SqlState.programLimitExceeded,
  LLM_OUTPUT_TRUNCATED: SqlState.programLimitExceeded,
} as const satisfies Record<Exclude<ErrorCode, LlmHttpStatusCode>, SqlStateCode>;

/** `LLM_HTTP_<status>`, one code per 4xx status the LLM API answered, all alike. */
const LLM_HTTP_STATUS_STATE: SqlStateCode = SqlState.internalError;

export function sqlStateOf(code: ErrorCode): SqlStateCode {
  if (isLlmHttpStatusCode(code)) return LLM_HTTP_STATUS_STATE;
  // Codes are typed, but one can still arrive untyped from another thread: never send no SQLSTATE.
  return SQLSTATE_OF_CODE[code] ?? SqlState.internalError;
}

/** Character offset (0-based) of a 1-based line and column in `text`. */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) break;
    offset = nl + 1;
  }
  return offset + column - 1;
}

/** DuckDB's refusal of a file, a folder or an extension once the server closed files to clients (client-access.ts). */
const CLOSED_TO_FILES = /disabled by configuration/;
const FILES_HINT =
  ' (rvbbit serve opens a folder to clients with --allow-files DIR, repeatable, or server.allow_files in rvbbit.config.yaml;' +
  ' every file, extensions and the network with --allow-all-files, for trusted clients only)';

/**
 * ErrorResponse fields for an error raised by a statement that starts at
 * `start` (a character offset) in the query string the client sent.
 */
export function errorFields(err: unknown, statement?: { text: string; start: number }): NoticeFields {
  const e =
    err instanceof RvbbitError
      ? err
      : new RvbbitError('INTERNAL', err instanceof Error ? err.message : String(err));
  const lines = e.message.split('\n');
  const first = lines[0]!.replace(/ \(USING query, line \d+, column \d+\)$/, '');
  const message =
    e.code === 'DUCKDB_PERMISSION' && CLOSED_TO_FILES.test(first) ? `${first}${FILES_HINT}` : first;
  const fields: Record<string, string> = {
    S: 'ERROR',
    V: 'ERROR',
    // current_setting('jit'): Postgres' 42704, which asyncpg's type introspection takes as "no such setting".
    C: /unrecognized configuration parameter/.test(message) ? SqlState.undefinedObject : sqlStateOf(e.code),
    M: message,
  };
  const hint = lines.find((l) => /^Did you mean/.test(l));
  if (hint) fields.H = hint;
  const d = e.detail;
  if (statement) {
    let at: number | undefined;
    if (typeof d.offset === 'number') at = d.offset;
    else if (typeof d.line === 'number' && typeof d.column === 'number') {
      at = offsetOf(statement.text, d.line, d.column);
    }
    if (at !== undefined) fields.P = String(statement.start + at + 1);
  }
  fields.D = `rvbbit code ${e.code}`;
  return fields;
}
