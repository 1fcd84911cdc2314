/**
 * Resolves a cascade reference ('traits/extract_brand.yaml', '.yaml'
 * optional, or a registered cascade id) inside the engine's cascade roots. A
 * path that leaves every root ('../../etc/passwd') is refused, symlinks
 * included, and "not found" names the folders searched, the nearest cascade
 * names and how to add a folder.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { RvbbitError } from '../../base/errors.js';
import { maxEdits, wordDistance } from '../../grammar/did-you-mean.js';

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
  /** Every cascade file under the roots (two levels deep), as its path in its root ('traits/extract_brand.yaml'). */
  private names: string[] = [];

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
    const near = this.nearest(ref);
    const meant = near.length > 0 ? ` — did you mean ${orList(near.map((n) => `'${n}'`))}?` : '';
    const searched =
      this.roots.length > 0
        ? `Searched the cascade folders ${this.roots.join(', ')}`
        : 'No cascade folder exists';
    throw new RvbbitError(
      'CASCADE_NOT_FOUND',
      `cascade '${ref}' not found${meant || '.'} ${searched} (a cascade is named by its path in one, '.yaml' optional);` +
        ' add a folder with --cascades DIR (or rvbbit.cascades in rvbbit.config.yaml; the library: cascadeRoots)',
      { ref, searched: tried, roots: this.roots, nearest: near },
    );
  }

  /**
   * Up to 3 cascade names nearest `ref` (extension ignored; a bare name is
   * also compared with each file's own name), within the edits a misspelling
   * may be away (grammar/did-you-mean.ts), nearest first.
   */
  private nearest(ref: string): string[] {
    this.ids();
    const want = stripYaml(ref);
    const bare = !want.includes('/');
    const scored = this.names
      .map((name) => {
        const path = stripYaml(name);
        const d = Math.min(
          wordDistance(want, path),
          bare ? wordDistance(want, stripYaml(basename(name))) : Infinity,
        );
        return { name, d };
      })
      .filter(
        ({ name, d }) => d <= maxEdits(Math.max(want.length, stripYaml(bare ? basename(name) : name).length)),
      )
      .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name));
    return [...new Set(scored.map((s) => s.name))].slice(0, 3);
  }

  /** Cascade ids from file names under the roots (two levels deep), built once. */
  private ids(): Map<string, string> {
    if (this.idIndex) return this.idIndex;
    const index = new Map<string, string>();
    const names: string[] = [];
    const walk = (root: string, dir: string, depth: number) => {
      for (const entry of safeReaddir(dir)) {
        const full = join(dir, entry);
        if (entry.startsWith('.') || entry === 'node_modules') continue;
        if (/\.ya?ml$/.test(entry)) {
          const id = entry.replace(/\.ya?ml$/, '');
          if (!index.has(id)) index.set(id, full);
          names.push(relative(root, full));
        } else if (depth > 0 && isDir(full)) walk(root, full, depth - 1);
      }
    };
    for (const root of this.roots) walk(root, root, 2);
    this.names = names;
    this.idIndex = index;
    return index;
  }
}

const stripYaml = (name: string): string => name.replace(/\.ya?ml$/i, '');

/** 'a', 'a or b', 'a, b or c'. */
const orList = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;

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
