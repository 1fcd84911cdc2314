/**
 * The validator of the cascade file's own JSON Schema (cascade-schema.ts),
 * which every cascade read runs and which never changes.
 *
 * Run from source, ajv compiles it when this module loads. The build swaps
 * this module for ajv's standalone code of the same validator (scripts/build.mjs
 * calls standaloneModule()): importing and compiling ajv took ~80 ms of every
 * CLI start. Both forms export the same function.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { standaloneEsm } from './ajv-standalone.js';
import { cascadeSchema } from './cascade-schema.js';

function fixedAjv(standalone: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
    ...(standalone ? { code: { source: true, esm: true } } : {}),
  });
  ajv.addKeyword({ keyword: 'x-expect', schemaType: 'string' });
  return ajv;
}

/** Does `data` have the shape of a cascade file? Errors in `.errors`, as ajv reports them. */
export const validateCascade: ValidateFunction = fixedAjv(false).compile(cascadeSchema);

/** The ES module the build puts in this one's place. */
export async function standaloneModule(): Promise<string> {
  const ajv = fixedAjv(true);
  ajv.addSchema(cascadeSchema, 'cascade');
  return standaloneEsm(ajv, { validateCascade: 'cascade' });
}
