/**
 * Resolves a cascade reference ('traits/extract_brand.yaml', '.yaml'
 * optional, or a registered cascade id) inside the engine's cascade roots. A
 * path that leaves every root ('../../etc/passwd') is refused, symlinks
 * included, and "not found" lists every path that was tried.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { RvbbitError } from '../../base/errors.js';

const EXTENSIONS = ['', '.yaml', '.yml'];

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export class CascadeResolver {
  /** The roots that exist, as real paths, in resolution order (the REPL completes paths under them). */
  readonly roots: readonly string[];
  private idIndex: Map<string, string> | undefined;

  constructor(roots: readonly string[]) {
    this.roots = roots.filter((r) => existsSync(r)).map((r) => realpathSync(resolve(r)));
  }

  /** Registers cascades by id (the engine's shipped semantic cascades, say). */
  register(id: string, path: string): void {
    this.ids().set(id, path);
  }

  resolve(ref: string): string {
    const tried: string[] = [];
    let escaped = false;
    for (const root of this.roots) {
      for (const ext of EXTENSIONS) {
        const candidate = resolve(root, ref + ext);
        if (!inside(root, candidate)) {
          escaped = true;
          continue;
        }
        tried.push(candidate);
        if (!isFile(candidate)) continue;
        const real = realpathSync(candidate);
        if (!inside(root, real)) {
          escaped = true;
          continue;
        }
        return real;
      }
    }
    if (escaped) {
      throw new RvbbitError(
        'CASCADE_OUTSIDE_ROOTS',
        `cascade '${ref}' resolves outside the cascade roots (${this.roots.join(', ')})`,
        { ref, roots: this.roots },
      );
    }
    const byId = this.ids().get(ref);
    if (byId) return byId;
    throw new RvbbitError('CASCADE_NOT_FOUND', `cascade '${ref}' not found; searched: ${tried.join(', ')}`, {
      ref,
      searched: tried,
    });
  }

  /** Cascade ids from file names under the roots (two levels deep), built once. */
  private ids(): Map<string, string> {
    if (this.idIndex) return this.idIndex;
    const index = new Map<string, string>();
    const walk = (dir: string, depth: number) => {
      for (const entry of safeReaddir(dir)) {
        const full = join(dir, entry);
        if (entry.startsWith('.') || entry === 'node_modules') continue;
        if (/\.ya?ml$/.test(entry)) {
          const id = entry.replace(/\.ya?ml$/, '');
          if (!index.has(id)) index.set(id, full);
        } else if (depth > 0 && isDir(full)) walk(full, depth - 1);
      }
    };
    for (const root of this.roots) walk(root, 2);
    this.idIndex = index;
    return index;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
