/**
 * Postgres's SERIAL types, which DuckDB lacks: SQLAlchemy makes every integer
 * primary key one. As in Postgres, a SERIAL column is an integer column whose
 * default is the next value of a sequence named `<table>_<column>_seq`, made
 * with the table, in its schema (a TEMP table gets a TEMP sequence):
 *
 *   CREATE TABLE parent (id SERIAL PRIMARY KEY, name TEXT)
 *   →  CREATE OR REPLACE SEQUENCE parent_id_seq;
 *      CREATE TABLE parent (id INTEGER DEFAULT nextval('parent_id_seq') NOT NULL PRIMARY KEY, name TEXT)
 *
 * DuckDB does not drop a sequence with the table whose default uses it, so a
 * table made again under the same name replaces (restarts) the sequence left
 * behind; with IF NOT EXISTS the sequence is only made if missing.
 */

/** The integer type each SERIAL spelling stands for. */
const SERIAL_TYPES: Readonly<Record<string, string>> = {
  serial: 'INTEGER',
  serial4: 'INTEGER',
  bigserial: 'BIGINT',
  serial8: 'BIGINT',
  smallserial: 'SMALLINT',
  serial2: 'SMALLINT',
};

const IDENT = String.raw`(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)`;
const HEAD = new RegExp(
  String.raw`^(\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:(TEMP|TEMPORARY)\s+)?TABLE\s+(IF\s+NOT\s+EXISTS\s+)?)` +
    String.raw`(${IDENT}(?:\s*\.\s*${IDENT}){0,2})\s*\(`,
  'i',
);
const COLUMN = new RegExp(String.raw`^(\s*)(${IDENT})(\s+)([A-Za-z_]\w*)(?=\s|$)([\s\S]*)$`);

/** The statements that make `sql`'s SERIAL columns, or undefined when it is not a CREATE TABLE with one. */
export function rewriteSerialColumns(sql: string): string | undefined {
  if (!/serial/i.test(sql)) return undefined;
  const text = stripLeadingComments(sql);
  const head = HEAD.exec(text);
  if (!head) return undefined;
  const open = head[0].length - 1;
  const close = matchingParen(text, open);
  if (close < 0) return undefined;
  const [prefix = '', temp, ifNotExists, tableName = ''] = head.slice(1);
  const table = splitName(tableName);
  const sequences: string[] = [];
  const items = splitTopLevel(text.slice(open + 1, close)).map((item) => {
    const m = COLUMN.exec(item);
    const type = m && SERIAL_TYPES[m[4]!.toLowerCase()];
    if (!m || !type) return item;
    const [lead = '', column = '', gap = '', , rest = ''] = m.slice(1);
    const seq = [...table.slice(0, -1), `${table.at(-1)}_${unquote(column)}_seq`];
    const seqSql = seq.map(quoteIdent).join('.');
    sequences.push(
      ifNotExists
        ? `CREATE ${temp ? 'TEMP ' : ''}SEQUENCE IF NOT EXISTS ${seqSql}`
        : `CREATE OR REPLACE ${temp ? 'TEMP ' : ''}SEQUENCE ${seqSql}`,
    );
    const notNull = /\bNOT\s+NULL\b/i.test(rest) ? '' : ' NOT NULL';
    return `${lead}${column}${gap}${type} DEFAULT nextval('${seqSql.replaceAll("'", "''")}')${notNull}${rest}`;
  });
  if (sequences.length === 0) return undefined;
  const create = `${prefix}${tableName} (${items.join(',')})${text.slice(close + 1)}`;
  return [...sequences, create].join(';\n');
}

/** Postgres's quote_ident: bare when lower-case and plain, else double-quoted. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** `"My Schema".t` → ['My Schema', 't'] (unquoted names fold to lower case, as in Postgres). */
function splitName(name: string): string[] {
  return [...name.matchAll(new RegExp(IDENT, 'g'))].map((m) => unquote(m[0]));
}

function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replaceAll('""', '"') : ident.toLowerCase();
}

function stripLeadingComments(sql: string): string {
  return sql.replace(/^(\s*(--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/))*/, '');
}

/**
 * Walks `text` from `i` past a string, quoted name or comment starting there;
 * returns the index after it, or `i` when none starts there.
 */
function skipQuoted(text: string, i: number): number {
  const c = text[i];
  if (c === "'" || c === '"') {
    let j = i + 1;
    while (j < text.length) {
      if (text[j] === c) {
        if (text[j + 1] === c) j += 2;
        else return j + 1;
      } else j++;
    }
    return text.length;
  }
  if (c === '-' && text[i + 1] === '-') {
    const end = text.indexOf('\n', i);
    return end < 0 ? text.length : end + 1;
  }
  if (c === '/' && text[i + 1] === '*') {
    const end = text.indexOf('*/', i + 2);
    return end < 0 ? text.length : end + 2;
  }
  return i;
}

/** The index of the `)` closing the `(` at `open`, or -1. */
function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; ) {
    const next = skipQuoted(text, i);
    if (next !== i) {
      i = next;
      continue;
    }
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
    i++;
  }
  return -1;
}

/** `text` split at its commas outside brackets, strings and comments. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; ) {
    const next = skipQuoted(text, i);
    if (next !== i) {
      i = next;
      continue;
    }
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  parts.push(text.slice(start));
  return parts;
}
