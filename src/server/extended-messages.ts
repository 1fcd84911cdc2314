/**
 * Parse and Bind as the client sent them: read off the wire and checked as
 * Postgres checks them, before the extended protocol (extended-query.ts)
 * does anything with them. A malformed message is a refusal to send back.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
import { RvbbitError } from '../../base/errors.js';
import type { BodyReader } from './frame-reader.js';
import type { ServerLimits } from './server-options.js';
import { sqlPieces } from './sql-pieces.js';
import { formatAt } from './statement-shape.js';
import { BINARY_PARAM_OIDS, decodeParam } from './types/param-codec.js';
import { decodeUtf8, isValidUtf8 } from './utf8.js';

/**
 * Every type Postgres has built in has an OID below this (FirstGenbkiObjectId);
 * this server defines none of its own, so a higher one names no type.
 */
const FIRST_NON_BUILTIN_OID = 10_000;

export interface ParseMessage {
  readonly name: string;
  readonly sql: string;
  /** The parameter types the client declared (0: none). */
  readonly paramOids: readonly number[];
}

/**
 * A Parse message, or why it is refused: over the size limits, not UTF-8, or
 * declaring a type OID that names no type. `droppedLength`: the message was
 * over maxQueryBytes and dropped unread.
 */
export function readParse(
  r: BodyReader,
  droppedLength: number | undefined,
  limits: Pick<ServerLimits, 'maxQueryBytes' | 'maxStatementBytes'>,
): ParseMessage | RvbbitError {
  const { maxQueryBytes, maxStatementBytes } = limits;
  if (droppedLength !== undefined) {
    return new RvbbitError(
      'QUERY_TOO_LARGE',
      `query message of ${droppedLength - 4} bytes exceeds the limit of ${maxQueryBytes} bytes`,
    );
  }
  const name = r.cstring();
  const sqlEnd = r.remaining;
  let sql: string;
  try {
    sql = r.utf8cstring();
  } catch (err) {
    if (!(err instanceof RvbbitError && err.code === 'INVALID_UTF8')) throw err;
    return err;
  }
  const sqlBytes = sqlEnd - r.remaining - 1;
  const n = r.int16();
  const oids: number[] = [];
  for (let i = 0; i < n; i++) oids.push(r.int32());
  if (sqlBytes > maxStatementBytes) {
    return new RvbbitError(
      'QUERY_TOO_LARGE',
      `statement of ${sqlBytes} bytes exceeds the limit of ${maxStatementBytes} bytes`,
    );
  }
  // OIDs are unsigned: one read as negative is past 2^31, no type either.
  const unknown = oids.find((oid) => oid < 0 || oid >= FIRST_NON_BUILTIN_OID);
  if (unknown !== undefined) {
    return new RvbbitError('UNKNOWN_TYPE_OID', `type with OID ${unknown >>> 0} does not exist`);
  }
  return { name, sql, paramOids: oids };
}

/**
 * The parameters a Bind must supply, as Postgres counts them: the types the
 * Parse declared, or the highest `$n` if higher. Undefined when the SQL has
 * `?` or `$name` parameters, which DuckDB numbers itself: no count is checked.
 */
export function parameterCount(sql: string, declared: number): number | undefined {
  let max = declared;
  for (const piece of sqlPieces(sql)) {
    if (piece.otherParams) return undefined;
    max = Math.max(max, piece.maxParam);
  }
  return max;
}

export interface BindMessage {
  readonly portalName: string;
  readonly statementName: string;
  /** Parameter format codes: none (all text), one for all, or one per parameter. */
  readonly formats: readonly number[];
  /** Each parameter's bytes; null for SQL NULL. */
  readonly raws: readonly (Buffer | null)[];
  readonly resultFormats: readonly number[];
}

/**
 * A Bind message, or a protocol violation (08P01): a parameter length below
 * -1, or a format-code count that is neither 0, 1 nor one per parameter. The
 * whole message is read first, so a malformed one is refused as such, not
 * as naming a missing statement.
 */
export function readBind(r: BodyReader): BindMessage | RvbbitError {
  const portalName = r.cstring();
  const statementName = r.cstring();
  const formats = int16s(r);
  const nParams = r.int16();
  const raws: (Buffer | null)[] = [];
  for (let i = 0; i < nParams; i++) {
    const len = r.int32();
    if (len < -1)
      return new RvbbitError('PROTOCOL_VIOLATION', `invalid parameter length ${len} in bind message`);
    raws.push(len === -1 ? null : Buffer.from(r.bytes(len)));
  }
  const resultFormats = int16s(r);
  if (formats.length > 1 && formats.length !== nParams) {
    return new RvbbitError(
      'PROTOCOL_VIOLATION',
      `bind message has ${formats.length} parameter formats but ${nParams} parameters`,
    );
  }
  return { portalName, statementName, formats, raws, resultFormats };
}

/**
 * Why a well-formed Bind does not fit its statement: another number of
 * parameters than it takes (08P01), or a format code other than 0 and 1
 * (22023 "unsupported format code").
 */
export function bindRefusal(bind: BindMessage, paramCount: number | undefined): RvbbitError | undefined {
  const n = bind.raws.length;
  if (paramCount !== undefined && n !== paramCount) {
    return new RvbbitError(
      'PROTOCOL_VIOLATION',
      `bind message supplies ${n} parameters, but prepared statement "${bind.statementName}" requires ${paramCount}`,
    );
  }
  const badFormat = [...bind.formats, ...bind.resultFormats].find((f) => f !== 0 && f !== 1);
  if (badFormat !== undefined)
    return new RvbbitError('UNSUPPORTED_FORMAT_CODE', `unsupported format code: ${badFormat}`);
  return undefined;
}

/** The parameters' values as DuckDB binds them; a text parameter must be UTF-8 (22021). */
export function bindValues(
  raws: readonly (Buffer | null)[],
  formats: readonly number[],
  oidOf: (i: number) => number,
): unknown[] {
  return raws.map((raw, i) => {
    const format = formatAt(formats, i);
    const oid = oidOf(i);
    if (raw && (format === 0 || !BINARY_PARAM_OIDS.has(oid)) && !isValidUtf8(raw)) decodeUtf8(raw);
    return decodeParam(raw, format, oid, i);
  });
}

/** A count and that many int16s (Bind's parameter and result format codes). */
function int16s(r: BodyReader): number[] {
  const n = r.int16();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.int16());
  return out;
}
