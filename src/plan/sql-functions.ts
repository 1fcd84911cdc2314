/**
 * Semantic functions defined in SQL (CREATE SEMANTIC FUNCTION), stored in the
 * database: `rvbbit.semantic_functions`, one row per function, so they
 * persist with a file database and every session of the engine sees them.
 *
 * Each function's cascade text is also written, once per content, to a
 * private folder of the engine (`<tmp>/rvbbit-sql-functions-XXXX/<hash>/<name>.yaml`,
 * mode 0700), from which it runs exactly as an operator file does: worker
 * threads load it by path and content hash, and the queue runner sends its
 * text to `rvbbit worker` hosts with each job (scale/queue-runner.ts reads
 * the text by path). A replaced definition is a new folder, so a thread that
 * loaded the old one never runs it for the new one. The folder is removed
 * when the engine closes; its name carries the process id
 * (`rvbbit-sql-functions-<pid>-XXXX`), so one a crashed process left behind
 * is removed when the next engine starts (db/owned-folders.ts), and a
 * running process's never is.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { RvbbitError } from '../../base/errors.js';
import type { SqlFunction } from '../cascade/cascade-types.js';
import { makeOwnedFolder } from '../db/owned-folders.js';
import { readOperatorFile } from './operator-file.js';

/** One row of rvbbit.semantic_functions. */
export interface StoredSqlFunction {
  readonly name: string;
  readonly args: string;
  readonly returns: string;
  readonly operator: string | null;
  readonly shape: string;
  /** JSON of the WITH (…) options. */
  readonly options: string;
  readonly cascadeYaml: string;
  readonly contentHash: string;
  readonly definition: string;
  /** 1 when created, +1 at each OR REPLACE. */
  readonly version: number;
}

export const SQL_FUNCTIONS_TABLE = 'rvbbit.semantic_functions';

const TABLE_SQL = `
CREATE TABLE IF NOT EXISTS ${SQL_FUNCTIONS_TABLE} (
  name VARCHAR PRIMARY KEY, args VARCHAR, "returns" VARCHAR, operator VARCHAR, shape VARCHAR,
  options JSON, cascade_yaml VARCHAR, content_hash VARCHAR, definition VARCHAR,
  version INTEGER, created_at TIMESTAMP, replaced_at TIMESTAMP
)`;

const COLUMNS =
  'name, args, "returns", operator, shape, CAST(options AS VARCHAR) AS options, cascade_yaml, content_hash, definition, version';

export async function ensureSqlFunctionTable(con: DuckDBConnection): Promise<void> {
  await con.run(TABLE_SQL);
}

export async function readSqlFunctions(con: DuckDBConnection): Promise<StoredSqlFunction[]> {
  const reader = await con.runAndReadAll(`SELECT ${COLUMNS} FROM ${SQL_FUNCTIONS_TABLE} ORDER BY name`);
  return reader.getRowObjectsJS().map((r) => ({
    name: String(r['name']),
    args: String(r['args'] ?? ''),
    returns: String(r['returns'] ?? ''),
    operator: r['operator'] === null ? null : String(r['operator']),
    shape: String(r['shape'] ?? 'scalar'),
    options: String(r['options'] ?? '{}'),
    cascadeYaml: String(r['cascade_yaml'] ?? ''),
    contentHash: String(r['content_hash'] ?? ''),
    definition: String(r['definition'] ?? ''),
    version: Number(r['version'] ?? 1),
  }));
}

/** Inserts or replaces one function's row; returns its version. */
export async function writeSqlFunction(
  con: DuckDBConnection,
  fn: Omit<StoredSqlFunction, 'version'>,
): Promise<number> {
  const prev = await con.runAndReadAll(`SELECT version FROM ${SQL_FUNCTIONS_TABLE} WHERE name = $1`, [
    fn.name,
  ]);
  const was = prev.getRowObjectsJS()[0];
  const values = [
    fn.name,
    fn.args,
    fn.returns,
    fn.operator,
    fn.shape,
    fn.options,
    fn.cascadeYaml,
    fn.contentHash,
    fn.definition,
  ];
  if (was === undefined) {
    await con.run(
      `INSERT INTO ${SQL_FUNCTIONS_TABLE} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, now()::TIMESTAMP, NULL)`,
      values,
    );
    return 1;
  }
  const version = Number(was['version']) + 1;
  await con.run(
    `UPDATE ${SQL_FUNCTIONS_TABLE} SET args = $2, "returns" = $3, operator = $4, shape = $5, options = $6,
       cascade_yaml = $7, content_hash = $8, definition = $9, version = $10, replaced_at = now()::TIMESTAMP
     WHERE name = $1`,
    [...values, version],
  );
  return version;
}

/** Deletes one function's row; false when there was none. */
export async function deleteSqlFunction(con: DuckDBConnection, name: string): Promise<boolean> {
  const out = await con.runAndReadAll(`DELETE FROM ${SQL_FUNCTIONS_TABLE} WHERE name = $1 RETURNING name`, [
    name,
  ]);
  return out.getRowObjectsJS().length > 0;
}

/** The engine's folder of SQL-defined cascades: each text written once per content. */
export class SqlFunctionFiles {
  private dir: string | undefined;

  /** The folder (made on first use), so error paths can be shown relative to it. */
  get folder(): string {
    this.dir ??= makeOwnedFolder('rvbbit-sql-functions-');
    return this.dir;
  }

  /** The file holding `yaml`, written now, and its sql_function as an operator file's is read. */
  write(name: string, yaml: string, contentHash: string): { file: string; sql: SqlFunction } {
    const placed = this.place(name, yaml, contentHash);
    placed.writeFile();
    return { file: placed.file, sql: placed.sql };
  }

  /**
   * Where the file holding `yaml` goes, and its sql_function as an operator file's is read; the
   * file is written by `writeFile` (once, however often it is called). An engine's start places
   * every stored function and writes a file only when a statement first runs its function
   * (LazyCascade.load): a folder and a file per function were ~1.6 of the ~3 s of CPU an engine
   * took to open a database holding 1,000 functions.
   */
  place(
    name: string,
    yaml: string,
    contentHash: string,
  ): { file: string; sql: SqlFunction; writeFile: () => void } {
    const dir = join(this.folder, contentHash.slice(0, 16));
    const file = join(dir, `${name}.yaml`);
    const read = readOperatorFile(file, yaml);
    if (!read) throw new RvbbitError('ENGINE_ERROR', `${name}: its stored cascade has no sql_function`);
    let written = false;
    const writeFile = () => {
      if (written) return;
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(file, yaml, { mode: 0o600 });
      written = true;
    };
    return { file, sql: read.sql, writeFile };
  }

  close(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

export const FUNCTIONS_LISTING = 'rvbbit.functions';

/** One row of rvbbit.functions: every operator the engine has now, wherever it is defined. */
export interface FunctionListing {
  readonly name: string;
  /** `shipped` (rvbbit's cascades), `file` (an operator root's), `sql` (CREATE SEMANTIC FUNCTION), `builtin` (no cascade). */
  readonly source: 'shipped' | 'file' | 'sql' | 'builtin';
  readonly shape: string;
  readonly args: string;
  readonly returns: string;
  /** The infix forms (`text MEANS criterion`). */
  readonly operators: readonly string[];
  /** The names it is called by (`MEANS(…)`, `LLM_SUMMARIZE(…)`). */
  readonly calls: readonly string[];
  /** The cascade file, null for one defined in SQL. */
  readonly file: string | null;
  readonly description: string | null;
}

/**
 * Rewrites rvbbit.functions to `rows`, at engine start, so
 * `SELECT * FROM rvbbit.functions` lists what the next statement can call (a
 * table, not a view: the catalog lives in the engine, not in DuckDB).
 */
export async function writeFunctionListing(
  con: DuckDBConnection,
  rows: readonly FunctionListing[],
): Promise<void> {
  await con.run(`CREATE TABLE IF NOT EXISTS ${FUNCTIONS_LISTING} (
    name VARCHAR, source VARCHAR, shape VARCHAR, args VARCHAR, "returns" VARCHAR,
    operators VARCHAR[], calls VARCHAR[], file VARCHAR, description VARCHAR)`);
  await inTransaction(con, async () => {
    await con.run(`DELETE FROM ${FUNCTIONS_LISTING}`);
    // One statement for the whole listing, not one INSERT per row: every engine start writes it
    // (~60 rows with the shipped operators alone; one per stored function on top), and the
    // INSERTs, each prepared and run on its own, were ~12% of a start's CPU.
    if (rows.length > 0) await con.run(INSERT_LISTING_JSON, [JSON.stringify(rows.map(listingValues))]);
  });
}

/** rvbbit.functions' columns and types, as from_json reads a row of them. */
const LISTING_SHAPE = JSON.stringify([
  {
    name: 'VARCHAR',
    source: 'VARCHAR',
    shape: 'VARCHAR',
    args: 'VARCHAR',
    returns: 'VARCHAR',
    operators: 'VARCHAR[]',
    calls: 'VARCHAR[]',
    file: 'VARCHAR',
    description: 'VARCHAR',
  },
]);

/** Inserts the rows of a JSON array of listings ($1), in its order. */
const INSERT_LISTING_JSON = `INSERT INTO ${FUNCTIONS_LISTING}
  SELECT r.name, r.source, r.shape, r.args, r."returns", r.operators, r.calls, r.file, r.description
  FROM (SELECT unnest(from_json($1::JSON, '${LISTING_SHAPE}')) AS r)`;

/** A listing's columns, in rvbbit.functions' order (the JSON of one row of INSERT_LISTING_JSON). */
function listingValues(r: FunctionListing): FunctionListing {
  return {
    name: r.name,
    source: r.source,
    shape: r.shape,
    args: r.args,
    returns: r.returns,
    operators: r.operators,
    calls: r.calls,
    file: r.file,
    description: r.description,
  };
}

/**
 * Replaces one function's row of rvbbit.functions (none: `row` undefined),
 * after CREATE or DROP SEMANTIC FUNCTION. One row, not the whole listing: a
 * CREATE that rewrote every row cost time growing with the functions that
 * exist (1,371 CREATEs took 900 s, each slower than the last).
 */
export async function writeFunctionListingRow(
  con: DuckDBConnection,
  name: string,
  row: FunctionListing | undefined,
): Promise<void> {
  await inTransaction(con, async () => {
    await con.run(`DELETE FROM ${FUNCTIONS_LISTING} WHERE name = $1`, [name]);
    if (row) await insertListing(con, row);
  });
}

async function insertListing(con: DuckDBConnection, r: FunctionListing): Promise<void> {
  await con.run(
    `INSERT INTO ${FUNCTIONS_LISTING} VALUES ($1, $2, $3, $4, $5, $6::JSON::VARCHAR[], $7::JSON::VARCHAR[], $8, $9)`,
    [
      r.name,
      r.source,
      r.shape,
      r.args,
      r.returns,
      JSON.stringify(r.operators),
      JSON.stringify(r.calls),
      r.file,
      r.description,
    ],
  );
}

async function inTransaction(con: DuckDBConnection, body: () => Promise<void>): Promise<void> {
  await con.run('BEGIN TRANSACTION');
  try {
    await body();
    await con.run('COMMIT');
  } catch (err) {
    await con.run('ROLLBACK');
    throw err;
  }
}
