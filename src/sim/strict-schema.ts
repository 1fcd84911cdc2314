/**
 * OpenAI's strict-mode schema rules (`strict: true` on a json_schema
 * response_format or on a function tool), as the `openai` and
 * `azure-openai` profiles enforce them: the first rule a schema breaks,
 * worded as OpenAI words it, or undefined when the schema is accepted.
 *
 * Source: OpenAI, Structured Outputs guide → "Supported schemas"
 * (developers.openai.com/api/docs/guides/structured-outputs#supported-schemas);
 * Azure OpenAI's structured-outputs page says Azure takes "the same subset"
 * (learn.microsoft.com/azure/ai-foundry/openai/how-to/structured-outputs).
 *
 * - Types: string, number, boolean, integer, object, array, null, enum, anyOf.
 * - Keywords: the ones listed under "Supported properties" — string:
 *   `pattern`, `format` (the listed formats only); number/integer:
 *   `multipleOf`, `maximum`, `exclusiveMaximum`, `minimum`,
 *   `exclusiveMinimum`; array: `items`, `minItems`, `maxItems` — plus the
 *   structural ones the guide uses (`type`, `properties`, `required`,
 *   `additionalProperties`, `enum`, `const`, `anyOf`, `$ref`, `$defs`,
 *   `definitions`, `description`, `title`).
 * - And what the official `openai` npm SDK's helpers send on their own
 *   (`zodResponseFormat`, `zodFunction`; openai-node src/helpers/zod.ts, its
 *   vendored zod-to-json-schema and src/lib/transform.ts), which OpenAI takes:
 *   its tests/lib/parser.test.ts records real gpt-4o-2024-08-06 answers to
 *   `.parse()` with these schemas, for zod v3 and v4.
 *   - `$schema` and `$id` at the root: both zod paths write `"$schema":
 *     "http://json-schema.org/draft-07/schema#"`; transform.ts keeps them as
 *     root metadata (JSON_SCHEMA_ROOT_METADATA_KEYWORDS) and refuses `$id`
 *     below the root (assertNoNestedSchemaIds). Below the root they are refused.
 *   - `nullable: true`: zod v3's `.nullable()` of a string, number, boolean
 *     (nullableStrategy 'property'), as in the recorded "merged schemas".
 *   - `default`: `.default(x)` (the recorded "deserialises response_format"
 *     sends `"default": "f"`; transform.ts drops only `default: null`).
 * - Anything else is refused: `minLength`/`maxLength` (zod's `.min()`/`.max()`
 *   of a string: the SDK passes them on and OpenAI answers "'maxLength' is not
 *   permitted", jina-ai/node-DeepResearch#79), `oneOf`, `allOf`, `not`, `if`,
 *   `uniqueItems`, `patternProperties`, … (transform.ts refuses most of these
 *   itself: JSON_SCHEMA_UNSUPPORTED_SCHEMA_KEYWORDS).
 * - "Root objects must not be `anyOf` and must be an object."
 * - "`additionalProperties: false` must always be set in objects."
 * - "All fields must be `required`."
 * - "up to 5000 object properties total, with up to 10 levels of nesting";
 *   "up to 1000 enum values across all enum properties"; a single string
 *   enum of more than 250 values at most 15,000 characters in all; "total
 *   string length of all property names, definition names, enum values, and
 *   const values cannot exceed 120,000 characters".
 *
 * The wording of the messages is OpenAI's as its 400s show it in public
 * issue reports ("In context=('properties', 'x'), 'minLength' is not
 * permitted.", "'required' is required to be supplied and to be an array
 * including every key in properties. Missing 'x'.", "schema must be a JSON
 * Schema of 'type: \"object\"', got 'type: \"array\"'.", "'uri' is not a
 * valid format.", "schema must have a 'type' key.", "11 levels of nesting
 * exceeds limit of 10."). The guide does not say how nesting is counted;
 * here it is the number of object schemas on a path (arrays and anyOf do
 * not add a level). The limits on enum count and string length have no
 * public wording; theirs is modelled on the nesting one.
 */

type Node = Readonly<Record<string, unknown>>;

/** Keywords any node may carry (the guide's structural ones; `nullable`, `default`: the SDK's, see above). */
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
  'nullable',
  'default',
]);

/** Keywords the root alone may carry: the SDK's root metadata (transform.ts, JSON_SCHEMA_ROOT_METADATA_KEYWORDS). */
const ROOT_METADATA = new Set(['$schema', '$id']);

/** Keywords by the type they belong to ("Supported properties"). */
const BY_TYPE: Readonly<Record<string, ReadonlySet<string>>> = {
  string: new Set(['pattern', 'format']),
  number: new Set(['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum']),
  integer: new Set(['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum']),
  array: new Set(['items', 'minItems', 'maxItems']),
  object: new Set(['properties', 'required', 'additionalProperties']),
  boolean: new Set(),
  null: new Set(),
};

/** The string formats strict mode knows ("Currently supported"). */
export const STRICT_FORMATS: ReadonlySet<string> = new Set([
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

export const STRICT_LIMITS = {
  nesting: 10,
  properties: 5000,
  enumValues: 1000,
  /** A single string enum of more than this many values… */
  bigEnum: 250,
  /** …may have at most this many characters in all. */
  bigEnumChars: 15_000,
  stringChars: 120_000,
} as const;

/** `^[a-zA-Z0-9_-]{1,64}$`: the json_schema name rule (Chat API reference, `response_format.json_schema.name`). */
export const SCHEMA_NAME = /^[a-zA-Z0-9_-]+$/;
export const SCHEMA_NAME_MAX = 64;

type Path = readonly (string | number)[];

/** A Python tuple's repr, as OpenAI prints the context: `()`, `('items',)`, `('properties', 'a')`. */
function contextOf(path: Path): string {
  const parts = path.map((p) => (typeof p === 'number' ? String(p) : pyString(p)));
  if (parts.length === 1) return `(${parts[0]},)`;
  return `(${parts.join(', ')})`;
}

function pyString(s: string): string {
  if (s.includes("'") && !s.includes('"')) return `"${s}"`;
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function isNode(v: unknown): v is Node {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function typesOf(node: Node): string[] {
  const t = node['type'];
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  return [];
}

interface Tally {
  properties: number;
  enumValues: number;
  chars: number;
  deepest: number;
}

/**
 * The first strict-mode rule `schema` breaks, as the text after
 * "Invalid schema for response_format '<name>': " (or "for function '<name>': "),
 * or undefined when strict mode takes it.
 */
export function strictSchemaProblem(schema: unknown): string | undefined {
  if (!isNode(schema) || schema['type'] !== 'object') {
    const t = isNode(schema) ? schema['type'] : undefined;
    const got = typeof t === 'string' ? t : t === undefined ? 'None' : JSON.stringify(t);
    return `schema must be a JSON Schema of 'type: "object"', got 'type: "${got}"'.`;
  }
  const tally: Tally = { properties: 0, enumValues: 0, chars: 0, deepest: 0 };
  const problem = walk(schema, [], 1, tally);
  if (problem) return problem;
  for (const key of ['$defs', 'definitions'] as const) {
    const defs = schema[key];
    if (!isNode(defs)) continue;
    for (const [name, def] of Object.entries(defs)) {
      tally.chars += name.length;
      const p = walk(def, [key, name], 1, tally);
      if (p) return p;
    }
  }
  const L = STRICT_LIMITS;
  if (tally.deepest > L.nesting) return `${tally.deepest} levels of nesting exceeds limit of ${L.nesting}.`;
  if (tally.properties > L.properties)
    return `${tally.properties} parameters exceeds limit of ${L.properties}.`;
  if (tally.enumValues > L.enumValues)
    return `${tally.enumValues} enum values exceeds limit of ${L.enumValues}.`;
  if (tally.chars > L.stringChars)
    return `${tally.chars} characters of property names, definition names, enum values and const values exceeds limit of ${L.stringChars}.`;
  return undefined;
}

/** Checks one node and what it contains; `level` counts the object schemas from the root down to this one. */
function walk(raw: unknown, path: Path, level: number, tally: Tally): string | undefined {
  const at = `In context=${contextOf(path)}, `;
  if (!isNode(raw)) return `${at}schema must be a JSON Schema object.`;
  const node = raw;
  const types = typesOf(node);
  const hasAlt = 'anyOf' in node || '$ref' in node || 'enum' in node || 'const' in node;
  if (types.length === 0 && !hasAlt) return `${at}schema must have a 'type' key.`;
  const allowed = (key: string): boolean => {
    if (COMMON.has(key)) return true;
    // No type (a bare enum, const or $ref): a type's keywords are judged as if any type were given.
    const pool = types.length > 0 ? types : Object.keys(BY_TYPE);
    return pool.some((t) => BY_TYPE[t]?.has(key) ?? false);
  };
  for (const key of Object.keys(node)) {
    if (key === '$defs' || key === 'definitions') {
      if (path.length > 0) return `${at}'${key}' is not permitted.`;
      continue;
    }
    if (path.length === 0 && ROOT_METADATA.has(key)) continue;
    if (!allowed(key)) return `${at}'${key}' is not permitted.`;
  }
  const format = node['format'];
  if (format !== undefined && (typeof format !== 'string' || !STRICT_FORMATS.has(format))) {
    return `${at}'${String(format)}' is not a valid format.`;
  }
  const en = node['enum'];
  if (Array.isArray(en)) {
    tally.enumValues += en.length;
    let chars = 0;
    for (const v of en) if (typeof v === 'string') chars += v.length;
    tally.chars += chars;
    if (en.length > STRICT_LIMITS.bigEnum && chars > STRICT_LIMITS.bigEnumChars) {
      return `${at}enum of ${en.length} values has ${chars} characters, exceeding the limit of ${STRICT_LIMITS.bigEnumChars} for an enum of more than ${STRICT_LIMITS.bigEnum} values.`;
    }
  }
  if (typeof node['const'] === 'string') tally.chars += (node['const'] as string).length;

  const isObject = types.includes('object') || 'properties' in node;
  if (isObject) {
    tally.deepest = Math.max(tally.deepest, level);
    if (node['additionalProperties'] !== false) {
      return `${at}'additionalProperties' is required to be supplied and to be false.`;
    }
    const props = isNode(node['properties']) ? node['properties'] : {};
    const required = Array.isArray(node['required']) ? (node['required'] as unknown[]) : undefined;
    const missing = Object.keys(props).find((k) => !required?.includes(k));
    if (required === undefined || missing !== undefined) {
      return `${at}'required' is required to be supplied and to be an array including every key in properties.${missing !== undefined ? ` Missing '${missing}'.` : ''}`;
    }
    for (const [key, sub] of Object.entries(props)) {
      tally.properties++;
      tally.chars += key.length;
      const p = walk(sub, [...path, 'properties', key], level + 1, tally);
      if (p) return p;
    }
  }
  const items = node['items'];
  if (items !== undefined) {
    if (!isNode(items)) return `${at}'items' must be a single JSON Schema.`;
    const p = walk(items, [...path, 'items'], level, tally);
    if (p) return p;
  }
  const anyOf = node['anyOf'];
  if (anyOf !== undefined) {
    if (!Array.isArray(anyOf) || anyOf.length === 0) return `${at}'anyOf' must be a non-empty array.`;
    for (let i = 0; i < anyOf.length; i++) {
      const p = walk(anyOf[i], [...path, 'anyOf', i], level, tally);
      if (p) return p;
    }
  }
  return undefined;
}
