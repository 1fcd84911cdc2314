/**
 * The result type a caller chose for a typed function (`LLM('…', x RETURNING
 * INTEGER)`, `LLM_SCORE(text, 'rubric', 1, 5)`): the JSON Schema the model is
 * asked for (structured output, so the type is enforced on the way in), and
 * the DuckDB type and `json_transform_strict` structure the answer is read
 * back as (so a value that is not of the type fails, never turns NULL).
 * One tree (grammar/sql-type.ts) gives all three.
 */
import { RvbbitError } from '../../../../base/errors.js';
import { parseSqlType, type SqlTypeTree, sqlTypeText } from '../../../../grammar/index.js';

type Schema = Record<string, unknown>;

export interface ReturningType {
  /** The DuckDB type of the result, e.g. `STRUCT("label" VARCHAR, "score" INTEGER)`. */
  readonly sql: string;
  /** JSON Schema of the answer's value. */
  readonly schema: Schema;
  /** DuckDB's json_transform structure for the same type: `"INTEGER"`, `{"label": "VARCHAR"}`, `["VARCHAR"]`. */
  readonly structure: unknown;
}

/** A numeric answer's bounds (sql_function `range`), read from the call's literals. */
export interface Bounds {
  readonly min: number;
  readonly max: number;
}

export function returningType(tree: SqlTypeTree, bounds?: Bounds): ReturningType {
  const schema = schemaOf(tree);
  if (bounds) {
    if (schema['type'] !== 'integer' && schema['type'] !== 'number')
      throw new RvbbitError(
        'SEMANTIC_BAD_RETURNING',
        `a bounded answer is a number, not ${sqlTypeText(tree)}`,
      );
    schema['minimum'] = bounds.min;
    schema['maximum'] = bounds.max;
  }
  return { sql: sqlTypeText(tree), schema, structure: structureOf(tree) };
}

/** The tree of a `returns` type as a cascade declares it (`INTEGER`, `VARCHAR[]`). */
export function declaredTree(returns: string): SqlTypeTree {
  const parsed = parseSqlType(returns);
  if (!parsed.ok) throw new RvbbitError('SEMANTIC_BAD_RETURNING', `returns ${returns}: ${parsed.message}`);
  return parsed.type;
}

/** A number literal as written in SQL (`5`, `-1`, `0.5`, `1e3`), or undefined for anything else. */
export function numberLiteral(text: string): { value: number; integer: boolean } | undefined {
  const t = text
    .trim()
    .replace(/^\((.*)\)$/s, '$1')
    .trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  const value = Number(t);
  return Number.isFinite(value) ? { value, integer: /^[+-]?\d+$/.test(t) } : undefined;
}

function schemaOf(t: SqlTypeTree): Schema {
  switch (t.kind) {
    case 'list':
      return { type: 'array', items: schemaOf(t.of) };
    case 'enum':
      // The labels are the only answers the schema allows, so a structured-output model cannot
      // give another; an answer that is not one (a model without strict schemas) fails validation.
      return { type: 'string', enum: [...t.labels] };
    case 'struct':
      return {
        type: 'object',
        properties: Object.fromEntries(t.fields.map((f) => [f.name, schemaOf(f.type)])),
        required: t.fields.map((f) => f.name),
        additionalProperties: false,
      };
    case 'scalar':
      switch (t.family) {
        case 'text':
          return { type: 'string' };
        case 'json':
          return {};
        case 'integer':
        case 'bigint':
          return { type: 'integer' };
        case 'double':
        case 'decimal':
          return { type: 'number' };
        case 'boolean':
          return { type: 'boolean' };
        case 'date':
          return { type: 'string', format: 'date' };
        case 'time':
          return { type: 'string', format: 'time' };
        case 'timestamp':
          return { type: 'string', format: 'date-time' };
      }
  }
}

function structureOf(t: SqlTypeTree): unknown {
  switch (t.kind) {
    case 'list':
      return [structureOf(t.of)];
    case 'struct':
      return Object.fromEntries(t.fields.map((f) => [f.name, structureOf(f.type)]));
    case 'scalar':
    case 'enum':
      // json_transform_strict reads `ENUM('a', 'b')` as DuckDB's enum type: the column's type is the ENUM.
      return sqlTypeText(t);
  }
}
