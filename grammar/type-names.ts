/**
 * The dialect's SQL type vocabulary, in one place: the names a MAP's `AS
 * (col TYPE)` and a cascade's `sql_function` may use, and the family each
 * name belongs to (several names, one type: TEXT and STRING are VARCHAR).
 * The grammar's tokens, the cascade loader, the semantic functions' DuckDB
 * signatures and EXPLAIN's stand-in answers all read it from here. A module
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
 * The family of a type as written (`varchar`, `DECIMAL(10,2)`; case ignored,
 * a list's `[]` left to the caller); undefined for a name the dialect lacks.
 */
export function typeFamily(name: string): TypeFamily | undefined {
  const bare = name.toUpperCase();
  const head = /^DECIMAL\s*\(\s*\d+\s*,\s*\d+\s*\)$/.test(bare) ? 'DECIMAL' : bare;
  return Object.hasOwn(FAMILY_OF, head) ? FAMILY_OF[head as TypeName] : undefined;
}
