/**
 * Cascade files under the cascade roots that continue a typed path: what the
 * REPL's Tab and the language server offer inside `MAP '…'` and `RUN '…'`.
 */
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';

/**
 * Cascade files (`.yaml`, `.yml`) and folders holding one, under any root,
 * that continue `typed` (a path relative to the roots). Reads only the
 * folder being typed in, so each Tab costs a few readdirs.
 */
export function cascadePaths(roots: readonly string[], typed: string): string[] {
  const slash = typed.lastIndexOf('/');
  const dir = typed.slice(0, slash + 1);
  const base = typed.slice(slash + 1);
  if (isAbsolute(dir) || dir.split('/').includes('..')) return [];
  const out = new Set<string>();
  for (const root of roots) {
    const folder = resolve(root, dir);
    const rel = relative(root, folder);
    if (rel.startsWith('..') || isAbsolute(rel)) continue;
    for (const entry of listDir(folder)) {
      if (!entry.startsWith(base) || skipped(entry)) continue;
      const full = join(folder, entry);
      if (/\.ya?ml$/.test(entry) && kindOf(full) === 'file') out.add(dir + entry);
      else if (kindOf(full) === 'dir' && holdsYaml(full, 2)) out.add(`${dir}${entry}/`);
    }
  }
  return [...out].sort();
}

const skipped = (entry: string) => entry.startsWith('.') || entry === 'node_modules';

function holdsYaml(dir: string, depth: number): boolean {
  for (const entry of listDir(dir)) {
    if (skipped(entry)) continue;
    const full = join(dir, entry);
    if (/\.ya?ml$/.test(entry) && kindOf(full) === 'file') return true;
    if (depth > 0 && kindOf(full) === 'dir' && holdsYaml(full, depth - 1)) return true;
  }
  return false;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function kindOf(path: string): 'file' | 'dir' | undefined {
  try {
    const s = statSync(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
}
