/**
 * Where this package's own files are, for both ways it runs:
 * - from source (tests, `npm run` scripts): `.ts` modules through tsx, at
 *   `<root>/src`, `<root>/workers`, …;
 * - built (what users install): esbuild's bundle, every entry and chunk flat
 *   in `<root>/dist/`.
 * From source this module sits two levels below the root (src/runtime/);
 * bundled, one (dist/). Shipped data (cascades/) stays at the root in both.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RUNS_FROM_SOURCE = import.meta.url.endsWith('.ts');

const PACKAGE_ROOT = new URL(RUNS_FROM_SOURCE ? '../../' : '../', import.meta.url);

/** The shipped cascades (semantic operators, examples' traits are elsewhere). */
export const SHIPPED_CASCADES = packagePath('cascades/');

/** A file shipped at the package root, e.g. `packagePath('cascades/')`. */
export function packagePath(relative: string): string {
  return fileURLToPath(new URL(relative, PACKAGE_ROOT));
}

/**
 * Whether an entry module runs built: always in the build; from source too when
 * RVBBIT_ENTRIES=dist and the build has that entry. The test runner
 * (scripts/run-tests.mjs) sets it when dist/ is newer than every source: the
 * tests import the sources, but a thread or process started through tsx costs
 * about a second more CPU, and the suite starts hundreds. An entry the build
 * does not make (a test's own thread) still runs from source.
 */
function runsBuilt(sourcePath: string): boolean {
  return !RUNS_FROM_SOURCE || (process.env.RVBBIT_ENTRIES === 'dist' && existsSync(builtEntry(sourcePath)));
}

/** The build's entry for a source entry (scripts/build.mjs names every entry after its source file). */
function builtEntry(sourcePath: string): URL {
  const name = sourcePath.slice(sourcePath.lastIndexOf('/') + 1).replace(/\.ts$/, '.js');
  return new URL(`dist/${name}`, PACKAGE_ROOT);
}

/**
 * A module that runs on its own (a worker thread's or child process's entry):
 * its source file, or the bundle's entry of the same name.
 */
export function entryModule(sourcePath: string): URL {
  return runsBuilt(sourcePath) ? builtEntry(sourcePath) : new URL(sourcePath, PACKAGE_ROOT);
}

/**
 * The CommonJS file Piscina's workers load, which imports the pool's entry
 * (workers/pool-boot.cjs): the build copies it into dist/.
 */
export function poolBootFile(): string {
  return packagePath(RUNS_FROM_SOURCE ? 'workers/pool-boot.cjs' : 'dist/pool-boot.cjs');
}

/** Node flags the thread or process of an entry module needs (loaderFlags when it runs from TypeScript source). */
export function entryLoaderFlags(sourcePath: string): string[] {
  return runsBuilt(sourcePath) || !sourcePath.endsWith('.ts') ? [] : loaderFlags();
}

/**
 * The whole execArgv of a worker thread on an entry module: what it needs to load, and the
 * process's profiling flags. Never the rest of the process's own: a thread inherits them by
 * default, and some stop it starting (a service run as `node --input-type=module -e …` started
 * no thread: "--input-type can only be used with string input").
 */
export function entryThreadFlags(sourcePath: string): string[] {
  return [...entryLoaderFlags(sourcePath), ...profilingFlags(process.execArgv)];
}

/** The --cpu-prof flags that take a value, which node also reads from the next argument. */
const CPU_PROF_VALUED = new Set(['--cpu-prof-dir', '--cpu-prof-name', '--cpu-prof-interval']);

/**
 * Profiling flags given to the process (--cpu-prof…), each with its value, so that its threads
 * are profiled too: `--cpu-prof-interval 200` passed on without its `200` stopped every worker.
 */
export function profilingFlags(execArgv: readonly string[]): string[] {
  const flags: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (!arg.startsWith('--cpu-prof')) continue;
    flags.push(arg);
    if (CPU_PROF_VALUED.has(arg) && i + 1 < execArgv.length) flags.push(execArgv[++i]!);
  }
  return flags;
}

/**
 * Node flags a thread or process needs to run an entry module: tsx from
 * source (resolved from this package, never from the working directory),
 * nothing when built.
 */
export function loaderFlags(): string[] {
  return RUNS_FROM_SOURCE ? ['--import', import.meta.resolve('tsx')] : [];
}
