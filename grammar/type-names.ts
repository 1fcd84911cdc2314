/**
 * The dialect's SQL type vocabulary, in one place: the names a MAP's `AS
 * (col TYPE)` and a cascade's `sql_function` may use, and the family each
 * name belongs to (several names, one type: TEXT and STRING are VARCHAR).
 * The grammar's tokens, RETURNING's types and messages, the cascade loader,
 * the semantic functions' DuckDB signatures, MAP's typed columns and EXPLAIN's
 * stand-in answers all read it from here. A module
 * of its own: the public API exports it, and tokens.ts (which builds
 * Chevrotain tokens from it) must stay out of the published declarations.
 */

/** Name → family, in the order the grammar's tokens and its messages list them. */
const FAMILY_OF = {
  VARCHAR: 'text',
  TEXT: 'text',
  STRING: 'text',
  INTEGER: 'integer',
  INT: 'integer',
  BIGINT: 'bigint',
  DOUBLE: 'double',
  FLOAT: 'double',
  REAL: 'double',
  DECIMAL: 'decimal',
  BOOLEAN: 'boolean',
  BOOL: 'boolean',
  JSON: 'json',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  TIME: 'time',
} as const;

export type TypeName = keyof typeof FAMILY_OF;
export type TypeFamily = (typeof FAMILY_OF)[TypeName];

/** The spec's types; TEXT and JSON double as EXPLAIN formats. */
export const TYPE_NAMES = Object.keys(FAMILY_OF) as readonly TypeName[];

/**
 * Each family as DuckDB names it in a result type (DECIMAL is read as DOUBLE),
 * in the order RETURNING's messages list them.
 */
export const DUCK_NAME_OF = {
  boolean: 'BOOLEAN',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  decimal: 'DOUBLE',
  text: 'VARCHAR',
  date: 'DATE',
  time: 'TIME',
  timestamp: 'TIMESTAMP',
  json: 'JSON',
} as const satisfies Readonly<Record<TypeFamily, string>>;

/** A DuckDB result type of the dialect's vocabulary: `VARCHAR`, `JSON`, … */
export type DuckName = (typeof DUCK_NAME_OF)[TypeFamily];

/** The DuckDB result types, each once: BOOLEAN, INTEGER, BIGINT, DOUBLE, VARCHAR, DATE, TIME, TIMESTAMP, JSON. */
export const DUCK_NAMES = [...new Set(Object.values(DUCK_NAME_OF))] as readonly DuckName[];

/**
 * The family of a type as written (`varchar`, `DECIMAL(10,2)`; case ignored,
 * a list's `[]` left to the caller); undefined for a name the dialect lacks.
 */
export function typeFamily(name: string): TypeFamily | undefined {
  const bare = name.toUpperCase();
  const head = /^DECIMAL\s*\(\s*\d+\s*,\s*\d+\s*\)$/.test(bare) ? 'DECIMAL' : bare;
  return Object.hasOwn(FAMILY_OF, head) ? FAMILY_OF[head as TypeName] : undefined;
}
