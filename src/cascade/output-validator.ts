/**
 * Compiles a cell's `output_schema` once and validates answers against it.
 */
import { Ajv, type ValidateFunction } from 'ajv';

const ajv = new Ajv({
  allErrors: true,
  strict: true,
  strictTypes: false,
  strictTuples: false,
  allowUnionTypes: true,
  validateFormats: false,
});

/** Undefined when valid, else one line naming what was wrong. */
export type OutputValidator = (value: unknown) => string | undefined;

/** Throws an Error naming the first problem when `schema` is not a valid JSON Schema. */
export function compileOutputSchema(schema: Readonly<Record<string, unknown>>): OutputValidator {
  let validate: ValidateFunction;
  try {
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
