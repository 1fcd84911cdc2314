/**
 * A database file of a statement's own, attached to the engine's database
 * for as long as the statement runs and removed after it, with a connection
 * of its own that writes it. What a statement appends there goes to disk as
 * row groups fill (a large insert in one transaction writes them out before
 * its commit), so DuckDB holds it where an in-memory or TEMP table would
 * hold every row until its memory_limit; and the session's connection stays
 * free to stream the rows it appends (a second statement on a connection
 * ends its open stream, connection-queue.ts).
 *
 * The file goes where DuckDB spills (`temp_directory`: the in-memory
 * database's private folder, `<file>.tmp` beside a database file), the one
 * folder a database closed to files (`enable_external_access = false`)
 * still lets DuckDB write; elsewhere, or where DuckDB refuses the ATTACH,
 * `open` says so with undefined and the caller takes its other path.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { BOUNDED_ROW_GROUP_ROWS } from './open-database.js';
import { removeOrphans } from './owned-folders.js';
import { quoteIdent, quoteString } from './sql-text.js';

/** A scratch file's name: `rvbbit-scratch-<pid>-<8 hex digits>.duckdb`, the pid its process's. */
const SCRATCH_PREFIX = 'rvbbit-scratch-';

/** What DuckDB puts beside a database file (its WAL and their recovery files). */
const BESIDE = ['', '.wal', '.wal.checkpoint', '.wal.recovery', '.tmp'];
/** A scratch file or what DuckDB put beside it, the first group the pid of the process that made it. */
const SCRATCH_ENTRY = new RegExp(
  `^${SCRATCH_PREFIX}(\\d+)-[0-9a-f]{8}\\.duckdb(?:${BESIDE.map((s) => s.replaceAll('.', '\\.')).join('|')})$`,
);

export class ScratchDatabase {
  private closed = false;

  private constructor(
    /** The connection that writes the scratch database (never the session's). */
    readonly con: DuckDBConnection,
    /** The attached database's name, quoted for SQL. */
    readonly catalog: string,
    /** Its name as DuckDB knows it (for an appender's catalog). */
    readonly name: string,
    private readonly path: string,
  ) {}

  /** Attaches a new scratch database, or undefined when DuckDB refuses it (a database closed to files). */
  static async open(instance: DuckDBInstance): Promise<ScratchDatabase | undefined> {
    const con = await instance.connect();
    const name = `__rvbbit_scratch_${randomBytes(4).toString('hex')}`;
    let path: string | undefined;
    try {
      const dir = await scratchFolder(con);
      mkdirSync(dir, { recursive: true });
      path = join(dir, `${SCRATCH_PREFIX}${process.pid}-${name.slice(-8)}.duckdb`);
      // Row groups of 16,384 rows, not 122,880: an open transaction holds its last row group
      // uncompressed in memory until it fills (measured at 300,000 rows of ~1 KB appended in one
      // transaction: 129 MB of DuckDB's IN_MEMORY_TABLE at the default, 29 MB at 16,384; peak RSS
      // 535 → 338 MB). The engine's own database file gets the same (open-database.ts).
      await con.run(
        `ATTACH ${quoteString(path)} AS ${quoteIdent(name)} (ROW_GROUP_SIZE ${BOUNDED_ROW_GROUP_ROWS})`,
      );
      return new ScratchDatabase(con, quoteIdent(name), name, path);
    } catch {
      con.closeSync();
      if (path) removeFiles(path);
      return undefined;
    }
  }

  /** A table of the scratch database, qualified for SQL. */
  table(table: string): string {
    return `${this.catalog}.main.${quoteIdent(table)}`;
  }

  /** Detaches the database and removes its files; idempotent, never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.con.run('ROLLBACK').catch(() => undefined);
    await this.con.run(`DETACH DATABASE IF EXISTS ${this.catalog}`).catch(() => undefined);
    this.con.closeSync();
    removeFiles(this.path);
  }
}

function removeFiles(path: string): void {
  for (const suffix of BESIDE) rmSync(`${path}${suffix}`, { recursive: true, force: true });
}

/** Where a statement's scratch file goes: DuckDB's `temp_directory` (the system's temp folder when it is empty). */
async function scratchFolder(con: DuckDBConnection): Promise<string> {
  const reader = await con.runAndReadAll(`SELECT current_setting('temp_directory') AS dir`);
  const setting = String(reader.getRowObjectsJS()[0]?.dir ?? '');
  return setting === '' ? tmpdir() : isAbsolute(setting) ? setting : join(process.cwd(), setting);
}

/**
 * Removes the scratch files a killed process left where this database's
 * statements put theirs (a kill -9 mid INSERT or COPY of a MAP runs no
 * `close`; a database file's `<file>.tmp` is not a folder the engine owns, so
 * nothing else would remove them); a running process's are kept. Returns the
 * removed paths.
 */
export async function removeOrphanedScratchFiles(con: DuckDBConnection): Promise<string[]> {
  return removeOrphans(await scratchFolder(con), SCRATCH_ENTRY);
}
