#!/usr/bin/env node
/**
 * `npm run build` (and `prepare`): the package as users install it.
 * - JavaScript: esbuild bundles each entry point (library, grammar, CLI, the
 *   worker and simulator entries) into dist/, flat, with shared code split
 *   into chunks beside them (src/runtime/package-files.ts relies on that depth).
 *   chevrotain (with its ~600 lodash-es modules) is bundled in: loading it as
 *   separate ES modules took ~260 ms of every CLI start, bundled ~60 ms. So are
 *   the CommonJS dependencies every start loads (BUNDLED): Node read, lexed
 *   (for their named exports) and resolved their ~250 files one by one, in the
 *   main thread and again in each pool thread; bundled, a 10-row MAP took
 *   0.83x the CPU. The other runtime dependencies stay external imports:
 *   native code (DuckDB), files loaded by path (Piscina's and pdf.js's
 *   workers), ES modules, and what only some commands load.
 * - The cascade file's JSON Schema validator and the JSON Schema meta-schema's
 *   are ajv's standalone code, generated here (src/cascade/fixed-validators.ts
 *   and json-schema-validator.ts say why).
 * - The shipped operator files (cascades/semantic/) are read here, and the
 *   catalog takes each read whose file is unchanged (src/plan/preread-operators.ts):
 *   reading them cost ~150–220 ms of every start.
 * - Types: tsc emits declarations into dist/types (esbuild emits none).
 * - dist/grammar.browser.js: rvbbit/grammar for browsers (the "browser"
 *   condition of ./grammar, and ./grammar/browser): one self-contained ESM
 *   file without Node built-ins (scripts/playground/bundles.ts).
 * - dist/pool-boot.cjs: the file Piscina's workers load (copied as it is).
 * - dist/grammar.html: the grammar's railroad diagrams, which `rvbbit diagrams`
 *   copies out (generating them needs chevrotain's page assets, which the
 *   package does not ship).
 *
 * `--if-stale` (prepack's): builds only when dist/ is older than something the
 * build reads (scripts/build-current.mjs), so `npm pack` after `npm run build`
 * (as `npm test` does, test/package/installed.ts) ships that build instead of
 * spending ~16 s of CPU making the same files again.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { tsImport } from 'tsx/esm/api';
import { buildIsCurrent } from './build-current.mjs';
import { narrowBuiltSources } from './narrow-sources.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
if (process.argv.includes('--if-stale') && buildIsCurrent(root)) {
  // stderr: npm pack --json reads stdout while prepack runs.
  process.stderr.write('dist/ is current (built after every change to what the build reads): not rebuilt\n');
  process.exit(0);
}
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
/** Dependencies bundled into dist/ (see above). They stay in `dependencies`: the declarations in dist/types import their types. */
const BUNDLED = new Set([
  'undici',
  'ajv',
  'yaml',
  'liquidjs',
  'commander',
  'cli-table3',
  'cli-progress',
  'fastest-levenshtein',
]);
const dependencies = Object.keys(pkg.dependencies ?? {});
const external = dependencies.filter((d) => !BUNDLED.has(d));

/** Entry name (its file in dist/) → source; the name is the source file's, see entryModule(). */
const ENTRIES = {
  index: 'src/index.ts',
  grammar: 'grammar/index.ts',
  cli: 'src/cli/main.ts',
  'cascade-thread': 'workers/cascade-thread.ts',
  'semantic-sync-worker': 'workers/semantic-sync-worker.ts',
  'document-thread': 'workers/document-thread.ts',
  'child-main': 'src/sim/child-main.ts',
  'thread-main': 'src/sim/thread-main.ts',
};

/** Runs a step; its output goes to stderr (npm pack --json reads stdout while `prepare` runs). */
function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Modules the build replaces with ajv's standalone code of the validator they would compile at run time. */
const PRECOMPILED = ['fixed-validators', 'json-schema-validator'];
const precompiledCode = new Map();
for (const name of PRECOMPILED) {
  const { standaloneModule } = await tsImport(`../src/cascade/${name}.ts`, import.meta.url);
  precompiledCode.set(name, await standaloneModule());
}
/** Puts each precompiled validator in place of the module that compiles it at run time. */
const precompiledValidators = {
  name: 'precompiled-validators',
  setup(b) {
    const filter = new RegExp(`src[\\\\/]cascade[\\\\/](${PRECOMPILED.join('|')})\\.ts$`);
    b.onLoad({ filter }, (args) => ({
      contents: precompiledCode.get(args.path.replace(/^.*[\\/]/, '').replace(/\.ts$/, '')),
      loader: 'js',
      resolveDir: root,
    }));
  },
};

/**
 * The shipped operator files, read here (src/plan/preread-operators.ts says
 * why): the module that reads them at run time is swapped for their reads.
 */
const { prereadModule } = await tsImport('../src/plan/preread-operators.ts', import.meta.url);
const prereadCode = await prereadModule(`${root}cascades/semantic`);
const prereadOperators = {
  name: 'preread-operators',
  setup(b) {
    b.onLoad({ filter: /src[\\/]plan[\\/]preread-operators\.ts$/ }, () => ({
      contents: prereadCode,
      loader: 'js',
      resolveDir: root,
    }));
  },
};

/**
 * External CommonJS dependencies loaded with require() in place of an ES
 * import. Node's import of a CommonJS module lexes it, and every module it
 * re-exports, for their named exports: @duckdb/node-api re-exports ~40 files,
 * ~100 ms of every start's main thread. require() reads the same files
 * without lexing them; the module's exports are the same (listed here at build).
 */
const REQUIRED = ['@duckdb/node-api'];
const requiredNotImported = {
  name: 'required-not-imported',
  setup(b) {
    const filter = new RegExp(`^(${REQUIRED.join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'required' }));
    b.onLoad({ filter: /.*/, namespace: 'required' }, ({ path }) => {
      const names = Object.keys(createRequire(import.meta.url)(path)).filter(
        (n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n),
      );
      return {
        contents: [
          "import { createRequire } from 'node:module';",
          `const cjs = createRequire(import.meta.url)(${JSON.stringify(path)});`,
          'export default cjs;',
          `export const { ${names.join(', ')} } = cjs;`,
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

/**
 * The shipped code uses one class of undici, Pool (src/llm/client.ts), and
 * the API methods undici's index puts on every dispatcher; its index loads the whole library (fetch, WebSocket, cookies, caches…): ~90 ms
 * of CPU in every thread that makes an LLM client, against ~45 ms for Pool's
 * own modules. The build points `undici` at Pool alone; an import of anything
 * else from it fails the build, naming the export.
 */
const undiciPoolOnly = {
  name: 'undici-pool-only',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: 'undici', namespace: 'undici-pool' }));
    b.onLoad({ filter: /.*/, namespace: 'undici-pool' }, () => ({
      // undici's index also gives every dispatcher its API methods (`Object.assign(Dispatcher.prototype,
      // api)`), which the shipped code calls too (pool.request: the model list, src/llm/client.ts).
      contents: [
        "import Pool from 'undici/lib/dispatcher/pool.js';",
        "import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';",
        "import api from 'undici/lib/api/index.js';",
        'Object.assign(Dispatcher.prototype, api);',
        'export { Pool };',
      ].join('\n'),
      loader: 'js',
      resolveDir: root,
    }));
  },
};

rmSync('dist', { recursive: true, force: true });
await build({
  plugins: [precompiledValidators, prereadOperators, requiredNotImported, undiciPoolOnly],
  entryPoints: ENTRIES,
  outdir: 'dist',
  chunkNames: 'chunk-[hash]',
  // Bundled CommonJS packages require() Node's built-ins; an ES module has no `require` of its own.
  banner: {
    js: "import { createRequire as __rvbbitRequire } from 'node:module'; const require = __rvbbitRequire(import.meta.url);",
  },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  external,
  sourcemap: true,
  logLevel: 'warning',
});
// Piscina's workers load this CommonJS file, which imports the pool's entry (workers/pool-boot.cjs says why).
copyFileSync('workers/pool-boot.cjs', 'dist/pool-boot.cjs');
// The examples are user code: they import 'rvbbit', which resolves to the build above.
await build({
  entryPoints: ['examples/demo.ts', 'examples/library.ts'],
  outdir: 'dist/examples',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  external: [...dependencies, 'rvbbit', 'rvbbit/*'],
  logLevel: 'warning',
});
// Comments and regular expressions above U+00FF, escaped: one such character keeps a whole module's
// source two bytes a character in every thread that loads it (scripts/narrow-sources.mjs).
for (const file of narrowBuiltSources('dist')) console.warn(`build: ${file} keeps characters above U+00FF`);
const { grammarBrowserScript, moduleLoads } = await tsImport('./playground/bundles.ts', import.meta.url);
const browserGrammar = await grammarBrowserScript();
const loads = moduleLoads(browserGrammar);
if (loads.length > 0)
  throw new Error(`dist/grammar.browser.js must load no modules, but loads: ${loads.join(', ')}`);
writeFileSync('dist/grammar.browser.js', browserGrammar);
// Declarations only, without the type check (--noCheck, TypeScript 5.5+): `npm run typecheck`
// checks every file, and `npm test` runs it (test/checks/); checking here too took 30 of this
// build's 43 s of CPU, paid again by each `npm pack` the package tests make. The declarations are
// the same either way (checked 2026-11-27: only the order of two unions' members differs).
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--noCheck']);
run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'diagrams', '--out', 'dist/grammar.html']);
