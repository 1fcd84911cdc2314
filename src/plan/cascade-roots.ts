/**
 * Where cascades are looked for, in one place (kept apart from the catalog so
 * the CLI can compute roots without loading the grammar). Two lists, because
 * the working directory is a root for `MAP 'path'` and RUN but is not searched
 * for operator files: another project's YAML lying around it must not become
 * (or break) an operator. operator-catalog.ts states the discovery rule.
 */
import { statSync } from 'node:fs';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import { packagePath, SHIPPED_CASCADES } from '../runtime/package-files.js';

export interface CascadeRoots {
  /** Where `MAP 'path'` and RUN references resolve, in order. */
  readonly paths: readonly string[];
  /** Where operator files are discovered, after the shipped `cascades/semantic/` (always searched). */
  readonly operators: readonly string[];
}

/**
 * The roots of `--cascades dir …` (or the config file's `cascades:`), the
 * CLI's and createEngine()'s default: paths resolve in those folders, then
 * the working directory, then the shipped cascades; operators are discovered
 * in those folders, then `./cascades/` if it exists.
 */
export function cascadeRootsFor(
  dirs: readonly string[] | undefined,
  cwd = process.cwd(),
  { workingDirectory = true }: { readonly workingDirectory?: boolean } = {},
): CascadeRoots {
  const configured = (dirs ?? []).map(configuredRoot);
  // A server's clients reach only what its operator configured: not the folder it was started in
  // (`RVBBIT MAP '.git/config'` would parse the repository's files), nor its ./cascades/.
  if (!workingDirectory) return { paths: [...configured, SHIPPED_CASCADES], operators: configured };
  const local = join(cwd, 'cascades');
  return {
    paths: [...configured, cwd, SHIPPED_CASCADES],
    operators: isFolder(local) ? [...configured, local] : configured,
  };
}

/** The example cascades the package ships (package.json `files`), found by this relative path. */
const SHIPPED_EXAMPLES = 'examples/cascades';

/**
 * A configured root as given, or, when it is the relative `examples/cascades`
 * and the working directory has no such folder, the package's own copy: the
 * README's `createEngine({ cascadeRoots: ['examples/cascades'] })` runs from
 * any folder, not only from a clone. A folder of that name in the working
 * directory wins.
 */
export function configuredRoot(dir: string): string {
  if (isAbsolute(dir) || isFolder(dir)) return dir;
  if (normalize(dir).replace(/[\\/]+$/, '') !== SHIPPED_EXAMPLES) return dir;
  const shipped = packagePath(SHIPPED_EXAMPLES);
  return isFolder(shipped) ? shipped : dir;
}

/** A plain list (a library's `cascadeRoots`) names folders that are both path roots and operator roots. */
export function asCascadeRoots(roots: readonly string[] | CascadeRoots): CascadeRoots {
  if (!isRootList(roots)) return roots;
  const dirs = roots.map(configuredRoot);
  return { paths: dirs, operators: dirs };
}

/** The first root that is not an existing folder, as given, or undefined when every one is. */
export function missingRoot(roots: CascadeRoots): string | undefined {
  return [...roots.operators, ...roots.paths].find((root) => !isFolder(root));
}

export function isFolder(path: string): boolean {
  try {
    return statSync(resolve(path)).isDirectory();
  } catch {
    return false;
  }
}

function isRootList(roots: readonly string[] | CascadeRoots): roots is readonly string[] {
  return Array.isArray(roots);
}
