/**
 * Where cascade paths resolve, in one place (kept apart from the catalog so
 * the CLI can compute roots without loading the grammar).
 */
import { SHIPPED_CASCADES } from '../package-files.js';

/**
 * The cascade roots of `--cascades dir …` (or the config file's `cascades:`):
 * those folders first, then the working directory, then the shipped cascades.
 */
export function cascadeRootsFor(dirs: readonly string[] | undefined, cwd = process.cwd()): string[] {
  return [...(dirs ?? []), cwd, SHIPPED_CASCADES];
}
