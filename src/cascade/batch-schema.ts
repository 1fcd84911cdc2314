/**
 * BATCH n: the last cell must answer a list of exactly n results. The count is
 * put into the schema itself (minItems = maxItems = n) on the top-level array,
 * or on the one array property of an object, so the model is asked for it and
 * the validator enforces it; a wrong count is then an ordinary retryable
 * validation failure.
 */
import type { Cascade, LlmCell } from './cascade-types.js';
import { compileOutputSchema, type OutputValidator } from './output-validator.js';

type Schema = Readonly<Record<string, unknown>>;

/** The schema with the item count fixed, or undefined when it has no list to count. */
export function withItemCount(schema: Schema, n: number): Schema | undefined {
  if (schema.type === 'array') return { ...schema, minItems: n, maxItems: n };
  const props = schema.properties as Record<string, Schema> | undefined;
  if (schema.type !== 'object' || !props) return undefined;
  const lists = Object.entries(props).filter(([, p]) => p?.type === 'array');
  if (lists.length !== 1) return undefined;
  const [name, list] = lists[0]!;
  return { ...schema, properties: { ...props, [name]: { ...list, minItems: n, maxItems: n } } };
}

/** The list inside a batch answer: the answer itself, or its one array-valued key. */
export function batchItems(output: unknown): unknown[] | undefined {
  if (Array.isArray(output)) return output;
  if (output === null || typeof output !== 'object') return undefined;
  const lists = Object.values(output).filter(Array.isArray);
  return lists.length === 1 ? (lists[0] as unknown[]) : undefined;
}

const counted = new WeakMap<Cascade, Map<string, { schema: Schema; validate: OutputValidator }>>();

/** Schema and validator of `cell` for a batch of n, compiled once per (cell, n). */
export function countedSchema(
  cascade: Cascade,
  cell: LlmCell,
  n: number,
): { schema: Schema; validate: OutputValidator } | undefined {
  if (!cell.outputSchema) return undefined;
  let byKey = counted.get(cascade);
  if (!byKey) {
    byKey = new Map();
    counted.set(cascade, byKey);
  }
  const key = `${cell.index}:${n}`;
  let hit = byKey.get(key);
  if (!hit) {
    const schema = withItemCount(cell.outputSchema, n);
    if (!schema) return undefined;
    hit = { schema, validate: compileOutputSchema(schema) };
    byKey.set(key, hit);
  }
  return hit;
}
