/**
 * The validator of JSON Schema draft-07's meta-schema, ajv's default, which
 * every `output_schema` is checked against before ajv compiles it
 * (output-validator.ts).
 *
 * Left to ajv, its first compile compiles the meta-schema too: ~80 ms of CPU in
 * every thread that loads a cascade with an output schema (the main thread and
 * each pool thread), at every start. Run from source, ajv compiles it when this
 * module loads; the build swaps this module for ajv's standalone code of the
 * same validator (scripts/build.mjs calls standaloneModule()), compiled with
 * the same options, so its errors are the same. Both forms export the same
 * function.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { standaloneEsm } from './ajv-standalone.js';
import { OUTPUT_AJV_OPTIONS } from './output-ajv-options.js';

/** The id ajv gives its default meta-schema (JSON Schema draft-07). */
const DRAFT_07 = 'http://json-schema.org/draft-07/schema';

function metaAjv(standalone: boolean): Ajv {
  return new Ajv({ ...OUTPUT_AJV_OPTIONS, ...(standalone ? { code: { source: true, esm: true } } : {}) });
}

/** Is `schema` a valid JSON Schema (draft-07)? Errors in `.errors`, as ajv's own check reports them. */
export const validateJsonSchema: ValidateFunction = metaAjv(false).getSchema(DRAFT_07)!;

/** The ES module the build puts in this one's place. */
export async function standaloneModule(): Promise<string> {
  return standaloneEsm(metaAjv(true), { validateJsonSchema: DRAFT_07 });
}
