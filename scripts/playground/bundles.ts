/**
 * The two browser bundles, built by esbuild: rvbbit/grammar for browsers
 * (dist/grammar.browser.js, in the package) and the playground page's script
 * (inlined into docs/playground.html). Both are single self-contained ESM
 * files: chevrotain and CodeMirror inside, no Node built-ins.
 */
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const BROWSER: BuildOptions = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  // Chevrotain names its CST visitor after the parser class; keep names as written.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
};

/** esbuild options for dist/grammar.browser.js (scripts/build.mjs adds outfile). */
export const GRAMMAR_BROWSER_BUILD: BuildOptions = { ...BROWSER, entryPoints: ['grammar/index.ts'] };

/** The playground's script: the editor and the grammar, as one string. */
export async function playgroundScript(): Promise<string> {
  const out = await build({ ...BROWSER, entryPoints: ['src/playground/main.ts'], write: false });
  return out.outputFiles[0]!.text;
}

/** The grammar's browser bundle as one string (the test checks it without a build on disk). */
export async function grammarBrowserScript(): Promise<string> {
  const out = await build({ ...GRAMMAR_BROWSER_BUILD, write: false });
  return out.outputFiles[0]!.text;
}

/**
 * Every module a bundle loads: static and dynamic imports, and bare
 * `require(…)` calls. Method calls such as lodash's guarded
 * `freeModule.require("util")` (which only runs under CommonJS) are not loads.
 */
export function moduleLoads(code: string): string[] {
  const found: string[] = [];
  const patterns = [
    /(?<![\w$.])import\s*\(\s*["'`]([^"'`]+)["'`]/g,
    /(?<![\w$.])(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/g,
    /(?<![\w$.])import\s*["']([^"']+)["']/g,
    /(?<![\w$.])require\s*\(\s*["'`]([^"'`]+)["'`]/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[1]!);
  return found;
}
