/**
 * Values as DuckDB prints them, from the JS values `engine.query` returns and
 * the column's DuckDB type text. One module for the CLI's tables and CSV and
 * for the Postgres server's text format (`style: 'pg'` differs only where
 * clients parse the text: booleans as t/f, BLOB as bytea hex).
 */

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
  return nestedText(value, t);
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

/** LIST, STRUCT, MAP, INTERVAL: DuckDB's cast-to-VARCHAR text, strings unquoted at the top. */
function nestedText(value: unknown, t: string): string {
  if (t === 'INTERVAL' && typeof value === 'object' && value !== null && isInterval(value)) {
    return intervalText(value);
  }
  return inner(value, t.startsWith('MAP(') ? 'map' : undefined);
}

function inner(value: unknown, hint?: 'map'): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) {
    if (hint === 'map') {
      const entries = value as { key: unknown; value: unknown }[];
      return `{${entries.map((e) => `${inner(e.key)}=${inner(e.value)}`).join(', ')}}`;
    }
    return `[${value.map((v) => inner(v)).join(', ')}]`;
  }
  if (value instanceof Date) return dateText(value, 'TIMESTAMP');
  if (value instanceof Uint8Array) return blobText(value);
  if (typeof value === 'object') {
    if (isInterval(value)) return intervalText(value);
    const fields = Object.entries(value as Record<string, unknown>);
    return `{${fields.map(([k, v]) => `'${k}': ${inner(v)}`).join(', ')}}`;
  }
  if (typeof value === 'string') return nestedString(value);
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return String(value);
}

/**
 * A string inside a LIST, STRUCT or MAP as DuckDB's cast writes it: bare,
 * unless it could be read as structure or as NULL — a separator or bracket
 * in it, space at an end, empty, or the word NULL — then quoted, with `\'`
 * for a quote (`['x, y', NULL, 'NULL']` is two strings and a NULL).
 */
function nestedString(s: string): string {
  if (!/[,'"{}[\]:=()]|^\s|\s$/.test(s) && s !== '' && s.toUpperCase() !== 'NULL') return s;
  return `'${s.replace(/'/g, "\\'")}'`;
}
