/**
 * Build-time only (scripts/build.mjs): turns an ajv instance's standalone
 * code into an ES module. ajv's standalone code `require()`s its small
 * runtime helpers; in an ES module those become imports.
 */
import type { Ajv } from 'ajv';

/** The ES module exporting, under each name, the validator of the schema with that key or id. */
export async function standaloneEsm(ajv: Ajv, exports: Readonly<Record<string, string>>): Promise<string> {
  // A CommonJS module's default import is its module.exports; the function is also on `.default`.
  const standaloneCode = (await import('ajv/dist/standalone/index.js')).default.default;
  const code = standaloneCode(ajv, exports);
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
