/**
 * Postgres literals in SQL text that DuckDB reads differently, rewritten so
 * DuckDB reads the value Postgres would. Clients that inline parameters
 * (psycopg2, psycopg 3's ClientCursor and sql.Literal) and people write them:
 *
 * - `'\x0001ff'::bytea`: Postgres' hex bytea, three bytes; DuckDB's BLOB text
 *   reads `\xHH` one byte at a time, so five ('\x00' then "01ff"). Read with
 *   Postgres' bytea input (hex or escape format), written as DuckDB's.
 * - `'{1,NULL}'::int2[]`: a Postgres array; DuckDB's lists are '[1, NULL]'.
 * - `'1.23456'::numeric`: unconstrained in Postgres; DuckDB's NUMERIC is
 *   DECIMAL(18,3), which would round it to 1.235. Cast to a DECIMAL as wide
 *   as the literal instead.
 *
 * A literal is one string cast (`::type`, `CAST(… AS type)`, or `bytea '…'`);
 * a cast spelled the DuckDB way (BLOB, DECIMAL(p,s), a list '[…]') is left
 * alone, as are comments, quoted names and dollar quotes.
 * @see https://www.postgresql.org/docs/current/datatype-binary.html
 * @see https://www.postgresql.org/docs/current/arrays.html#ARRAYS-INPUT
 */
import { skipBlockComment } from '../../../grammar/sql-chars.js';
import { parseDecimal } from './numeric-codec.js';
import { Oid } from './oids.js';
import { arrayTextAsDuckDBList } from './param-codec.js';

const IDENT = /[A-Za-z0-9_$]/;
/** DuckDB's widest DECIMAL. */
const MAX_DECIMAL_WIDTH = 38;

/** Postgres type names (and their SQL spellings) whose literals this reads, by OID. */
const TYPE_OIDS: Readonly<Record<string, number>> = {
  bool: Oid.bool,
  boolean: Oid.bool,
  bytea: Oid.bytea,
  int2: Oid.int2,
  smallint: Oid.int2,
  int4: Oid.int4,
  int: Oid.int4,
  integer: Oid.int4,
  int8: Oid.int8,
  bigint: Oid.int8,
  text: Oid.text,
  varchar: Oid.text,
  'character varying': Oid.text,
  float4: Oid.float4,
  real: Oid.float4,
  float8: Oid.float8,
  'double precision': Oid.float8,
  numeric: Oid.numeric,
  decimal: Oid.numeric,
  date: Oid.date,
  time: Oid.time,
  'time without time zone': Oid.time,
  timetz: Oid.timetz,
  'time with time zone': Oid.timetz,
  timestamp: Oid.timestamp,
  'timestamp without time zone': Oid.timestamp,
  timestamptz: Oid.timestamptz,
  'timestamp with time zone': Oid.timestamptz,
  interval: Oid.interval,
  uuid: Oid.uuid,
  json: Oid.json,
  jsonb: Oid.jsonb,
};

/** A cast after a literal: its type, whether it is an array, and where its name is (to rewrite it). */
interface Cast {
  readonly oid: number;
  readonly array: boolean;
  /** A (precision, scale) or length was given. */
  readonly modifier: boolean;
  readonly nameStart: number;
  readonly nameEnd: number;
  /** Past the cast (its `[]`). */
  readonly end: number;
}

const CAST_RE =
  /^\s*(?:::\s*|\s+AS\s+)(?:pg_catalog\.)?([A-Za-z_][A-Za-z0-9_]*(?:\s+(?:precision|varying|with(?:out)?\s+time\s+zone))?)(\s*\([\s\d,]*\))?(\s*\[\s*\])?(?![A-Za-z0-9_$[])/i;

function castAfter(sql: string, end: number): Cast | undefined {
  const m = CAST_RE.exec(sql.slice(end, end + 80));
  if (!m) return undefined;
  const oid = TYPE_OIDS[m[1]!.toLowerCase().replace(/\s+/g, ' ')];
  if (oid === undefined) return undefined;
  const nameStart = end + m[0].length - m[1]!.length - (m[2]?.length ?? 0) - (m[3]?.length ?? 0);
  return {
    oid,
    array: m[3] !== undefined,
    modifier: m[2] !== undefined,
    nameStart,
    nameEnd: nameStart + m[1]!.length,
    end: end + m[0].length,
  };
}

/** `sql` with its Postgres bytea, array and numeric literals as DuckDB reads the same values. */
export function pgLiteralsForDuckDB(sql: string): string {
  if (!/'\s*(::|\s+AS\s)|bytea/i.test(sql)) return sql;
  let out = '';
  let from = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      i = commentEnd(sql, i);
    } else if (c === '"') {
      i = quotedEnd(sql, i, '"');
    } else if (c === '$' && !(i > 0 && IDENT.test(sql[i - 1]!))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? sql.length : end + tag[0].length;
      } else i++;
    } else if (c === "'") {
      const escaped = i > 0 && /[eE]/.test(sql[i - 1]!) && !(i > 1 && IDENT.test(sql[i - 2]!));
      const start = escaped ? i - 1 : i;
      const end = escaped ? escapedEnd(sql, i) : quotedEnd(sql, i, "'");
      const body = sql.slice(i + 1, end - 1);
      const value = () => (escaped ? unescapeE(body) : body.replaceAll("''", "'"));
      const rewrite = rewriteLiteral(sql, start, end, value);
      if (rewrite) {
        out += sql.slice(from, start) + rewrite.text;
        from = rewrite.to;
      }
      i = end;
    } else i++;
  }
  return out + sql.slice(from);
}

/** The literal at [start, end) (and its cast's type name, if that changes) as DuckDB should read it. */
function rewriteLiteral(
  sql: string,
  start: number,
  end: number,
  value: () => string,
): { text: string; to: number } | undefined {
  const cast = castAfter(sql, end);
  const byteaBefore = /(?:^|[^A-Za-z0-9_$])bytea\s+$/i.test(sql.slice(Math.max(0, start - 40), start));
  if ((cast?.oid === Oid.bytea && !cast.array) || (byteaBefore && !cast)) {
    const bytes = pgByteaInput(value());
    return bytes ? { text: quote(duckdbBlobText(bytes)), to: end } : undefined;
  }
  if (!cast) return undefined;
  if (cast.array) {
    let list: string;
    try {
      list = arrayTextAsDuckDBList(value(), cast.oid);
    } catch {
      // Not a Postgres array (a DuckDB list '[…]', or bad text): DuckDB reads it, or says what is wrong.
      return undefined;
    }
    const type = cast.oid === Oid.numeric && !cast.modifier ? decimalTypeOfList(list) : undefined;
    const rewritten = withType(sql, quote(list), end, cast, type);
    // Postgres' int[] has any number of dimensions; DuckDB's list of lists is INTEGER[][].
    const depth = /^\[*/.exec(list)![0].length;
    if (depth < 2) return rewritten;
    const upToEnd = rewritten.text + sql.slice(rewritten.to, cast.end);
    return { text: upToEnd + '[]'.repeat(depth - 1), to: cast.end };
  }
  if (cast.oid === Oid.numeric && !cast.modifier) {
    const type = decimalTypeOf(value());
    return type ? withType(sql, sql.slice(start, end), end, cast, type) : undefined;
  }
  return undefined;
}

/** The literal's new text, and the cast up to its type name replaced by `type` when given. */
function withType(
  sql: string,
  literal: string,
  end: number,
  cast: Cast,
  type: string | undefined,
): { text: string; to: number } {
  if (!type) return { text: literal, to: end };
  return { text: `${literal}${sql.slice(end, cast.nameStart)}${type}`, to: cast.nameEnd };
}

/** DECIMAL(w,s) exactly as wide as a numeric literal's digits; undefined past DuckDB's 38 digits or for NaN. */
function decimalTypeOf(text: string): string | undefined {
  const d = parseDecimal(text);
  if (!d) return undefined;
  const width = Math.max((d.unscaled < 0n ? -d.unscaled : d.unscaled).toString().length, d.scale, 1);
  return width > MAX_DECIMAL_WIDTH ? undefined : `DECIMAL(${width},${d.scale})`;
}

/** A DECIMAL wide enough for every element of a list of decimals (its integer and fraction digits). */
function decimalTypeOfList(list: string): string | undefined {
  let whole = 1;
  let scale = 0;
  for (const m of list.matchAll(/-?(\d+)(?:\.(\d+))?/g)) {
    whole = Math.max(whole, m[1]!.replace(/^0+(?=\d)/, '').length);
    scale = Math.max(scale, m[2]?.length ?? 0);
  }
  return whole + scale > MAX_DECIMAL_WIDTH ? undefined : `DECIMAL(${whole + scale},${scale})`;
}

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Past a nested block comment; an unterminated one runs to the end. */
function commentEnd(sql: string, at: number): number {
  const end = skipBlockComment(sql, at, sql.length);
  return end < 0 ? sql.length : end;
}

/** The index past a quoted run that doubles its quote to escape it. */
function quotedEnd(sql: string, at: number, quoteChar: string): number {
  let i = at + 1;
  while (i < sql.length) {
    if (sql[i] === quoteChar) {
      if (sql[i + 1] === quoteChar) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** The index past an E'…' string, where a backslash escapes the next character. */
function escapedEnd(sql: string, at: number): number {
  let i = at + 1;
  while (i < sql.length) {
    if (sql[i] === '\\') i += 2;
    else if (sql[i] === "'") {
      if (sql[i + 1] === "'") i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** An E'…' string's value: \\, \', \n, \t, \r, \b, \f, octal and \xHH escapes. */
function unescapeE(body: string): string {
  return body.replace(/\\([0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)|''/gs, (m, e: string | undefined) => {
    if (m === "''") return "'";
    if (!e) return m;
    if (/^[0-7]/.test(e)) return String.fromCharCode(Number.parseInt(e, 8));
    if (e.startsWith('x') && e.length > 1) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    return { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' }[e] ?? e;
  });
}

/** Postgres' bytea input: '\x' and hex digits, or the escape format (\\ and \ooo); undefined if neither. */
function pgByteaInput(text: string): Uint8Array | undefined {
  if (text.startsWith('\\x')) {
    const hex = text.slice(2).replace(/\s+/g, '');
    return /^([0-9a-fA-F]{2})*$/.test(hex) ? new Uint8Array(Buffer.from(hex, 'hex')) : undefined;
  }
  if (!text.includes('\\')) return undefined;
  const out: number[] = [];
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x5c) out.push(bytes[i]!);
    else if (bytes[i + 1] === 0x5c) {
      out.push(0x5c);
      i++;
    } else {
      const oct = bytes.subarray(i + 1, i + 4).toString('latin1');
      if (!/^[0-3][0-7]{2}$/.test(oct)) return undefined;
      out.push(Number.parseInt(oct, 8));
      i += 3;
    }
  }
  return new Uint8Array(out);
}

/** DuckDB's BLOB text: printable ASCII as is, every other byte (and \ and ') as \xHH. */
function duckdbBlobText(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    s +=
      b >= 0x20 && b < 0x7f && b !== 0x5c && b !== 0x27
        ? String.fromCharCode(b)
        : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}
