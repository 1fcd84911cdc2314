/**
 * What lets DuckDB hold a large statement's rows without holding them in
 * memory: a memory bound the engine sets (`memory_limit`; DuckDB's own
 * default is 80% of the machine's memory, under which nothing ever spills),
 * and a folder to spill to. A database file spills beside itself
 * (`<file>.tmp`, DuckDB's default); an in-memory database would spill into
 * `.tmp` under whatever the working directory is, so the engine gives it a
 * private folder of its own (db/owned-folders.ts), removed when it closes.
 */
import { rmSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { RvbbitError } from '../../base/errors.js';
import { makeOwnedFolder } from './owned-folders.js';
import { quoteString } from './sql-text.js';

/**
 * DuckDB's memory_limit unless the engine is told another (EngineOptions.memoryLimit):
 * what a million-row MAP written to a table holds in DuckDB (its input, its answers, the
 * sort into input order) spills past it. 128 MB ran out of memory sorting 200k 1 KB rows
 * into a table (DuckDB keeps insertion order); 256 MB did not, but under 256 MB one large
 * value (a 600 MB string a statement builds) fails as DuckDB's out-of-memory before the
 * engine's own bound can name it: 1 GB keeps both, and still spills where DuckDB's own
 * default (80% of the machine) never does.
 */
export const DEFAULT_MEMORY_LIMIT = '1GB';

/**
 * How much freed memory DuckDB's allocator may keep for reuse before it gives
 * it back to the system, and a thread of its own that gives it back: DuckDB's
 * defaults keep 128 MiB (512 MiB after a bulk free), which counted in the
 * process's RSS as if held. A 100,000-row `CREATE TABLE … AS RVBBIT MAP` into a
 * database file (bench/paths-breakdown.child.mjs, ~1 KB rows) peaked at 630 MB
 * RSS with them and 516 MB with these, DuckDB's buffers at the same 224–229 MB.
 */
export const ALLOCATOR_SETTINGS: Readonly<Record<string, string | boolean>> = {
  allocator_flush_threshold: '8MB',
  allocator_bulk_deallocation_flush_threshold: '8MB',
  allocator_background_threads: true,
};

/** How an unreadable memory bound's error names it (the CLI renames it to its flag or config key). */
export const MEMORY_LIMIT_OPTION = 'options.memoryLimit';

export interface DatabaseSpill {
  /** The DuckDB settings the database opens with (the spill folder: set before anything spills). */
  readonly config: Readonly<Record<string, string>>;
  /**
   * Sets the memory bound (and ALLOCATOR_SETTINGS) on the database's first connection: set so, a value
   * DuckDB cannot read is DuckDB's own message ("Unknown unit…"), where a
   * config given at open says only "Failed to set config".
   */
  bound(con: DuckDBConnection): Promise<void>;
  /** The in-memory database's spill folder (undefined for a file's: DuckDB's `<file>.tmp`). */
  readonly tempDirectory: string | undefined;
  /** Removes the spill folder the engine made; after the database closed. */
  close(): void;
}

export function databaseSpill(inMemory: boolean, memoryLimit: string = DEFAULT_MEMORY_LIMIT): DatabaseSpill {
  const tempDirectory = inMemory ? makeOwnedFolder('rvbbit-duckdb-temp-') : undefined;
  return {
    config: tempDirectory ? { temp_directory: tempDirectory } : {},
    tempDirectory,
    async bound(con) {
      for (const [name, value] of Object.entries(ALLOCATOR_SETTINGS))
        await con.run(`SET GLOBAL ${name} = ${typeof value === 'string' ? quoteString(value) : value}`);
      try {
        await con.run(`SET GLOBAL memory_limit = ${quoteString(memoryLimit)}`);
      } catch (err) {
        throw new RvbbitError(
          'ENGINE_OPTION',
          `${MEMORY_LIMIT_OPTION}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    },
    close() {
      if (tempDirectory) rmSync(tempDirectory, { recursive: true, force: true });
    },
  };
}
