/**
 * Table and column names of the `--db` file for completion, and the semantic
 * functions CREATE SEMANTIC FUNCTION stored in it (their words parse, complete
 * and hover as an operator file's do), read with a read-only DuckDB
 * connection on first use and again when the file changes. A file that
 * cannot be opened (locked by a writer, missing) gives no names.
 */
import { statSync } from 'node:fs';

export interface SchemaNames {
  readonly tables: readonly string[];
  /** Lower-case table name → its columns, in table order. */
  readonly columns: ReadonlyMap<string, readonly string[]>;
  /** rvbbit.semantic_functions: each function's name and cascade text. */
  readonly functions: readonly StoredFunctionText[];
}

export interface StoredFunctionText {
  readonly name: string;
  readonly cascadeYaml: string;
  readonly contentHash: string;
}

const EMPTY: SchemaNames = { tables: [], columns: new Map(), functions: [] };

const FUNCTIONS_SQL = `
SELECT name, cascade_yaml, content_hash FROM rvbbit.semantic_functions ORDER BY name`;

const COLUMNS_SQL = `
SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal
 ORDER BY database_name, schema_name, table_name, column_index`;

export class DbSchema {
  private names: SchemaNames = EMPTY;
  private readMtime = -1;
  private reading: Promise<SchemaNames> | undefined;

  constructor(readonly file: string) {}

  async get(): Promise<SchemaNames> {
    const mtime = mtimeOf(this.file);
    if (mtime === this.readMtime) return this.names;
    this.reading ??= this.read(mtime).finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(mtime: number): Promise<SchemaNames> {
    try {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const instance = await DuckDBInstance.create(this.file, { access_mode: 'READ_ONLY' });
      const con = await instance.connect();
      try {
        const reader = await con.runAndReadAll(COLUMNS_SQL);
        const columns = new Map<string, string[]>();
        for (const [table, column] of reader.getRows()) {
          const key = String(table).toLowerCase();
          columns.set(key, [...(columns.get(key) ?? []), String(column)]);
        }
        const tables = [...new Set(reader.getRows().map((r) => String(r[0])))];
        const stored = columns.has('semantic_functions')
          ? ((await con.runAndReadAll(FUNCTIONS_SQL).catch(() => undefined))?.getRows() ?? [])
          : [];
        const functions = stored.map(([name, cascadeYaml, contentHash]) => ({
          name: String(name),
          cascadeYaml: String(cascadeYaml),
          contentHash: String(contentHash),
        }));
        this.names = { tables, columns, functions };
      } finally {
        con.closeSync();
        instance.closeSync();
      }
    } catch {
      this.names = EMPTY;
    }
    this.readMtime = mtime;
    return this.names;
  }
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -2;
  }
}
