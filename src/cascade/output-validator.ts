/**
 * Compiles a cell's `output_schema` once and validates answers against it.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { validateJsonSchema } from './json-schema-validator.js';
import { OUTPUT_AJV_OPTIONS } from './output-ajv-options.js';

// The schema is checked against the meta-schema here (checkSchema), with the
// precompiled validator, rather than by ajv's compile, which would compile the
// meta-schema at every start (json-schema-validator.ts says why).
const ajv = new Ajv({ ...OUTPUT_AJV_OPTIONS, validateSchema: false });

/** Undefined when valid, else one line naming what was wrong. */
export type OutputValidator = (value: unknown) => string | undefined;

/** Throws an Error naming the first problem when `schema` is not a valid JSON Schema. */
export function compileOutputSchema(schema: Readonly<Record<string, unknown>>): OutputValidator {
  let validate: ValidateFunction;
  try {
    checkSchema(schema);
    validate = ajv.compile(schema as Record<string, unknown>);
  } catch (err) {
    const message = (err as Error).message.replace(/^schema is invalid: /, '').split(', ')[0]!;
    throw new Error(message.replace(/^data\//, '').replace(/^data /, 'the schema '));
  }
  return (value) => {
    if (validate(value)) return undefined;
    return ajv.errorsText(validate.errors, { dataVar: 'output', separator: '; ' });
  };
}

/** What ajv's compile checks first (Ajv.validateSchema), with the same message. */
function checkSchema(schema: Readonly<Record<string, unknown>>): void {
  // A schema naming its own meta-schema ($schema) is rare: ajv checks it, as before.
  if (schema.$schema !== undefined) {
    ajv.validateSchema(schema, true);
    return;
  }
  if (!validateJsonSchema(schema))
    throw new Error(`schema is invalid: ${ajv.errorsText(validateJsonSchema.errors)}`);
}
