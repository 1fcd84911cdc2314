/**
 * Validates a raw cascade document against cascade-schema.ts (fixed-validators.ts) and turns
 * every ajv error into a problem with a file position and a field path.
 */

import type { ErrorObject } from 'ajv';
import { didYouMean, meaning } from '../../grammar/did-you-mean.js';
import { CascadeErrorCode, type CascadeProblem } from './cascade-error.js';
import { validateCascade } from './fixed-validators.js';
import { type FieldPath, formatPath, type YamlSource } from './yaml-source.js';

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  null: 'null',
};

/** Decodes an ajv instancePath, using the data to tell list indexes from keys. */
function toFieldPath(pointer: string, data: unknown): (string | number)[] {
  if (!pointer) return [];
  const out: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out.push(Number(key));
      node = node[Number(key)];
    } else {
      out.push(key);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

function describe(err: ErrorObject): string {
  const parent = (err.parentSchema ?? {}) as Record<string, unknown>;
  const expect = parent['x-expect'];
  if (typeof expect === 'string') return `expected ${expect}`;
  switch (err.keyword) {
    case 'type': {
      const types = ([] as string[]).concat(err.params.type as string | string[]);
      return `expected ${types.map((t) => TYPE_WORDS[t] ?? t).join(' or ')}`;
    }
    case 'enum':
      return `expected one of: ${(err.params.allowedValues as unknown[]).join(', ')}`;
    default:
      return err.message ?? 'invalid';
  }
}

/**
 * Problems in document order, both lists empty when the document has the
 * shape of a cascade. A key the schema does not know is a warning (it is
 * ignored), not an error: files written for larsql and newer rvbbit versions
 * carry keys this one does not act on (docs/cascades.md).
 */
export function schemaProblems(
  data: unknown,
  source: YamlSource,
  file: string,
): { readonly errors: CascadeProblem[]; readonly warnings: CascadeProblem[] } {
  if (validateCascade(data)) return { errors: [], warnings: [] };
  const seen = new Set<string>();
  const errors: CascadeProblem[] = [];
  const warnings: CascadeProblem[] = [];
  for (const err of validateCascade.errors ?? []) {
    const base: FieldPath = toFieldPath(err.instancePath, data);
    let path = base;
    let what: string;
    let at = source.positionOf(base);
    let list = errors;
    if (err.keyword === 'additionalProperties') {
      const key = String(err.params.additionalProperty);
      path = [...base, key];
      at = source.keyPositionOf(path);
      const props = (err.parentSchema as { properties?: Record<string, unknown> }).properties ?? {};
      const valid = Object.keys(props);
      what = `unknown key, ignored${meaning(didYouMean(key, valid), "'")} (valid keys: ${valid.join(', ')})`;
      list = warnings;
    } else if (err.keyword === 'required') {
      what = `missing required key "${String(err.params.missingProperty)}"`;
    } else {
      what = describe(err);
    }
    const key = `${formatPath(path)}\0${what}`;
    if (seen.has(key)) continue;
    seen.add(key);
    list.push({ code: CascadeErrorCode.Schema, file, ...at, path: formatPath(path), what });
  }
  const byPlace = (a: CascadeProblem, b: CascadeProblem) => a.line - b.line || a.column - b.column;
  return { errors: errors.sort(byPlace), warnings: warnings.sort(byPlace) };
}
