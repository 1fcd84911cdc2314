/**
 * Values as DuckDB prints them, from the JS values `engine.query` returns and
 * the column's DuckDB type text. One module for the CLI's tables and CSV and
 * for the Postgres server's text format (`style: 'pg'` differs only where
 * clients parse the text: booleans as t/f, BLOB as bytea hex).
 */

import {
  DuckDBArrayValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBUnionValue,
} from '@duckdb/node-api';

export type TextStyle = 'duckdb' | 'pg';

/** The text of one value, or null for SQL NULL. */
export function valueText(value: unknown, type: string, style: TextStyle = 'duckdb'): string | null {
  if (value === null || value === undefined) return null;
  const t = type.toUpperCase();
  if (typeof value === 'boolean') return style === 'pg' ? (value ? 't' : 'f') : String(value);
  if (typeof value === 'bigint') return t === 'TIME' ? timeText(value) : value.toString();
  if (typeof value === 'number') return numberText(value, t);
  if (typeof value === 'string') return value;
  if (value instanceof Date) return dateText(value, t);
  if (value instanceof Uint8Array) return style === 'pg' ? byteaHex(value) : blobText(value);
  return nestedText(value, type);
}

function numberText(n: number, t: string): string {
  const decimal = /^DECIMAL\(\d+,\s*(\d+)\)$/.exec(t);
  if (decimal) return n.toFixed(Number(decimal[1]));
  if (t === 'DOUBLE' || t === 'FLOAT' || t === 'REAL') {
    if (Number.isNaN(n)) return 'nan';
    if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
    if (Number.isInteger(n) && Math.abs(n) < 1e15) return `${n}.0`;
    return String(n);
  }
  return String(n);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function fraction(micros: number): string {
  if (micros === 0) return '';
  return `.${String(micros).padStart(6, '0').replace(/0+$/, '')}`;
}

function dateText(d: Date, t: string): string {
  const day = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (t === 'DATE') return day;
  const clock = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const text = `${day} ${clock}${fraction(d.getUTCMilliseconds() * 1000)}`;
  return t.includes('WITH TIME ZONE') || t === 'TIMESTAMPTZ' ? `${text}+00` : text;
}

function timeText(micros: bigint): string {
  const total = Number(micros);
  const secs = Math.floor(total / 1e6);
  return `${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}${fraction(total % 1e6)}`;
}

function blobText(b: Uint8Array): string {
  let out = '';
  for (const byte of b) {
    out +=
      byte >= 32 && byte < 127 && byte !== 92
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function byteaHex(b: Uint8Array): string {
  return `\\x${Buffer.from(b).toString('hex')}`;
}

function intervalText(v: { months: number; days: number; micros: bigint }): string {
  const parts: string[] = [];
  const years = Math.trunc(v.months / 12);
  const months = v.months % 12;
  const unit = (n: number, name: string) => parts.push(`${n} ${name}${Math.abs(n) === 1 ? '' : 's'}`);
  if (years) unit(years, 'year');
  if (months) unit(months, 'month');
  if (v.days) unit(v.days, 'day');
  if (v.micros !== 0n || parts.length === 0) {
    const neg = v.micros < 0n;
    parts.push(`${neg ? '-' : ''}${timeText(neg ? -v.micros : v.micros)}`);
  }
  return parts.join(' ');
}

function isInterval(v: object): v is { months: number; days: number; micros: bigint } {
  return 'months' in v && 'days' in v && 'micros' in v && Object.keys(v).length === 3;
}

/**
 * LIST, STRUCT, MAP, INTERVAL: DuckDB's cast-to-VARCHAR text, strings unquoted
 * at the top. The value is either the JS form `engine.query` gives or DuckDB's
 * own (node-api DuckDBListValue, DuckDBStructValue …, what the server reads
 * from plain SQL): both print the same.
 */
function nestedText(value: unknown, t: string): string {
  if (t.toUpperCase() === 'INTERVAL' && typeof value === 'object' && value !== null && isInterval(value)) {
    return intervalText(value);
  }
  if (isDuckDBScalar(value)) return String(value);
  // A UNION prints its member's value as that value alone would print.
  if (value instanceof DuckDBUnionValue) return valueText(value.value, '') ?? 'NULL';
  return inner(value, t);
}

/** A value inside a nested one, of the DuckDB type `t` (the type text says what a JS leaf is: DATE or TIMESTAMP). */
function inner(value: unknown, t: string): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return listText(value.items, t);
  if (value instanceof DuckDBStructValue) return structText(Object.entries(value.entries), t);
  if (value instanceof DuckDBMapValue) return mapText(value.entries, t);
  if (value instanceof DuckDBUnionValue) return inner(value.value, '');
  if (Array.isArray(value))
    return t.toUpperCase().startsWith('MAP(') ? mapText(value, t) : listText(value, t);
  if (typeof value === 'object' && !isDuckDBScalar(value) && !(value instanceof Date)) {
    if (value instanceof Uint8Array) return nestedString(blobText(value));
    if (isInterval(value)) return nestedString(intervalText(value));
    return structText(Object.entries(value as Record<string, unknown>), t);
  }
  // A scalar: its own text, quoted where DuckDB quotes it (any type: `['10:00:00']`).
  return nestedString(isDuckDBScalar(value) ? String(value) : (valueText(value, t) ?? 'NULL'));
}

const listText = (items: readonly unknown[], t: string): string => {
  const item = t.replace(/\[\d*\]$/, '');
  return `[${items.map((v) => inner(v, item)).join(', ')}]`;
};
const structText = (fields: readonly [string, unknown][], t: string): string => {
  const types = new Map(typeArgs(t, 'STRUCT').map((f) => fieldType(f)));
  return `{${fields.map(([k, v]) => `'${k.replace(/'/g, "\\'")}': ${inner(v, types.get(k) ?? '')}`).join(', ')}}`;
};
const mapText = (entries: readonly { key: unknown; value: unknown }[], t: string): string => {
  const [k = '', v = ''] = typeArgs(t, 'MAP');
  return `{${entries.map((e) => `${inner(e.key, k)}=${inner(e.value, v)}`).join(', ')}}`;
};

/** The comma-separated arguments of `WORD(…)` in a type's text, or [] for another type. */
function typeArgs(t: string, word: string): string[] {
  if (!t.toUpperCase().startsWith(`${word}(`) || !t.endsWith(')')) return [];
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let from = word.length + 1;
  for (let i = from; i < t.length - 1; i++) {
    const ch = t[i];
    if (ch === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      args.push(t.slice(from, i).trim());
      from = i + 1;
    }
  }
  args.push(t.slice(from, -1).trim());
  return args;
}

/** `"name" TYPE` or `name TYPE` (a STRUCT field) as [name, TYPE]. */
function fieldType(field: string): [string, string] {
  const m = /^"((?:[^"]|"")*)"\s+(.*)$/s.exec(field) ?? /^(\S+)\s+(.*)$/s.exec(field);
  return m ? [m[1]!.replace(/""/g, '"'), m[2]!.toUpperCase()] : [field, ''];
}

/** A node-api value object that is not nested (DuckDBDateValue, DuckDBDecimalValue, DuckDBUUIDValue …): its text is DuckDB's. */
function isDuckDBScalar(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Date || v instanceof Uint8Array)
    return false;
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return false;
  return !(
    v instanceof DuckDBListValue ||
    v instanceof DuckDBArrayValue ||
    v instanceof DuckDBStructValue ||
    v instanceof DuckDBMapValue ||
    v instanceof DuckDBUnionValue
  );
}

/**
 * A value inside a LIST, STRUCT or MAP as DuckDB's cast writes it: bare,
 * unless its text could be read as structure or as NULL — a separator or
 * bracket in it, space at an end, empty, or the word NULL — then quoted, with
 * `\'` for a quote (`['x, y', NULL, 'NULL']` is two strings and a NULL). The
 * rule is the same for every type's text (`['2024-01-01 10:00:00']`).
 */
function nestedString(s: string): string {
  if (!/[,'"{}[\]:=()]|^\s|\s$/.test(s) && s !== '' && s.toUpperCase() !== 'NULL') return s;
  return `'${s.replace(/'/g, "\\'")}'`;
}
