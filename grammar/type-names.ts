/**
 * The dialect's type names, in a module of their own: the public API exports
 * them, and tokens.ts (which builds Chevrotain tokens from them) must stay out
 * of the published declarations, which do not depend on chevrotain.
 */
/** The spec's types; TEXT and JSON double as EXPLAIN formats. */
export const TYPE_NAMES = [
  'VARCHAR',
  'TEXT',
  'STRING',
  'INTEGER',
  'INT',
  'BIGINT',
  'DOUBLE',
  'FLOAT',
  'REAL',
  'DECIMAL',
  'BOOLEAN',
  'BOOL',
  'JSON',
  'DATE',
  'TIMESTAMP',
  'TIME',
] as const;
