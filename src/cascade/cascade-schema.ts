/**
 * The JSON Schema of a cascade file as written (legacy key names included).
 * `x-expect` annotates a schema with the phrase an error message uses
 * ("expected a positive integer"); see schema-errors.ts.
 * @see ../../docs/cascades.md
 */

const positiveInt = { type: 'integer', minimum: 1, 'x-expect': 'a positive integer' } as const;
const nonEmptyString = { type: 'string', minLength: 1, 'x-expect': 'a non-empty string' } as const;
const identifier = {
  type: 'string',
  pattern: '^[A-Za-z0-9_-]+$',
  'x-expect': 'an identifier (letters, digits, _ and -)',
} as const;
/** Checked against the dialect's type list in cascade-checks.ts. */
const sqlType = { type: 'string', 'x-expect': 'a SQL type name' } as const;

/** `tool: sql_data`, or a legacy one-tool list `tackle: [sql_data]`. */
const toolList = {
  type: ['string', 'array'],
  items: { type: 'string' },
  'x-expect': 'a tool name or a list of one tool name',
} as const;

const takes = {
  type: 'object',
  additionalProperties: false,
  required: ['factor'],
  properties: {
    factor: positiveInt,
    evaluator_instructions: { type: 'string' },
  },
} as const;

const cell = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: identifier,
    instructions: { type: 'string' },
    model: nonEmptyString,
    output_schema: { type: 'object', 'x-expect': 'a JSON Schema (a mapping)' },
    tool: { type: 'string' },
    tackle: toolList,
    traits: toolList,
    skills: toolList,
    inputs: { type: 'object', 'x-expect': 'a mapping of input name to template' },
    rules: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_attempts: positiveInt,
        max_turns: positiveInt,
        loop_until: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', 'x-expect': 'a field name' },
      },
    },
    takes,
    soundings: takes,
    candidates: takes,
    // larsql's metadata, kept and not acted on (docs/cascades.md "Files from larsql").
    description: { type: 'string' },
    context: {},
    use_training: {},
    training_limit: {},
    training_strategy: {},
    training_min_confidence: {},
    training_format: {},
  },
} as const;

const cells = { type: 'array', minItems: 1, items: cell, 'x-expect': 'a non-empty list of cells' } as const;

const sqlFunction = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'args', 'returns'],
  properties: {
    name: {
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      'x-expect': 'a SQL function name (letters, digits, _)',
    },
    // larsql writes them in upper case.
    shape: { enum: ['scalar', 'aggregate', 'dimension', 'SCALAR', 'AGGREGATE', 'DIMENSION'] },
    description: { type: 'string' },
    args: {
      type: 'array',
      minItems: 1,
      'x-expect': 'a non-empty list of { name, type }',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', 'x-expect': 'an argument name' },
          type: sqlType,
          description: { type: 'string' },
          /** May be left out of a call; it then takes `default` (or NULL). */
          optional: { type: 'boolean' },
          /**
           * The last arg of a scalar function only, VARCHAR: takes one or more
           * values, each labelled with its SQL expression (semantic-rewrite.ts).
           */
          variadic: { type: 'boolean' },
          default: {},
          /** larsql: `dimension_source` marks the column a dimension labels (its first argument here). */
          role: { type: 'string' },
          structure_source: {},
        },
      },
    },
    returns: sqlType,
    /**
     * The caller may choose the result type, `NAME(… RETURNING type)` (default
     * `returns`): the chosen type's JSON Schema reaches the cascade as this input.
     */
    returning: {
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      'x-expect': 'the name of the input that receives the chosen type as a JSON Schema',
    },
    /** Two numeric args bounding the answer (LLM_SCORE's low, high): literals in a call, the schema's minimum and maximum. */
    range: {
      type: 'array',
      minItems: 2,
      maxItems: 2,
      items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      'x-expect': 'two argument names: [low, high]',
    },
    /** Each form is read in normalize-sql-function.ts; one the dialect cannot take is a warning, not a refusal. */
    operators: {
      type: 'array',
      items: { type: 'string', minLength: 1, 'x-expect': 'an operator form such as "{{ a }} WORD {{ b }}"' },
    },
    cache: { type: 'boolean' },
    labels: {
      type: 'array',
      minItems: 2,
      items: { type: 'string', minLength: 1 },
      'x-expect': 'a list of at least two labels (a dimension with fixed labels)',
    },
    discover: {
      type: 'string',
      minLength: 1,
      'x-expect': 'the path of the cascade that discovers the labels, relative to this file',
    },
    sample: {
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      'x-expect': 'how many distinct values the discovery sees (1..1000)',
    },
    /** The proxy a call uses when its statement names none, as `-- @ proxy:` writes it (grammar/proxy-spec.ts). */
    proxy: {
      type: 'string',
      minLength: 1,
      'x-expect':
        "a proxy as -- @ proxy: writes it: 'small-fast recall 0.9 precision 0.9', 'small-fast accuracy 0.9'",
    },
    on_invalid: {
      enum: ['null', 'fail'],
      'x-expect': "'null' or 'fail' (quoted: a bare null is YAML's null)",
    },
    /** larsql's test cases, run by `rvbbit cascades test`. */
    test_cases: {
      type: 'array',
      'x-expect': 'a list of { sql, expect }',
      // A case without sql is skipped when the tests run, not a reason to refuse the operator.
      items: {
        type: 'object',
        properties: {
          sql: { type: 'string' },
          expect: {},
          description: { type: 'string' },
          skip: { type: 'boolean' },
        },
      },
    },
    // larsql's metadata, kept and not acted on (docs/cascades.md "Files from larsql").
    mode: { type: 'string' },
    context_arg: { type: 'string' },
    output_mode: { type: 'string' },
    cache_key: {},
    block_operator: {},
  },
} as const;

export const cascadeSchema = {
  type: 'object',
  'x-expect': 'a mapping with cascade_id and cells',
  additionalProperties: false,
  required: ['cascade_id'],
  properties: {
    cascade_id: identifier,
    description: { type: 'string' },
    inputs_schema: {
      type: 'object',
      'x-expect': 'a mapping of input name to description',
      additionalProperties: { type: 'string', 'x-expect': 'a description (a string)' },
    },
    cells,
    phases: cells,
    model: nonEmptyString,
    sql_function: sqlFunction,
    /** larsql: an operator that is no user-facing cascade; kept, shown by `cascades list`. */
    internal: { type: 'boolean' },
    /** The template language; absent: detected (template-engine.ts). */
    template_engine: { enum: ['liquid', 'jinja'], 'x-expect': 'liquid or jinja' },
  },
} as const;
