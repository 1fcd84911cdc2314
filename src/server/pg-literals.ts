/**
 * Postgres bytea literals in SQL text, rewritten into DuckDB's BLOB literal.
 * psycopg2 (and any client that inlines parameters) sends bytes as
 * `'\x0001ff'::bytea`: to Postgres three bytes, to DuckDB five ('\x00' then
 * the characters 0 1 f f), since DuckDB's BLOB text reads `\xHH` escapes one
 * byte at a time. A string literal cast to bytea (`'…'::bytea`,
 * `CAST('…' AS bytea)`, `bytea '…'`) is read with Postgres' bytea input (hex
 * or escape format) and written back as DuckDB reads it. A cast spelled
 * BLOB is DuckDB's own and left alone; so are comments, quoted names and
 * dollar quotes.
 * @see https://www.postgresql.org/docs/current/datatype-binary.html
 */

const IDENT = /[A-Za-z0-9_$]/;

/** `sql` with every bytea-cast string literal in DuckDB's BLOB text. */
export function byteaLiteralsForDuckDB(sql: string): string {
  if (!/bytea/i.test(sql)) return sql;
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
      if (castToBytea(sql, start, end)) {
        const bytes = pgByteaInput(escaped ? unescapeE(body) : body.replaceAll("''", "'"));
        if (bytes) {
          out += `${sql.slice(from, start)}'${duckdbBlobText(bytes)}'`;
          from = end;
        }
      }
      i = end;
    } else i++;
  }
  return out + sql.slice(from);
}

/** Whether the literal at [start, end) is cast to bytea: `::bytea`, `AS bytea)` after it, or `bytea` before it. */
function castToBytea(sql: string, start: number, end: number): boolean {
  const after = /^\s*(?:::\s*|\s+AS\s+)bytea(?![A-Za-z0-9_$])/i;
  if (after.test(sql.slice(end, end + 40))) return true;
  return /(?:^|[^A-Za-z0-9_$])bytea\s+$/i.test(sql.slice(Math.max(0, start - 40), start));
}

function commentEnd(sql: string, at: number): number {
  let depth = 0;
  let i = at;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** The index past a quoted run that doubles its quote to escape it. */
function quotedEnd(sql: string, at: number, quote: string): number {
  let i = at + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
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
