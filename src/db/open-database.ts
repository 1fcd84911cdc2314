/**
 * Opens the engine's database. A database file is not opened as DuckDB's main
 * database but ATTACHed to an in-memory instance with row groups of
 * BOUNDED_ROW_GROUP_ROWS, the in-memory one detached, and every connection
 * made through the returned instance starts in the file (`USE`): so its
 * databases, names and files are what opening the file directly gives
 * (`<file>.tmp` its spill folder, DuckDB's default for a file).
 *
 * Why: DuckDB holds the row group a transaction is appending to uncompressed
 * in memory until it fills, and the size of a database's row groups can only
 * be given when it is attached (`ATTACH … (ROW_GROUP_SIZE n)`; no setting
 * gives it to the main database, and it is not stored in the file). At
 * DuckDB's 122,880 rows, a `CREATE TABLE … AS RVBBIT MAP` of ~1 KB rows into
 * a file held ~120 MB of its table's open group at a time (docs/performance.md,
 * issue 66, mem66d). Measured with DuckDB alone, 1,000,000 such rows appended
 * in one transaction under a 256 MB bound (bench/ctas-rowgroup.child.mjs): peak
 * RSS 564 MB and DuckDB's `IN_MEMORY_TABLE` at most 115 MB opened directly,
 * 443 MB and 50 MB attached with 16,384-row groups; the file 224 → 229 MB, a
 * later full scan and a filter no slower. Committing the table every k rows
 * instead did not help (the committed rows join the same open group) and
 * wrote the rows twice.
 *
 * Where DuckDB refuses that ATTACH (a file named like a database DuckDB
 * already has, `memory.duckdb`; a file it cannot open, whose error then comes
 * from the direct open), the file is opened directly, as before.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { quoteIdent, quoteString } from './sql-text.js';

/**
 * Rows in a row group of the engine's database file and of a statement's
 * scratch file (scratch-database.ts): a multiple of DuckDB's 2,048-row vector,
 * an eighth of its default. An open transaction holds its last group
 * uncompressed until it fills; at 8,192 the peak above was 423 MB, at 32,768
 * 461 MB, at 61,440 529 MB.
 */
export const BOUNDED_ROW_GROUP_ROWS = 16_384;

/** The database at `path` (undefined, or `inMemory`: in memory) with DuckDB's `config`. */
export async function openDatabase(
  path: string | undefined,
  inMemory: boolean,
  config: Readonly<Record<string, string>>,
): Promise<DuckDBInstance> {
  if (path === undefined || inMemory) return DuckDBInstance.create(path ?? ':memory:', { ...config });
  const attached = await attachedFile(path, config);
  return attached ?? DuckDBInstance.create(path, { ...config });
}

async function attachedFile(
  path: string,
  config: Readonly<Record<string, string>>,
): Promise<DuckDBInstance | undefined> {
  const base = await DuckDBInstance.create(':memory:', { temp_directory: `${path}.tmp`, ...config });
  const con = await base.connect();
  let name: string;
  try {
    await con.run(`ATTACH ${quoteString(path)} (ROW_GROUP_SIZE ${BOUNDED_ROW_GROUP_ROWS})`);
    const r = await con.runAndReadAll(
      `SELECT database_name AS name FROM duckdb_databases() WHERE NOT internal AND path IS NOT NULL`,
    );
    name = quoteIdent(String(r.getRowObjectsJS()[0]!.name));
    await con.run(`USE ${name}`);
    await con.run('DETACH memory');
    con.closeSync();
  } catch {
    con.closeSync();
    base.closeSync();
    return undefined;
  }
  // The instance itself, its connect() starting each connection in the file: with the
  // in-memory database detached, a connection that has not run USE can name no table.
  return Object.create(base, {
    connect: {
      value: async () => {
        const made = await base.connect();
        try {
          await made.run(`USE ${name}`);
        } catch (err) {
          made.closeSync();
          throw err;
        }
        return made;
      },
    },
  }) as DuckDBInstance;
}
