/**
 * Every code an RvbbitError can carry. The code is the contract (it crosses
 * threads and the wire, where `src/server/sqlstate.ts` maps each one to a
 * SQLSTATE), so it is a closed union: a code that is not listed here or in one
 * of the layer catalogs below does not compile.
 *
 * This file is the bottom of the code base: it imports nothing, and every
 * layer takes its codes from here (the grammar re-exports `GrammarErrorCode`,
 * cascades `CascadeErrorCode`, the sql_data host `SqlDataErrorCode`, the LLM
 * client `LLM_ERROR`). The engine's own codes are listed in ENGINE_ERROR_CODES
 * and the row-level ones in ROW_ERROR_CODES, each with what it means.
 */
/** The grammar's codes (E_*): a statement that does not parse or build (grammar/errors.ts shapes them). */
export const GrammarErrorCode = {
  EMPTY: 'E_EMPTY',
  UNEXPECTED_TOKEN: 'E_UNEXPECTED_TOKEN',
  UNEXPECTED_END: 'E_UNEXPECTED_END',
  UNEXPECTED_CHAR: 'E_UNEXPECTED_CHAR',
  MISSING_USING: 'E_MISSING_USING',
  MISSING_CASCADE: 'E_MISSING_CASCADE',
  EMPTY_USING: 'E_EMPTY_USING',
  UNBALANCED_PAREN: 'E_UNBALANCED_PAREN',
  UNTERMINATED_STRING: 'E_UNTERMINATED_STRING',
  UNTERMINATED_IDENTIFIER: 'E_UNTERMINATED_IDENTIFIER',
  UNTERMINATED_COMMENT: 'E_UNTERMINATED_COMMENT',
  BAD_PARALLEL: 'E_BAD_PARALLEL',
  BAD_BATCH: 'E_BAD_BATCH',
  DUPLICATE_MODIFIER: 'E_DUPLICATE_MODIFIER',
  UNKNOWN_TYPE: 'E_UNKNOWN_TYPE',
  BAD_TYPE_ARGS: 'E_BAD_TYPE_ARGS',
  DUPLICATE_COLUMN: 'E_DUPLICATE_COLUMN',
  UNKNOWN_WITH_KEY: 'E_UNKNOWN_WITH_KEY',
  WITH_KEY_NOT_ALLOWED: 'E_WITH_KEY_NOT_ALLOWED',
  DUPLICATE_WITH_KEY: 'E_DUPLICATE_WITH_KEY',
  MISSING_WITH_VALUE: 'E_MISSING_WITH_VALUE',
  BAD_WITH_VALUE: 'E_BAD_WITH_VALUE',
  CONFLICTING_OPTION: 'E_CONFLICTING_OPTION',
  UNKNOWN_ANNOTATION: 'E_UNKNOWN_ANNOTATION',
  BAD_ANNOTATION_VALUE: 'E_BAD_ANNOTATION_VALUE',
  DUPLICATE_ANNOTATION: 'E_DUPLICATE_ANNOTATION',
  DANGLING_ANNOTATION: 'E_DANGLING_ANNOTATION',
  ANNOTATION_NOT_ALLOWED: 'E_ANNOTATION_NOT_ALLOWED',
  MISSING_OPERAND: 'E_MISSING_OPERAND',
  NOT_BOOLEAN_OPERATOR: 'E_NOT_BOOLEAN_OPERATOR',
  BAD_AGGREGATE_ARGS: 'E_BAD_AGGREGATE_ARGS',
  INTERNAL: 'E_INTERNAL',
} as const;

export type GrammarErrorCode = (typeof GrammarErrorCode)[keyof typeof GrammarErrorCode];

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

/** A cascade's sql_data tool, refused or failed (src/cascade/duckdb-host.ts). */
export const SqlDataErrorCode = {
  /** Not a single read-only query, or it touches files, sequences or state. */
  NotReadOnly: 'SQL_DATA_NOT_READ_ONLY',
  /** DuckDB rejected or failed the query. */
  Failed: 'SQL_DATA_FAILED',
} as const;

/** The LLM client's codes: every rejection of `LlmClient.chat` (plus `LLM_HTTP_<status>` for a 4xx). */
export const LLM_ERROR = {
  /** The caller's signal aborted the call. */
  ABORTED: 'LLM_ABORTED',
  /** The caller's signal aborted with a TimeoutError (e.g. AbortSignal.timeout). */
  TIMEOUT: 'LLM_TIMEOUT',
  /** Every attempt failed with a retryable failure; detail: status, attempts, lastCode. */
  RETRIES_EXHAUSTED: 'LLM_RETRIES_EXHAUSTED',
  /** A status outside 2xx/4xx/5xx, or a 4xx without a specific code. */
  HTTP_ERROR: 'LLM_HTTP_ERROR',
  /** The body is not JSON, has no choices, or no text content. */
  BAD_RESPONSE: 'LLM_BAD_RESPONSE',
  /** A structured-output answer that is not valid JSON (e.g. truncated). */
  BAD_JSON: 'LLM_BAD_JSON',
  /** The response body is over the client's maxResponseBytes. */
  RESPONSE_TOO_LARGE: 'LLM_RESPONSE_TOO_LARGE',
  /** A connection could not be made or was reset (a retryable failure's lastCode). */
  CONNECTION: 'LLM_CONNECTION',
  /** The request given to chat() is invalid (no model, no messages). */
  BAD_REQUEST: 'LLM_BAD_REQUEST',
  /** Invalid client options or rvbbit.config.yaml. */
  CONFIG: 'LLM_CONFIG',
  /**
   * The endpoint's circuit breaker found it down (every call failed with no
   * connection or a 5xx for `downAfterMs`): remaining calls fail fast. The
   * message names the host, never the key.
   */
  ENDPOINT_DOWN: 'LLM_ENDPOINT_DOWN',
  /**
   * `delivery: batch`: the provider has no Batch API (its Files or Batches
   * endpoint answered 404/405), or refused the upload or the batch; the
   * message carries the provider's words.
   */
  BATCH_UNSUPPORTED: 'LLM_BATCH_UNSUPPORTED',
  /** The provider's batch ended `failed` or `expired`; detail: batch id and the provider's first errors. */
  BATCH_FAILED: 'LLM_BATCH_FAILED',
  /**
   * The prompt does not fit the model's context window (model-limits.ts):
   * refused before sending when the window is known, or the provider's
   * context-length refusal; detail: model, tokens, window.
   */
  CONTEXT_TOO_LONG: 'LLM_CONTEXT_TOO_LONG',
  /**
   * The answer was cut at its token limit (`finish_reason: "length"`) even
   * at the most tokens the model may give; detail: model, maxTokens, tokensOut.
   */
  OUTPUT_TRUNCATED: 'LLM_OUTPUT_TRUNCATED',
} as const;

export type LlmErrorCode = (typeof LLM_ERROR)[keyof typeof LLM_ERROR] | `LLM_HTTP_${number}`;

/**
 * A row's failure inside a chunk, when no layer's code says more: these cross
 * from a worker thread (or a queue worker) as RowOutcome.errorCode.
 */
export const ROW_ERROR_CODES = {
  WORKER_ERROR: 'the worker thread threw while running the chunk (a bug or a library failing)',
  WORKER_DIED: 'the worker thread running the chunk exited or crashed',
  CASCADE_LOAD: "the worker could not load the row's cascade",
  CASCADE_FAILED: 'the cascade run failed without a code of its own',
  BATCH_COUNT: 'a batched call answered another number of rows than it was sent',
  BUDGET_EXCEEDED: "the statement's budget (budget_dollars, budget_tokens) was spent before the row ran",
  LLM_ERROR: 'a model call failed with something that is not an RvbbitError',
} as const;
export type RowErrorCode = keyof typeof ROW_ERROR_CODES;

/** Codes of the engine, the server, the CLI and the simulator: code → what it means. */
export const ENGINE_ERROR_CODES = {
  // ── anywhere ──
  INTERNAL: 'something that is not an RvbbitError was thrown (a bug, or a library failing)',
  ENGINE_ERROR: 'an engine invariant broke (a bug)',
  CANCELLED: 'the statement was cancelled (CancelRequest, Ctrl-C, an aborted signal)',

  // ── engine and sessions ──
  ENGINE_OPTION: 'createEngine() got an invalid option',
  TUNE_ARGUMENT:
    'tune() got an invalid argument (the table, the target, the sample, the seed, the confidence)',
  ENGINE_CLOSED: 'a session was asked of a closed engine',
  SESSION_CLOSED: 'a statement was run on a closed session',
  BAD_PARAMETER: 'a statement parameter ($n) of a type or encoding that cannot be bound',

  // ── planning ──
  CASCADE_OUTSIDE_ROOTS: "a cascade reference resolves outside the engine's cascade roots",
  E_BAD_OPERATOR: "a cascade's semantic operator word is invalid (not one word, a SQL keyword, a clash)",
  SEMANTIC_NO_FUNCTION: "a semantic operator or function that no cascade's sql_function defines",
  SEMANTIC_OPERAND_TYPE: "a semantic function's operand is of a type its cascade does not take",
  SEMANTIC_BAD_RETURNING:
    "a typed function's result type cannot be used (a range bound that is not a number literal, bounds on a non-numeric type)",
  SEMANTIC_DIMENSION_QUERY:
    'a dimension (TOPICS, SENTIMENT) in a statement that is not a query (it needs a first pass to find its labels)',
  EMBED_BAD_ARGUMENT:
    'EMBED or VECTOR_SEARCH got an argument it cannot take (a model that is not a string literal, k not a positive integer, a table or column that is not a name)',
  EMBED_NEEDS_BATCH:
    'EMBED outside the batch strategy of a text only an operator answer reveals, or with side effects inside an explicit transaction',
  BUDGET_UNPRICED:
    'budget_dollars with a model that has no price (and no budget_tokens): its spend could not be counted',

  // ── IMAGE(): images in columns (src/engine/image-function.ts) ──
  IMAGE_BAD_ARGUMENT:
    'IMAGE() got a value it cannot take: an http:// or other non-https URL, a malformed data: URL, a detail other than low, high or auto',
  IMAGE_UNKNOWN_FORMAT:
    'IMAGE() got bytes that are not a PNG, JPEG, GIF or WEBP image (or whose header is cut short, or that are not the type their data: URL declares)',
  IMAGE_TOO_LARGE: "IMAGE() got an image larger than the engine's maxImageBytes (default 20 MiB)",
  IMAGE_OUTSIDE_FOLDERS:
    "IMAGE() was given a file path outside the engine's allowed image folders (imageFolders, --image-dir), or none is allowed",
  IMAGE_NOT_FOUND: 'IMAGE() was given a path inside an allowed image folder where no readable file is',

  // ── documents and long texts (src/documents/, src/engine/document-functions.ts) ──
  DOCUMENT_BAD_ARGUMENT:
    'DOCUMENT_TEXT, DOCUMENT_PAGES or TEXT_CHUNKS got an argument it cannot take (max_tokens below 16, an overlap not below max_tokens, an empty path)',
  DOCUMENT_UNKNOWN_FORMAT:
    'DOCUMENT_TEXT or DOCUMENT_PAGES got bytes that are not a PDF, a DOCX or an HTML page',
  DOCUMENT_DAMAGED:
    'a document that starts as a PDF, DOCX or HTML file but cannot be read as one (damaged, cut short, a zip that is no Word document)',
  DOCUMENT_ENCRYPTED: 'a PDF that needs a password to read',
  DOCUMENT_TOO_LARGE:
    "a document over the engine's maxDocumentBytes (default 64 MiB), or one whose text unpacks past the parser's bounds (a zip bomb); a TEXT_CHUNKS text over maxDocumentBytes or cut into more than 1,000,000 chunks",
  DOCUMENT_PARSE_LIMIT:
    "a document whose parsing took longer than the parser's deadline or more memory than its thread may use",
  DOCUMENT_PARSE_BLOCKS:
    "DOCUMENT_TEXT, DOCUMENT_PAGES or TEXT_CHUNKS would parse a document (or cut a long text) inside DuckDB's call, blocking the main thread, in a session that must not block (a server's, unless started with --allow-blocking-strategies): a write inside an open transaction, a query an operator statement runs outside its record passes",
  DOCUMENT_OUTSIDE_FOLDERS:
    "DOCUMENT_TEXT or DOCUMENT_PAGES was given a file path outside the engine's data folders (dataFolders, --data-dir), or none is allowed",
  DOCUMENT_NOT_FOUND:
    'DOCUMENT_TEXT or DOCUMENT_PAGES was given a path inside a data folder where no readable regular file is',
  // ── CREATE / DROP SEMANTIC FUNCTION (src/statements/semantic/functions/sql-function-definition.ts) ──
  SQLFN_TEMPLATE: "a semantic function's prompt template does not parse",
  SQLFN_DEFINITION:
    'a semantic function definition that cannot work: a prompt naming no argument or one it does not have, a duplicate argument, an operator form its arguments cannot take, a CASCADE whose YAML does not load',
  SQLFN_BAD_TYPE: 'a semantic function names a type that does not exist',
  SQLFN_UNSUPPORTED_TYPE: 'a semantic function names a type its arguments or result cannot be',
  SQLFN_OPTION: "an option in a semantic function's WITH (…) it does not take, or a value it cannot be",
  SQLFN_EXISTS:
    'CREATE SEMANTIC FUNCTION of a name or word already taken: a DuckDB function, a keyword, an operator file, another function (OR REPLACE replaces only one defined in SQL)',
  SQLFN_RESERVED:
    "CREATE SEMANTIC FUNCTION of a name or operator word that is a SQL keyword or a type name in DuckDB, or starts with rvbbit_ (rvbbit's own functions' prefix)",
  SQLFN_NOT_FOUND: 'DROP SEMANTIC FUNCTION of a function no CREATE SEMANTIC FUNCTION defined',
  SQLFN_READ_ONLY: 'CREATE or DROP SEMANTIC FUNCTION on a server started with --read-only-functions',
  CANCEL_NOT_SERVED:
    'pg_cancel_backend called from a session that is no client of rvbbit serve (it cancels a client of the server)',
  ENGINE_SCHEMA:
    "a statement that drops, alters, truncates or replaces the rvbbit schema or one of its objects (the engine's own)",

  // ── running cascades over rows ──
  MAP_BAD_OPTION: 'a RVBBIT MAP option that does not fit its USING query (e.g. dedupe_by not a column)',
  MAP_ROW_FAILED: "a row failed and the MAP's on_error is 'fail'",
  RUN_TABLE_EXISTS:
    "RUN's as_table names a table or view that already exists (WITH (replace = true) replaces it)",
  SEMANTIC_CALL_FAILED: 'a call of a semantic function failed, so its statement does',
  WORKER_START: 'a worker thread could not load its entry module',
  SYNC_WORKER_DIED: 'the worker of a synchronous call stopped answering (no heartbeat)',
  SYNC_WORKER_TIMEOUT: 'the worker of a synchronous call did not answer in time',
  EXPLAIN_WRITE_IN_TRANSACTION:
    'EXPLAIN of a write with semantic operators inside an open transaction (its passes run in a transaction of their own, rolled back)',
  STRATEGY_BLOCKS:
    "a statement that would block the main thread call by call (sequential, vectorized, union_all, a write inside an open transaction) in a session that must not block (a server's, unless started with --allow-blocking-strategies)",

  // ── scale-out: the chunk queue on Redis and `rvbbit worker` ──
  QUEUE_UNAVAILABLE: 'the Redis server of the chunk queue was unreachable, so the statement stopped',
  QUEUE_NO_WORKER: 'no `rvbbit worker` took the chunk jobs of a statement in time',
  QUEUE_JOB_FAILED: 'a chunk job failed on the queue (a worker died on it too often)',
  WORKER_CONFIG: '`rvbbit worker` could not start: a bad option, cascade folder or provider',

  // ── the Postgres-wire server ──
  SERVER_OPTION: 'startServer() got an invalid option',
  SERVER_INSECURE: 'the server was asked to listen beyond loopback without a password',
  SERVER_LISTEN: 'the server cannot listen on its host and port (in use, not allowed, or no such address)',
  TOO_MANY_CONNECTIONS: 'the server is at its connection limit',
  PROTOCOL_VIOLATION: 'a client sent a malformed message or one out of order',
  MESSAGE_TOO_LARGE: "a client's message is longer than the server's limit",
  UNSUPPORTED_MESSAGE: 'a client sent a message type rvbbit does not implement (COPY, FunctionCall)',
  UNKNOWN_STATEMENT: 'Bind or Describe named a prepared statement that does not exist',
  UNKNOWN_PORTAL: 'Describe or Execute named a portal that does not exist',
  RESULT_SHAPE_CHANGED:
    'a prepared statement returned other columns than its Describe said (a table it reads changed since)',
  COPY_BAD_DATA: 'COPY FROM STDIN got a line that does not fit the table (a missing or extra field, bad CSV)',
  COPY_FAILED: 'the client ended a COPY FROM STDIN with CopyFail',
  SETTING_NOT_ALLOWED:
    'a server client tried to change a DuckDB setting every session shares (threads, memory_limit, access)',
  IN_FAILED_TRANSACTION: 'a statement other than ROLLBACK/COMMIT in a transaction block that failed',
  CURSOR_OUTSIDE_TRANSACTION: 'DECLARE of a cursor WITHOUT HOLD outside a transaction block',
  DUPLICATE_CURSOR: 'DECLARE of a cursor whose name is already open',
  CURSOR_NO_SCROLL: 'a SCROLL cursor or a backward FETCH/MOVE (rvbbit cursors scan forward only)',
  SAVEPOINT_OUTSIDE_TRANSACTION: 'SAVEPOINT, RELEASE or ROLLBACK TO SAVEPOINT outside a transaction block',
  SAVEPOINT_ROLLBACK:
    'ROLLBACK TO SAVEPOINT after a write since it: DuckDB has no savepoints, so the transaction block fails and must be rolled back whole',
  SAVEPOINT_UNKNOWN: 'ROLLBACK TO SAVEPOINT of a name no SAVEPOINT of the transaction block made',
  QUERY_TOO_LARGE:
    "a query or one of its statements is longer than the server's limit (maxQueryBytes, maxStatementBytes)",
  COPY_LINE_TOO_LONG: "a line of COPY FROM STDIN data is longer than the server's limit (maxCopyLineBytes)",
  INVALID_UTF8: 'a query, parameter or COPY data that is not valid UTF-8 (or holds a NUL byte)',
  UNKNOWN_TYPE_OID: 'Parse declared a parameter type OID that is no type the server knows',
  UNSUPPORTED_FORMAT_CODE: 'Bind gave a parameter or result format code other than 0 (text) or 1 (binary)',
  STARTUP_OPTION:
    "a switch in the startup packet's options (PGOPTIONS) that is no setting (-c name=value, --name=value), or a setting's bad value",
  STARTUP_OPTION_UNKNOWN:
    "a setting in the startup packet's options (PGOPTIONS) that is no Postgres session setting rvbbit takes",
  SERVER_OUT_OF_MEMORY:
    "a client's message would take the clients' buffered messages past the server's budget (maxServerInputBytes)",

  // ── CLI and simulator ──
  CLI_CONFIG: 'rvbbit.config.yaml is invalid for the CLI',
  SIM_BAD_OPTION: 'the LLM simulator got an invalid option',
  SIM_START: 'the LLM simulator process did not start',
  SIM_LISTEN: 'the LLM simulator cannot listen on its host and port',

  // ── DuckDB, by the error type its message starts with ("Binder Error: …") ──
  DUCKDB_ERROR: 'DuckDB failed with a message that names no one-word error type',
  DUCKDB_BINDER: 'DuckDB: a column, table or function does not resolve',
  DUCKDB_CATALOG: 'DuckDB: a table, view, schema or type does not exist (or already does)',
  DUCKDB_CONNECTION: 'DuckDB: a connection-level failure',
  DUCKDB_CONSTRAINT: 'DuckDB: a constraint (primary key, unique, not null, check) was violated',
  DUCKDB_CONVERSION: 'DuckDB: a value could not be cast',
  DUCKDB_DECIMAL: 'DuckDB: a decimal value out of its precision',
  DUCKDB_DEPENDENCY: 'DuckDB: an object others depend on cannot be dropped or altered',
  DUCKDB_EXECUTOR: 'DuckDB: a failure while executing a plan',
  DUCKDB_EXPRESSION: 'DuckDB: an invalid expression',
  DUCKDB_FATAL: 'DuckDB: a fatal error; the database is no longer usable',
  DUCKDB_HTTP: 'DuckDB: an HTTP request (httpfs) failed',
  DUCKDB_INDEX: 'DuckDB: an index failure',
  DUCKDB_INTERNAL: 'DuckDB: an internal error (a DuckDB bug)',
  DUCKDB_INTERRUPT: 'DuckDB: the query was interrupted',
  DUCKDB_INVALID: 'DuckDB: an invalid operation',
  DUCKDB_IO: 'DuckDB: reading or writing a file failed',
  DUCKDB_NULLPOINTER: 'DuckDB: a null pointer (a DuckDB bug)',
  DUCKDB_OPTIMIZER: 'DuckDB: the optimizer failed',
  DUCKDB_PARSER: 'DuckDB: the SQL does not parse',
  DUCKDB_PERMISSION: 'DuckDB: the operation is not permitted (e.g. external access disabled)',
  DUCKDB_PLANNER: 'DuckDB: the planner failed',
  DUCKDB_SCHEDULER: 'DuckDB: the task scheduler failed',
  DUCKDB_SEQUENCE: 'DuckDB: a sequence is out of values or misused',
  DUCKDB_SERIALIZATION: 'DuckDB: reading or writing serialized data failed',
  DUCKDB_SETTINGS: 'DuckDB: an invalid setting',
  DUCKDB_STAT: 'DuckDB: a statistics failure',
  DUCKDB_SYNTAX: 'DuckDB: a syntax error outside the parser proper',
  DUCKDB_TRANSACTIONCONTEXT: 'DuckDB: a transaction conflict or a statement invalid in the transaction state',
  DUCKDB_INVALID_INPUT: 'DuckDB: an invalid input (e.g. a parameter count that does not match)',
  DUCKDB_OUT_OF_RANGE: 'DuckDB: a value out of the range of its type',
  DUCKDB_OUT_OF_MEMORY: 'DuckDB: the memory limit was reached',
  DUCKDB_STREAM_FAILED:
    'DuckDB: a streamed query failed part-way (its streaming reader gives no message; engine.query shows it)',
  DUCKDB_NOT_IMPLEMENTED: 'DuckDB: a feature DuckDB does not implement',
  DUCKDB_MISSING_EXTENSION: 'DuckDB: a function or type of an extension that is not loaded',
  DUCKDB_INVALID_CONFIGURATION: 'DuckDB: an invalid configuration',
  DUCKDB_PARAMETER_NOT_RESOLVED: 'DuckDB: the type of a parameter ($n) cannot be resolved',
  DUCKDB_PARAMETER_NOT_ALLOWED: 'DuckDB: a parameter ($n) where none is allowed',
} as const;

export type EngineErrorCode = keyof typeof ENGINE_ERROR_CODES;
export type SqlDataErrorCode = (typeof SqlDataErrorCode)[keyof typeof SqlDataErrorCode];
export type DuckDbErrorCode = Extract<EngineErrorCode, `DUCKDB_${string}`>;
/** `LLM_HTTP_<status>`: the LLM API answered with this 4xx status. */
export type LlmHttpStatusCode = Extract<LlmErrorCode, `LLM_HTTP_${number}`>;

export type ErrorCode =
  | EngineErrorCode
  | RowErrorCode
  | GrammarErrorCode
  | CascadeErrorCode
  | SqlDataErrorCode
  | LlmErrorCode;

// A code means one thing: the engine's list must not repeat a layer's code.
type Repeated = EngineErrorCode &
  (RowErrorCode | GrammarErrorCode | CascadeErrorCode | SqlDataErrorCode | LlmErrorCode);
const noCodeRepeated: [Repeated] extends [never] ? true : Repeated = true;
void noCodeRepeated;

export function isEngineErrorCode(code: string): code is EngineErrorCode {
  return Object.hasOwn(ENGINE_ERROR_CODES, code);
}

export function isLlmHttpStatusCode(code: string): code is LlmHttpStatusCode {
  return /^LLM_HTTP_\d+$/.test(code);
}

/**
 * The code for a DuckDB error, from the error type its message starts with
 * (`Binder` in "Binder Error: …", `Out of Range` → DUCKDB_OUT_OF_RANGE); DUCKDB_ERROR when there is none or it is
 * not one DuckDB is known to raise.
 */
export function duckdbErrorCode(kind: string | undefined): DuckDbErrorCode {
  const code = `DUCKDB_${(kind ?? '').toUpperCase().replaceAll(' ', '_')}` as const;
  return isEngineErrorCode(code) ? code : 'DUCKDB_ERROR';
}
