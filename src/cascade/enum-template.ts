/**
 * Parts of an output_schema given as template strings, rendered for each run:
 * - an `enum` (`enum: "{{ input.labels }}"`): the value is the list of
 *   allowed answers (a list as is; text split on commas, trimmed, empties and
 *   repeats dropped); with no value at all the enum is left out;
 * - a whole subschema where one is expected (`properties: { value: "{{
 *   input.schema }}" }`, `items`, `additionalProperties`): the value is a
 *   JSON Schema, as an object or as JSON text (the typed functions pass the
 *   schema of the type the caller chose, src/statements/semantic/rewrite/returning-type.ts).
 * The run's schema carries the result, so it reaches the model as
 * response_format (constrained output), and an answer outside it fails
 * validation and is retried as any invalid answer is.
 * @see ../../docs/cascades.md ("Cells", output_schema)
 */
import { withItemCount } from './batch-schema.js';
import { compileOutputSchema, type OutputValidator } from './output-validator.js';
import { type CompiledTemplate, evaluateTemplate } from './templates.js';

type Schema = Readonly<Record<string, unknown>>;
type Path = readonly (string | number)[];

export interface EnumTemplate {
  /** Path of the schema node holding the `enum`, or of the subschema itself. */
  readonly path: Path;
  readonly template: CompiledTemplate;
  /** `enum`: the node's enum is the rendered list; `schema`: the node is the rendered schema. */
  readonly kind: 'enum' | 'schema';
}

/** Keys whose value is one subschema (a string there is a template); `properties` holds one per key. */
const SUBSCHEMA_KEYS = new Set(['items', 'additionalProperties', 'not', 'contains']);

/** The schema's templated parts: nodes whose `enum` is a string, and subschemas written as a string. */
export function findEnumTemplates(
  schema: unknown,
  path: Path = [],
): { path: Path; source: string; kind: 'enum' | 'schema' }[] {
  if (schema === null || typeof schema !== 'object') return [];
  const out: { path: Path; source: string; kind: 'enum' | 'schema' }[] = [];
  const node = schema as Schema;
  if (!Array.isArray(schema) && typeof node['enum'] === 'string')
    out.push({ path, source: node['enum'] as string, kind: 'enum' });
  for (const [k, v] of Object.entries(schema)) {
    const at = [...path, Array.isArray(schema) ? Number(k) : k];
    if (typeof v === 'string' && SUBSCHEMA_KEYS.has(k)) out.push({ path: at, source: v, kind: 'schema' });
    else if (k === 'properties' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [name, sub] of Object.entries(v as Schema)) {
        if (typeof sub === 'string') out.push({ path: [...at, name], source: sub, kind: 'schema' });
        else out.push(...findEnumTemplates(sub, [...at, name]));
      }
    } else out.push(...findEnumTemplates(v, at));
  }
  return out;
}

/** A rendered part: an enum's values, or a subschema. */
export type RenderedPart =
  | { readonly path: Path; readonly kind: 'enum'; readonly values: string[] }
  | { readonly path: Path; readonly kind: 'schema'; readonly schema: Schema };

/** The schema with each templated part set to its rendered value (an enum with no values left out). */
export function withEnums(schema: Schema, parts: readonly RenderedPart[]): Schema {
  const copy = structuredClone(schema) as Record<string, unknown>;
  for (const part of parts) {
    if (part.kind === 'schema') {
      let parent = copy as Record<string | number, unknown>;
      for (const p of part.path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
      parent[part.path.at(-1)!] = structuredClone(part.schema);
      continue;
    }
    let node = copy as Record<string | number, unknown>;
    for (const p of part.path) node = node[p] as Record<string | number, unknown>;
    if (part.values.length > 0) node['enum'] = part.values;
    else delete node['enum'];
  }
  return copy;
}

/** A rendered subschema template as a schema: an object as is, text parsed as JSON. */
export function schemaValue(value: unknown): Schema {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new Error(
        `the subschema template rendered to text that is not JSON: ${value as string}`.slice(0, 160),
      );
    }
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new Error(
      `the subschema template rendered to ${JSON.stringify(v)?.slice(0, 80)}, not a JSON Schema object`,
    );
  return v as Schema;
}

/** A rendered enum value as its list of allowed answers. */
export function enumValues(value: unknown): string[] {
  const items = Array.isArray(value)
    ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
    : typeof value === 'string'
      ? value.split(',')
      : value === null || value === undefined
        ? []
        : [String(value)];
  return [...new Set(items.map((s) => s.trim()).filter((s) => s !== ''))];
}

const MAX_SCHEMAS_PER_CELL = 256;

/**
 * The schemas a cell's templated enums render to, compiled once per distinct
 * list (a classify call's labels rarely change within a statement).
 */
export class TemplatedSchema {
  private readonly compiled = new Map<string, { schema: Schema; validate: OutputValidator }>();

  constructor(
    readonly base: Schema,
    readonly enums: readonly EnumTemplate[],
  ) {}

  /** `itemCount`: BATCH n's count on the last cell (batch-schema.ts); `signal`: the statement's (templates.ts). */
  forScope(
    scope: Record<string, unknown>,
    warn: (w: string) => void,
    itemCount?: number,
    signal?: AbortSignal,
  ): { schema: Schema; validate: OutputValidator } {
    const parts = this.enums.map((e): RenderedPart => {
      const value = evaluateTemplate(e.template, scope, warn, signal);
      return e.kind === 'enum'
        ? { path: e.path, kind: 'enum', values: enumValues(value) }
        : { path: e.path, kind: 'schema', schema: schemaValue(value) };
    });
    const key = JSON.stringify([
      itemCount ?? null,
      parts.map((l) => (l.kind === 'enum' ? l.values : l.schema)),
    ]);
    let hit = this.compiled.get(key);
    if (!hit) {
      const listed = withEnums(this.base, parts);
      const schema = itemCount === undefined ? listed : (withItemCount(listed, itemCount) ?? listed);
      hit = { schema, validate: compileOutputSchema(schema) };
      if (this.compiled.size >= MAX_SCHEMAS_PER_CELL) this.compiled.clear();
      this.compiled.set(key, hit);
    }
    return hit;
  }
}
