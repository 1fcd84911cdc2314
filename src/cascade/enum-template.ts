/**
 * An `enum` in an output_schema given as a template string instead of a list
 * (`enum: "{{ input.labels }}"`): rendered for each run, the value is the
 * list of allowed answers (a list as is; text split on commas, trimmed,
 * empties and repeats dropped). The run's schema carries that list, so it
 * reaches the model as response_format (constrained output), and an answer
 * outside it fails validation and is retried as any invalid answer is. With
 * no value at all the enum is left out (nothing to choose from).
 * @see ../../docs/cascades.md ("Cells", output_schema)
 */
import { withItemCount } from './batch-schema.js';
import { compileOutputSchema, type OutputValidator } from './output-validator.js';
import { type CompiledTemplate, evaluateTemplate } from './templates.js';

type Schema = Readonly<Record<string, unknown>>;
type Path = readonly (string | number)[];

export interface EnumTemplate {
  /** Path of the schema node holding the `enum`. */
  readonly path: Path;
  readonly template: CompiledTemplate;
}

/** The schema nodes whose `enum` is a template string, with that string. */
export function findEnumTemplates(schema: unknown, path: Path = []): { path: Path; source: string }[] {
  if (schema === null || typeof schema !== 'object') return [];
  const out: { path: Path; source: string }[] = [];
  if (!Array.isArray(schema) && typeof (schema as Schema)['enum'] === 'string')
    out.push({ path, source: (schema as Schema)['enum'] as string });
  for (const [k, v] of Object.entries(schema))
    out.push(...findEnumTemplates(v, [...path, Array.isArray(schema) ? Number(k) : k]));
  return out;
}

/** The schema with the enum at each path set to its values (left out when there are none). */
export function withEnums(schema: Schema, enums: readonly { path: Path; values: string[] }[]): Schema {
  const copy = structuredClone(schema) as Record<string, unknown>;
  for (const { path, values } of enums) {
    let node = copy as Record<string | number, unknown>;
    for (const part of path) node = node[part] as Record<string | number, unknown>;
    if (values.length > 0) node['enum'] = values;
    else delete node['enum'];
  }
  return copy;
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

  /** `itemCount`: BATCH n's count on the last cell (batch-schema.ts). */
  forScope(
    scope: Record<string, unknown>,
    warn: (w: string) => void,
    itemCount?: number,
  ): { schema: Schema; validate: OutputValidator } {
    const lists = this.enums.map((e) => ({
      path: e.path,
      values: enumValues(evaluateTemplate(e.template, scope, warn)),
    }));
    const key = JSON.stringify([itemCount ?? null, lists.map((l) => l.values)]);
    let hit = this.compiled.get(key);
    if (!hit) {
      const listed = withEnums(this.base, lists);
      const schema = itemCount === undefined ? listed : (withItemCount(listed, itemCount) ?? listed);
      hit = { schema, validate: compileOutputSchema(schema) };
      if (this.compiled.size >= MAX_SCHEMAS_PER_CELL) this.compiled.clear();
      this.compiled.set(key, hit);
    }
    return hit;
  }
}
