/**
 * Postgres's SERIAL types, which DuckDB lacks: SQLAlchemy makes every integer
 * primary key one. As in Postgres, a SERIAL column is a NOT NULL integer
 * column whose default is the next value of a sequence named
 * `<table>_<column>_seq`, made with the table, in its schema (a TEMP table
 * gets a TEMP sequence):
 *
 *   CREATE TABLE parent (id SERIAL PRIMARY KEY, name TEXT)
 *   →  CREATE TABLE parent (id INTEGER NOT NULL PRIMARY KEY, name TEXT);
 *      CREATE OR REPLACE SEQUENCE parent_id_seq;
 *      ALTER TABLE parent ALTER COLUMN id SET DEFAULT nextval('parent_id_seq')
 *
 * The table comes first so that one that exists fails as such. DuckDB does
 * not drop a sequence with the table whose default uses it, so a table made
 * again under the same name replaces (restarts) the sequence left behind.
 * With IF NOT EXISTS an existing table is left alone: the sequence is made
 * only if missing, before the table that names it in its default.
 */
import { withoutLeadingComments } from '../../grammar/sql-scan.js';

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
  const text = withoutLeadingComments(sql);
  const head = HEAD.exec(text);
  if (!head) return undefined;
  const open = head[0].length - 1;
  const close = matchingParen(text, open);
  if (close < 0) return undefined;
  const [prefix = '', temp, ifNotExists, tableName = ''] = head.slice(1);
  const table = splitName(tableName);
  const serials: { column: string; sequence: string }[] = [];
  const items = splitTopLevel(text.slice(open + 1, close)).map((item) => {
    const m = COLUMN.exec(item);
    const type = m && SERIAL_TYPES[m[4]!.toLowerCase()];
    if (!m || !type) return item;
    const [lead = '', column = '', gap = '', , rest = ''] = m.slice(1);
    const sequence = [...table.slice(0, -1), `${table.at(-1)}_${unquote(column)}_seq`]
      .map(quoteIdent)
      .join('.');
    serials.push({ column, sequence });
    const notNull = /\bNOT\s+NULL\b/i.test(rest) ? '' : ' NOT NULL';
    const inlineDefault = ifNotExists ? ` DEFAULT ${nextval(sequence)}` : '';
    return `${lead}${column}${gap}${type}${inlineDefault}${notNull}${rest}`;
  });
  if (serials.length === 0) return undefined;
  const create = `${prefix}${tableName} (${items.join(',')})${text.slice(close + 1)}`;
  const tempWord = temp ? 'TEMP ' : '';
  if (ifNotExists) {
    return [...serials.map((s) => `CREATE ${tempWord}SEQUENCE IF NOT EXISTS ${s.sequence}`), create].join(
      ';\n',
    );
  }
  return [
    create,
    ...serials.flatMap((s) => [
      `CREATE OR REPLACE ${tempWord}SEQUENCE ${s.sequence}`,
      `ALTER TABLE ${tableName} ALTER COLUMN ${s.column} SET DEFAULT ${nextval(s.sequence)}`,
    ]),
  ].join(';\n');
}

const nextval = (sequence: string): string => `nextval('${sequence.replaceAll("'", "''")}')`;

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
