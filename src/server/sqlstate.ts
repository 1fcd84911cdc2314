/**
 * Engine errors as ErrorResponse fields: the stable `code` becomes a SQLSTATE,
 * and a known line and column become the 1-based character position `P`
 * that psql draws its caret from.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
import { RvbbitError } from '../errors.js';
import type { NoticeFields } from './message-writer.js';

export const SqlState = {
  syntaxError: '42601',
  undefinedTable: '42P01',
  undefinedObject: '42704',
  undefinedColumn: '42703',
  queryCanceled: '57014',
  dataException: '22000',
  invalidParameterValue: '22023',
  featureNotSupported: '0A000',
  protocolViolation: '08P01',
  invalidPassword: '28P01',
  tooManyConnections: '53300',
  idleSessionTimeout: '57P05',
  inFailedTransaction: '25P02',
  constraintViolation: '23000',
  internalError: 'XX000',
} as const;

export function sqlStateOf(code: string): string {
  if (code.startsWith('E_')) return SqlState.syntaxError;
  switch (code) {
    case 'DUCKDB_PARSER':
      return SqlState.syntaxError;
    case 'DUCKDB_CATALOG':
      return SqlState.undefinedTable;
    case 'DUCKDB_BINDER':
      return SqlState.undefinedColumn;
    case 'CANCELLED':
      return SqlState.queryCanceled;
    case 'DUCKDB_CONVERSION':
    case 'DUCKDB_INVALID_INPUT':
    case 'DUCKDB_OUT_OF_RANGE':
    case 'BAD_PARAMETER':
      return SqlState.dataException;
    case 'DUCKDB_CONSTRAINT':
      return SqlState.constraintViolation;
    case 'IN_FAILED_TRANSACTION':
    case 'DUCKDB_TRANSACTION':
    case 'DUCKDB_TRANSACTIONCONTEXT':
      return SqlState.inFailedTransaction;
    case 'DUCKDB_NOT_IMPLEMENTED':
      return SqlState.featureNotSupported;
    default:
      return code.startsWith('CASCADE') || code.startsWith('PLAN')
        ? SqlState.dataException
        : SqlState.internalError;
  }
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
  const message = lines[0]!.replace(/ \(USING query, line \d+, column \d+\)$/, '');
  const fields: Record<string, string> = {
    S: 'ERROR',
    V: 'ERROR',
    C: sqlStateOf(e.code),
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
