/**
 * Postgres' COPY text format for one line: fields split at the delimiter
 * (unless backslash-escaped) and backslash escapes decoded; `\N` is NULL.
 * @see https://www.postgresql.org/docs/current/sql-copy.html#SQL-COPY-FILE-FORMATS
 */
const ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** The raw (still escaped) fields of a line. */
export function splitTextLine(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === delimiter) {
      fields.push(line.slice(start, i));
      start = i + 1;
    }
  }
  fields.push(line.slice(start));
  return fields;
}

export function decodeTextField(raw: string, nullText: string): string | null {
  if (raw === nullText) return null;
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch !== '\\' || i === raw.length - 1) {
      out += ch;
      continue;
    }
    const next = raw[++i]!;
    const octal = /^[0-7]{1,3}/.exec(raw.slice(i))?.[0];
    const hex = next === 'x' ? /^[0-9a-fA-F]{1,2}/.exec(raw.slice(i + 1))?.[0] : undefined;
    if (octal) {
      out += String.fromCharCode(Number.parseInt(octal, 8));
      i += octal.length - 1;
    } else if (hex) {
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += hex.length;
    } else out += ESCAPES[next] ?? next;
  }
  return out;
}
