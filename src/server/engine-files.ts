/**
 * The files a served engine owns, and whether a path a client wrote names one.
 *
 * Owned: each attached database file with everything DuckDB and rvbbit keep
 * beside it under its name (`x.duckdb.wal`, `.wal.checkpoint`,
 * `.wal.recovery`, `.tmp/`, the answer log `.answers` and `.answers.next`), the private logs
 * database `x.rvbbit-logs.duckdb` and its own, and DuckDB's temp directory.
 *
 * Why the engine cannot leave this to DuckDB: with `enable_external_access =
 * false` DuckDB adds every attached database file and its WAL files to
 * `allowed_paths` (and the temp directory to `allowed_directories`), because
 * its own storage opens them through the same check as a client's
 * `read_blob` or `COPY … TO`; the list cannot be changed once access is off
 * (DuckDB 1.5, src/main/settings/custom_settings.cpp). So a client could read
 * the raw file or overwrite it. engine-file-guard.ts refuses those statements.
 *
 * A path names an owned file however it is spelled: relative, `~`, `file:`
 * URLs, `..`, `.`, `//`, symlinks, `/proc/self/fd/N`, `/dev/fd/N` all resolve
 * the way DuckDB canonicalises paths (realpath of the longest existing prefix,
 * then the rest), and an existing file is also compared by device and inode.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute } from 'node:path';
import { RvbbitError } from '../../base/errors.js';
import { privateLogFile } from '../obs/private-logs.js';

export interface EngineFiles {
  /** Canonical paths that, with every `<path>.<suffix>` beside them, the engine owns. */
  readonly roots: readonly string[];
  /** Canonical directories the engine owns with all they hold (temp directories). */
  readonly dirs: readonly string[];
  /** The databases attached when the server started (lower case): none may be detached. */
  readonly databases: ReadonlySet<string>;
  /** How DuckDB resolves a relative path, `~` and `file_search_path`. */
  readonly cwd: string;
  readonly home: string;
  readonly searchPaths: readonly string[];
}

/** Reads what the engine's database owns (before its files are closed: the settings are still readable). */
export async function findEngineFiles(
  rows: (sql: string) => Promise<readonly Record<string, unknown>[]>,
): Promise<EngineFiles> {
  const cwd = realpathSync.native(process.cwd());
  const dbs = await rows(`SELECT database_name AS name, path FROM duckdb_databases() WHERE NOT internal`);
  const [settings] = await rows(
    `SELECT current_setting('temp_directory') AS temp, current_setting('home_directory') AS home,
            current_setting('file_search_path') AS search`,
  );
  const home = String(settings?.home ?? '') || process.env.HOME || homedir();
  const absolute = (p: string) => (isAbsolute(p) ? p : `${cwd}/${p}`);
  const roots = new Set<string>();
  const addRoot = (p: string) => {
    const abs = absolute(p);
    // The file itself and the name beside which DuckDB puts its WAL (they differ when the file is a symlink).
    roots.add(canonicalPath(abs));
    roots.add(`${canonicalPath(dirname(abs))}/${basename(abs)}`.replace(/^\/\//, '/'));
  };
  for (const db of dbs) {
    const path = db.path === null ? '' : String(db.path);
    if (path === '' || path.startsWith(':memory:')) continue;
    addRoot(path);
    const logs = privateLogFile(path);
    if (logs !== null) addRoot(logs);
  }
  const temp = String(settings?.temp ?? '');
  return {
    roots: [...roots],
    dirs: temp === '' ? [] : [canonicalPath(absolute(temp))],
    databases: new Set(dbs.map((d) => String(d.name).toLowerCase())),
    cwd,
    home,
    searchPaths: String(settings?.search ?? '')
      .split(/[,;]/)
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(absolute),
  };
}

/** What DuckDB and rvbbit keep beside a database file: `.wal*`, `.tmp/`, `.answers*`. */
const OWNED_BESIDE = /^\.(wal|tmp|answers)(\.|\/|$)/;

/** The owned file or directory `path` (as a client wrote it) names, if any. */
export function engineFileOf(path: string, files: EngineFiles, identities?: Identities): string | undefined {
  for (const abs of candidates(path, files)) {
    const real = canonicalPath(abs, identities?.known);
    for (const root of files.roots)
      if (real === root || (OWNED_BESIDE.test(real.slice(root.length)) && real.startsWith(root))) return root;
    for (const dir of files.dirs) if (real === dir || real.startsWith(`${dir}/`)) return dir;
    if (identities && identities.known.get(abs) !== undefined) {
      const id = identityOf(abs);
      const owned = id === undefined ? undefined : identities.get().get(id);
      if (owned !== undefined) return owned;
    }
  }
  return undefined;
}

/**
 * The owned file that `path` holds when it names a folder the engine's files
 * sit in, or one above it: a write there (`COPY … TO dir (PARTITION_BY …,
 * OVERWRITE)` empties the folder first) would delete them.
 */
export function folderOfEngineFiles(path: string, files: EngineFiles): string | undefined {
  for (const abs of candidates(path, files)) {
    const real = canonicalPath(abs).replace(/\/+$/, '');
    const holds = (p: string) => real === '' || p.startsWith(`${real}/`);
    const owned = files.roots.find(holds) ?? files.dirs.find(holds);
    if (owned !== undefined) return owned;
  }
  return undefined;
}

/** Whether DuckDB reads `path` as a glob pattern (`*`, `?`, `[…]`) rather than one file. */
export const isGlobPattern = (path: string) => /[*?[]/.test(path);

/**
 * Device and inode of every owned file that exists, read once per statement
 * checked (a hard link has no name in common with its file).
 */
export class Identities {
  private map: Map<string, string> | undefined;
  /** Realpaths already asked for during this statement's check. */
  readonly known = new Map<string, string | undefined>();
  constructor(private readonly files: EngineFiles) {}
  get(): Map<string, string> {
    if (this.map) return this.map;
    this.map = new Map();
    for (const root of this.files.roots) {
      const dir = dirname(root);
      const name = basename(root);
      let entries: string[] = [];
      try {
        entries = readdirSync(dir).filter(
          (e) => e === name || (e.startsWith(name) && OWNED_BESIDE.test(e.slice(name.length))),
        );
      } catch {
        continue;
      }
      for (const e of entries) {
        const id = identityOf(`${dir}/${e}`);
        if (id !== undefined) this.map.set(id, root);
      }
    }
    return this.map;
  }
}

function identityOf(path: string): string | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return s.isFile() ? `${s.dev}:${s.ino}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The absolute paths DuckDB may open for `path`: `~` and `file:` URLs
 * expanded (FileSystem::ExpandPath), a relative path against the working
 * directory and each `file_search_path` folder. Nothing past PATH_MAX: the
 * OS opens no such path.
 */
export function candidates(path: string, files: EngineFiles): string[] {
  // The OS reads a path up to its first NUL.
  const p = path.split('\0')[0] ?? '';
  if (p === '') return [];
  const expanded = [p];
  // ATTACH 'duckdb:x', 'sqlite:x', …: DuckDB strips a storage type's prefix before opening the path.
  const typed = STORAGE_PREFIX.exec(p);
  if (typed) expanded.push(p.slice(typed[0].length));
  for (const e of [...expanded]) {
    if (e.startsWith('~')) expanded.push(files.home + e.slice(1));
    const url = fileUrlOffset(e);
    if (url > 0) expanded.push(e.slice(url));
  }
  const out: string[] = [];
  for (const e of expanded) {
    if (isAbsolute(e)) out.push(e);
    else for (const base of [files.cwd, ...files.searchPaths]) out.push(`${base}/${e}`);
  }
  return out.filter((c) => Buffer.byteLength(c) < 4096);
}

/**
 * `type:` before a path, as ATTACH reads it (DuckDB's DBPathAndType: a name
 * of letters, digits and `_` ending at the first `:`). `file:` is a URL,
 * expanded by fileUrlOffset; a remote scheme (`s3://`) is no local file.
 */
const STORAGE_PREFIX = /^(?!file:)[A-Za-z_][A-Za-z0-9_]*:(?!\/\/)/;

/** DuckDB's GetFileUrlOffset (POSIX): `file:/x`, `file:///x`, `file://localhost/x`. */
function fileUrlOffset(p: string): number {
  if (!p.startsWith('file:/')) return 0;
  if (p[6] !== '/') return 5;
  if (p[7] === '/') return 7;
  if (p.startsWith('localhost/', 7)) return 16;
  return 0;
}

/**
 * DuckDB's LocalFileSystem::CanonicalizePath for an absolute path: the
 * realpath of the longest prefix that exists (symlinks, `/proc/self/fd/N`
 * resolved), then the rest with `.` and `..` applied and empty parts dropped.
 */
function canonicalPath(abs: string, known: Map<string, string | undefined> = new Map()): string {
  let current = abs;
  const rest: string[] = [];
  let up = 0;
  for (;;) {
    if (up === 0) {
      const real = realOf(current === '' ? '/' : current, known);
      if (real !== undefined) {
        if (rest.length === 0) return real;
        return `${real.endsWith('/') ? real : `${real}/`}${rest.join('/')}`;
      }
    }
    if (current === '') break;
    const k = current.lastIndexOf('/');
    const part = current.slice(k + 1);
    if (part === '..') up++;
    else if (part !== '' && part !== '.') {
      if (up > 0) up--;
      else rest.unshift(part);
    }
    current = k < 0 ? '' : current.slice(0, k);
  }
  return `/${rest.join('/')}`;
}

/** realpath, or undefined if `path` does not exist (asked without an exception where possible: they are slow). */
function realOf(path: string, known: Map<string, string | undefined>): string | undefined {
  if (known.has(path)) return known.get(path);
  let real: string | undefined;
  try {
    if (statSync(path, { throwIfNoEntry: false }) !== undefined) real = realpathSync.native(path);
  } catch {
    // Not a directory on the way, a loop, no permission: DuckDB's realpath fails the same way.
  }
  known.set(path, real);
  return real;
}

/**
 * Refuses folders a server may not open to clients: one holding the
 * database's files (its WAL, answer log and private logs sit beside it, and
 * DuckDB would serve the logs file to any client through the folder), or
 * /proc, /sys, /dev (the process's memory, environment and open files).
 */
export function vetAllowedFolders(folders: readonly string[], files: EngineFiles): void {
  for (const folder of folders) {
    const real = canonicalPath(isAbsolute(folder) ? folder : `${files.cwd}/${folder}`).replace(/\/+$/, '');
    const within = (p: string) => real === '' || p === real || p.startsWith(`${real}/`);
    const owned = files.roots.find((r) => within(dirname(r)));
    if (owned !== undefined) {
      throw new RvbbitError(
        'SERVER_OPTION',
        `allowFiles: ${folder} holds the server's database files (${basename(owned)} and the WAL, logs and answer files beside it), which clients must not reach; open a folder that does not hold the database`,
      );
    }
    const system = ['/proc', '/sys', '/dev'].find((s) => within(s) || s === real || real.startsWith(`${s}/`));
    if (system !== undefined) {
      throw new RvbbitError(
        'SERVER_OPTION',
        `allowFiles: ${folder} opens ${system} (the server process's memory, environment and open files) to clients`,
      );
    }
  }
}
