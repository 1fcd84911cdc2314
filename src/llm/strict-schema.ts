/**
 * A cascade's output schema as a strict structured-output provider takes it,
 * and the answer back in the cascade's own shape.
 *
 * OpenAI's strict mode (Structured Outputs → "Supported schemas") accepts an
 * object root only, every object closed (`additionalProperties: false`)
 * with every property in `required`, and a subset of keywords. The cascade's
 * schema stays the contract: the validator checks the original after the
 * answer, so what strict mode cannot say is still enforced, only locally.
 *
 * - A root that is not an object is wrapped as `{"value": …}`; the answer is unwrapped.
 * - An optional property becomes required and nullable; a null the original
 *   does not allow is dropped from the answer (the property was left out).
 * - A keyword outside the subset moves into the node's description, so the
 *   model still reads it (`minLength: 3`), and the validator checks it.
 * - An object whose keys are open (no `properties`, or `additionalProperties`
 *   other than false that the cascade relies on) cannot be strict: the schema
 *   goes as `strict: false`, which OpenAI takes as a best-effort schema.
 */

type Schema = Readonly<Record<string, unknown>>;

interface ConvertState {
  strict: boolean;
  nullable: boolean;
}

/** The keywords strict mode takes, by where they may appear (OpenAI, "Supported properties"). */
const COMMON = new Set([
  'type',
  'description',
  'title',
  'enum',
  'const',
  'anyOf',
  '$ref',
  '$defs',
  'definitions',
]);
const BY_TYPE: Readonly<Record<string, ReadonlySet<string>>> = {
  string: new Set(['pattern', 'format']),
  number: new Set(['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum']),
  integer: new Set(['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum']),
  array: new Set(['items', 'minItems', 'maxItems']),
  object: new Set(['properties', 'required', 'additionalProperties']),
  boolean: new Set(),
  null: new Set(),
};
/** `format` values strict mode knows (others move to the description). */
const FORMATS = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uuid',
]);

export interface StrictSchema {
  /** What goes in `json_schema.schema`. */
  readonly schema: Schema;
  /** The original root was not an object: the answer is `{"value": …}`. */
  readonly wrapped: boolean;
  /** False when some part cannot be expressed strictly (see above): send `strict: false`. */
  readonly strict: boolean;
  /** Some optional property was made nullable: an answer may carry nulls to drop. */
  readonly nullable: boolean;
}

/** The wrapper key of a non-object root. */
export const WRAP_KEY = 'value';

/** `schema` made strict-compatible (see the file comment). Pure; the input is not changed. */
export function toStrictSchema(schema: Schema): StrictSchema {
  const state: ConvertState = { strict: true, nullable: false };
  const wrapped = !isObjectRoot(schema);
  const defs = schema['$defs'] ?? schema['definitions'];
  const body = wrapped ? withoutDefs(schema) : schema;
  let out = convert(body, state, 0);
  if (wrapped) {
    out = {
      type: 'object',
      properties: { [WRAP_KEY]: out },
      required: [WRAP_KEY],
      additionalProperties: false,
    };
  }
  if (defs && typeof defs === 'object') {
    const key = schema['$defs'] !== undefined ? '$defs' : 'definitions';
    const converted: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(defs as Record<string, Schema>)) converted[k] = convert(v, state, 1);
    out = { ...out, [key]: converted };
  }
  return { schema: out, wrapped, strict: state.strict, nullable: state.nullable };
}

function isObjectRoot(schema: Schema): boolean {
  return schema['type'] === 'object' && schema['anyOf'] === undefined;
}

function withoutDefs(schema: Schema): Schema {
  const { $defs: _d, definitions: _e, ...rest } = schema;
  return rest;
}

function typesOf(node: Schema): string[] {
  const t = node['type'];
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  if (node['properties'] !== undefined) return ['object'];
  if (node['items'] !== undefined) return ['array'];
  return [];
}

function allowsNull(node: Schema): boolean {
  if (typesOf(node).includes('null')) return true;
  if (Array.isArray(node['enum']) && node['enum'].includes(null)) return true;
  const alt = node['anyOf'] ?? node['oneOf'];
  return Array.isArray(alt) && alt.some((s) => allowsNull(s as Schema));
}

function convert(node: Schema, state: ConvertState, depth: number): Schema {
  if (depth > 64 || node === null || typeof node !== 'object') {
    state.strict = false;
    return node;
  }
  if (node['$ref'] !== undefined) return { $ref: node['$ref'] };
  const types = typesOf(node);
  const out: Record<string, unknown> = {};
  const moved: string[] = [];
  const alt = (node['anyOf'] ?? node['oneOf']) as Schema[] | undefined;
  if (types.length === 0 && node['enum'] === undefined && node['const'] === undefined && !alt) {
    // `{}` (any value): strict mode has no "anything".
    state.strict = false;
    return node;
  }
  const allowed = new Set(COMMON);
  for (const t of types) for (const k of BY_TYPE[t] ?? []) allowed.add(k);
  for (const [k, v] of Object.entries(node)) {
    if (k === 'oneOf') continue;
    if (k === 'format' && !FORMATS.has(String(v))) {
      moved.push(`format: ${String(v)}`);
      continue;
    }
    if (k === 'description' || k === '$defs' || k === 'definitions') continue;
    if (allowed.has(k)) out[k] = v;
    else moved.push(`${k}: ${JSON.stringify(v)}`);
  }
  if (alt) out['anyOf'] = alt.map((s) => convert(s, state, depth + 1));
  if (types.includes('array')) {
    const items = node['items'];
    if (items && typeof items === 'object' && !Array.isArray(items)) {
      out['items'] = convert(items as Schema, state, depth + 1);
    } else state.strict = false;
  }
  if (types.includes('object')) closeObject(node, out, state, depth);
  const description = [node['description'], ...moved].filter((x) => typeof x === 'string' && x !== '');
  if (description.length > 0) out['description'] = description.join('; ');
  return out;
}

/** Every property required (the optional ones nullable), no other keys. */
function closeObject(node: Schema, out: Record<string, unknown>, state: ConvertState, depth: number) {
  const props = node['properties'] as Record<string, Schema> | undefined;
  const extra = node['additionalProperties'];
  if (!props || Object.keys(props).length === 0 || (extra !== undefined && extra !== false)) {
    // Open keys (a map, `{type: object}`): not expressible in strict mode.
    state.strict = false;
    if (props) out['properties'] = mapProps(props, state, depth);
    return;
  }
  const required = new Set(Array.isArray(node['required']) ? (node['required'] as string[]) : []);
  const converted = mapProps(props, state, depth);
  for (const key of Object.keys(converted)) {
    if (!required.has(key) && !allowsNull(props[key]!)) {
      converted[key] = nullable(converted[key] as Schema);
      state.nullable = true;
    }
  }
  out['properties'] = converted;
  out['required'] = Object.keys(converted);
  out['additionalProperties'] = false;
}

function mapProps(props: Record<string, Schema>, state: ConvertState, depth: number) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) out[k] = convert(v, state, depth + 1);
  return out;
}

function nullable(node: Schema): Schema {
  const t = node['type'];
  if (typeof t === 'string' && node['enum'] === undefined && node['const'] === undefined)
    return { ...node, type: [t, 'null'] };
  if (Array.isArray(t) && node['enum'] === undefined && node['const'] === undefined)
    return { ...node, type: [...t, 'null'] };
  return { anyOf: [node, { type: 'null' }] };
}

/**
 * The answer in the cascade's own shape: unwrapped from `{"value": …}` when
 * the schema was wrapped, and without the nulls strict mode made the model
 * write for properties the cascade left optional. Returns `value` itself
 * when nothing changes.
 */
export function fromStrictAnswer(value: unknown, original: Schema, form: StrictSchema): unknown {
  let v = value;
  if (form.wrapped) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !(WRAP_KEY in v)) return value;
    v = (v as Record<string, unknown>)[WRAP_KEY];
  }
  return form.nullable ? dropOptionalNulls(v, original, original, 0) : v;
}

function resolveRef(node: Schema, root: Schema): Schema {
  const ref = node['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  let at: unknown = root;
  for (const part of ref.slice(2).split('/')) at = (at as Record<string, unknown> | undefined)?.[part];
  return at && typeof at === 'object' ? (at as Schema) : node;
}

function dropOptionalNulls(value: unknown, raw: Schema, root: Schema, depth: number): unknown {
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  const node = resolveRef(raw, root);
  if (Array.isArray(value)) {
    const items = node['items'];
    if (!items || typeof items !== 'object' || Array.isArray(items)) return value;
    return value.map((x) => dropOptionalNulls(x, items as Schema, root, depth + 1));
  }
  const props = node['properties'] as Record<string, Schema> | undefined;
  if (!props) return value;
  const required = new Set(Array.isArray(node['required']) ? (node['required'] as string[]) : []);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const sub = props[k];
    if (v === null && sub && !required.has(k) && !allowsNull(resolveRef(sub, root))) continue;
    out[k] = sub ? dropOptionalNulls(v, sub, root, depth + 1) : v;
  }
  return out;
}
