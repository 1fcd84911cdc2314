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

/**
 * The ES module the build puts in this one's place. ajv's standalone code
 * `require()`s its small runtime helpers; in an ES module those become imports.
 */
export async function standaloneModule(): Promise<string> {
  // A CommonJS module's default import is its module.exports; the function is also on `.default`.
  const standaloneCode = (await import('ajv/dist/standalone/index.js')).default.default;
  const ajv = fixedAjv(true);
  ajv.addSchema(cascadeSchema, 'cascade');
  const code = standaloneCode(ajv, { validateCascade: 'cascade' });
  const helpers = new Map<string, string>(); // module path → local name
  const body = code.replace(
    /require\("(ajv\/dist\/runtime\/[\w/]+)"\)\.default/g,
    (_: string, path: string) => {
      if (!helpers.has(path)) helpers.set(path, `runtime${helpers.size}`);
      return helpers.get(path)!;
    },
  );
  // A CommonJS module imported by default is its module.exports; ajv's helpers keep the function on `.default`.
  const imports = [...helpers].map(
    ([path, name]) => `import ${name}_exports from "${path}.js";\nconst ${name} = ${name}_exports.default;`,
  );
  return `${imports.join('\n')}\n${body}`;
}
