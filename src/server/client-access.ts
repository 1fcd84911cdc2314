/**
 * What a server client may do beyond its own session: by default it reaches
 * no file on the server (DuckDB's `enable_external_access = false`, with
 * `allowed_directories` for the folders the operator opens) and changes no
 * setting that every session shares (threads, memory_limit, …). The embedded
 * library and the local CLI are the user's own process and keep full access.
 *
 * DuckDB's file lockdown is database-wide and cannot be undone while the
 * database runs (DuckDB refuses `SET enable_external_access = true` and any
 * change of allowed_directories after it), so it holds for every session of
 * the engine, in-process ones included. `lock_configuration` is not used: it
 * also locks session-local settings the engine sets on each new session.
 *
 * DuckDB keeps the database file, its WAL files and its temp directory open
 * to every connection even then (its storage opens them through the same
 * check), so the sessions the engine opens from now on are guarded
 * (engine-file-guard.ts), and a folder opened to clients may not hold the
 * database's files (engine-files.ts).
 * @see https://duckdb.org/docs/stable/operations_manual/securing_duckdb/overview
 */

import { RvbbitError } from '../../base/errors.js';
import { withoutLeadingComments } from '../../grammar/sql-scan.js';
import type { Engine } from '../engine/engine.js';
import { type EngineFileGuard, engineFileGuard } from './engine-file-guard.js';
import { type EngineFiles, findEngineFiles, vetAllowedFolders } from './engine-files.js';

type FileAccess = readonly string[] | 'all';

/** The names of the settings DuckDB shares between all sessions (scope GLOBAL). */
export type SharedSettings = ReadonlySet<string>;

/**
 * Closes the engine's database to files (but `allowFiles`); returns the shared
 * settings' names and the guard of the engine's own files, which the server
 * puts in front of each client's connection.
 */
export async function closeFilesToClients(
  engine: Engine,
  allowFiles: FileAccess,
): Promise<{ shared: SharedSettings; fileGuard: EngineFileGuard }> {
  const session = await engine.session();
  let files: EngineFiles;
  let shared: SharedSettings;
  const rows = async (sql: string) => (await session.connection.read(sql)).rows;
  try {
    files = await findEngineFiles(rows);
    if (allowFiles !== 'all') {
      vetAllowedFolders(allowFiles, files);
      const [open] = await rows(`SELECT current_setting('enable_external_access') AS open`);
      // Already closed (a second server on this engine): DuckDB keeps the first folders.
      if (open?.open === true) {
        if (allowFiles.length > 0) {
          // DuckDB matches folders by prefix: a trailing slash keeps /data from opening /data2.
          const dirs = allowFiles.map((d) => `'${(d.endsWith('/') ? d : `${d}/`).replaceAll("'", "''")}'`);
          await session.connection.run(`SET allowed_directories = [${dirs.join(', ')}]`);
        }
        await session.connection.run('SET enable_external_access = false');
      }
    }
    const settings = await rows(`SELECT name FROM duckdb_settings() WHERE scope = 'GLOBAL'`);
    shared = new Set(settings.map((r) => String(r.name).toLowerCase()));
  } finally {
    session.close();
  }
  return { shared, fileGuard: await engineFileGuard(engine, files) };
}

/** The setting a `SET`, `RESET` or `PRAGMA` names (lower case); undefined for any other statement. */
export function settingNamed(sql: string): string | undefined {
  const text = withoutLeadingComments(sql);
  const m = /^\s*(?:SET|RESET|PRAGMA)\s+(?:(?:GLOBAL|SESSION|LOCAL)\s+)?"?([A-Za-z_]\w*)"?/i.exec(text);
  return m?.[1]?.toLowerCase();
}

/**
 * Refuses `SET`, `RESET` and `PRAGMA` of a setting all sessions share: one
 * client must not change threads, memory or access for the others. Postgres
 * answers "permission denied to set parameter" (42501) the same way.
 */
export function refuseSharedSetting(sql: string, shared: SharedSettings): void {
  const name = settingNamed(sql);
  if (name === undefined || !shared.has(name)) return;
  throw new RvbbitError(
    'SETTING_NOT_ALLOWED',
    `permission denied to set parameter "${name}": every session of the server shares it (set it when the engine is created)`,
  );
}
