/**
 * How output schemas are compiled (output-validator.ts), and so how the JSON
 * Schema meta-schema that checks them is compiled (json-schema-validator.ts):
 * one set of options, so both report a bad schema in the same words.
 */
import type { Options } from 'ajv';

export const OUTPUT_AJV_OPTIONS = {
  allErrors: true,
  strict: true,
  strictTypes: false,
  strictTuples: false,
  allowUnionTypes: true,
  validateFormats: false,
} as const satisfies Options;
