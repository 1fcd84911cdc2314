/**
 * `WITH (infer_schema = true)`, larsql's option: a MAP written without AS takes
 * its typed result columns from the cascade's output_schema, one per property
 * in order, typed as larsql types them (string VARCHAR, number DOUBLE, integer
 * BIGINT, boolean BOOLEAN, array and object JSON, anything else VARCHAR). The
 * schema is the last cell's, because typed columns are read from the last
 * cell's output (larsql reads the first cell that has one; in a one-cell
 * cascade they are the same); under BATCH n, the schema of one item of its list.
 */

import type { Cascade } from '../../cascade/cascade-types.js';

type Schema = Readonly<Record<string, unknown>>;
/** A MAP's typed column (plan-map.ts's TypedColumn): its name and DuckDB type. */
type Column = { readonly name: string; readonly type: string };

const SQL_TYPE_OF: Readonly<Record<string, string>> = {
  string: 'VARCHAR',
  number: 'DOUBLE',
  integer: 'BIGINT',
  boolean: 'BOOLEAN',
  array: 'JSON',
  object: 'JSON',
};

/** The columns, or why the cascade has none to give (a sentence that names the cell). */
export function inferredColumns(cascade: Cascade, batch: boolean): Column[] | { readonly why: string } {
  const last = cascade.cells[cascade.cells.length - 1];
  const schema = last?.kind === 'llm' ? last.outputSchema : undefined;
  if (!last || !schema) return { why: `its last cell '${last?.name ?? '?'}' has no output_schema` };
  const row = batch ? itemSchema(schema) : schema;
  const properties = isSchema(row?.['properties']) ? row['properties'] : undefined;
  const names = Object.keys(properties ?? {});
  if (!properties || names.length === 0) {
    const what = batch ? 'an item of its list' : 'its answer';
    return { why: `the output_schema of its last cell '${last.name}' gives ${what} no properties` };
  }
  return names.map((name) => ({ name, type: sqlTypeOf(properties[name]) }));
}

/** One item of a batch answer: the answer itself a list, or its one array-valued property (batch-schema.ts). */
function itemSchema(schema: Schema): Schema | undefined {
  if (schema['type'] === 'array') return isSchema(schema['items']) ? schema['items'] : undefined;
  const properties = isSchema(schema['properties']) ? Object.values(schema['properties']) : [];
  const lists = properties.filter((p) => isSchema(p) && p['type'] === 'array') as Schema[];
  return lists.length === 1 && isSchema(lists[0]!['items']) ? lists[0]!['items'] : undefined;
}

function sqlTypeOf(property: unknown): string {
  const type = isSchema(property) ? property['type'] : undefined;
  // `type: [string, "null"]` is a nullable string: the first type that is not null names the column's.
  const name = Array.isArray(type) ? type.find((t) => t !== 'null') : type;
  return (typeof name === 'string' && SQL_TYPE_OF[name]) || 'VARCHAR';
}

function isSchema(v: unknown): v is Schema {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
