/**
 * Private folders of one engine in the system's temp folder (a SQL-defined
 * cascade's files, an in-memory database's spill folder): made with mode
 * 0700 and a name that carries the process id (`<prefix><pid>-XXXX`), removed
 * when the engine closes, and — when a crash left one behind — when the next
 * engine starts (removeOrphanedFolders); a running process's is never removed.
 */
import { type Dirent, lstatSync, mkdtempSync, opendirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every prefix an owned folder may have: the orphan scan knows them all. */
export const OWNED_FOLDER_PREFIXES = [
  'rvbbit-sql-functions-',
  'rvbbit-duckdb-temp-',
  'rvbbit-tuple-spill-',
  'rvbbit-answer-texts-',
  'rvbbit-answer-table-',
] as const;
export type OwnedFolderPrefix = (typeof OWNED_FOLDER_PREFIXES)[number];

/** An owned folder (`<tmp>/<prefix><pid>-XXXX`, mode 0700: mkdtemp's). */
export function makeOwnedFolder(prefix: OwnedFolderPrefix): string {
  return mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
}

/** An owned folder's name, and the process that made it. */
const OWNED_FOLDER = new RegExp(`^(?:${OWNED_FOLDER_PREFIXES.join('|')})(\\d+)-[A-Za-z0-9]+$`);
/** Entries of the temp folder looked at per start, and orphans removed: a huge /tmp costs a bounded scan. */
const SCAN_AT_MOST = 100_000;
const REMOVE_AT_MOST = 256;

/**
 * Removes the owned folders of `parent` (the temp folder) made in a process
 * that is gone (a crashed engine's), owned by this user; keeps every other,
 * a running process's included. Returns the removed paths.
 */
export function removeOrphanedFolders(parent: string = tmpdir()): string[] {
  return removeOrphans(parent, OWNED_FOLDER, (entry) => entry.isDirectory());
}

/**
 * Removes the entries of `parent` whose name `named` matches (its first group
 * the id of the process that made it) and `ours` accepts, made in a process
 * that is gone and owned by this user; keeps every other. Returns the removed
 * paths. A missing `parent` removes nothing.
 */
export function removeOrphans(
  parent: string,
  named: RegExp,
  ours: (entry: Dirent) => boolean = () => true,
): string[] {
  const removed: string[] = [];
  let dir: ReturnType<typeof opendirSync>;
  try {
    dir = opendirSync(parent);
  } catch {
    return removed;
  }
  try {
    for (let seen = 0; seen < SCAN_AT_MOST && removed.length < REMOVE_AT_MOST; seen++) {
      const entry = dir.readSync();
      if (entry === null) break;
      const pid = named.exec(entry.name)?.[1];
      if (pid === undefined || !ours(entry) || processAlive(Number(pid))) continue;
      const path = join(parent, entry.name);
      // Gone since the listing: another engine starting at the same time removed it, or its own
      // process closed it as it exited (a CLI run in CI failed its start on this ENOENT).
      const owner = ownerOf(path);
      if (owner === undefined) continue;
      // Only this user's: another's is not ours to judge (and its pid may be in another namespace).
      if (process.getuid !== undefined && owner !== process.getuid()) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    }
  } finally {
    dir.closeSync();
  }
  return removed;
}

/** The user id owning `path`, or undefined when it is no longer there (or cannot be read: then not ours to remove). */
function ownerOf(path: string): number | undefined {
  try {
    return lstatSync(path).uid;
  } catch {
    return undefined;
  }
}

/** Whether a process with this id runs (one of another user counts: signalling it is refused, not unknown). */
function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
