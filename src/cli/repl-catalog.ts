/**
 * What the REPL completes from: the session's tables, views, columns and
 * functions (duckdb_tables(), duckdb_views(), duckdb_columns(),
 * duckdb_functions()), plus the engine's semantic operator words and
 * aggregates. Read on the first Tab, not at start-up (the REPL must prompt
 * fast), and read again on the next Tab after a statement that may have
 * changed it (markStale), never on every keystroke.
 */
import { AGGREGATES } from '../../grammar/index.js';
import { readResult } from '../db/query-result.js';
import type { Session } from '../engine/session.js';

/** One table or view, with the name a user types for it in this session. */
export interface Relation {
  readonly database: string;
  readonly schema: string;
  readonly name: string;
  /** `products`, `rvbbit.queries`, `other_schema.t`: the shortest name that resolves. */
  readonly qualified: string;
  readonly kind: 'table' | 'view';
  readonly temporary: boolean;
  /** The CREATE statement as DuckDB keeps it (ends with `;`). */
  readonly sql: string;
}

export interface CatalogSnapshot {
  readonly relations: readonly Relation[];
  /** By lower-case qualified name and, when unambiguous, bare name. */
  readonly columns: ReadonlyMap<string, readonly string[]>;
  readonly functions: readonly string[];
}

/** The engine's own log database: listed by name only when asked for. */
export const ENGINE_DATABASE = 'rvbbit';

const RELATIONS_SQL = `
SELECT database_name, schema_name, table_name AS name, 'table' AS kind, temporary, sql
  FROM duckdb_tables() WHERE NOT internal
UNION ALL
SELECT database_name, schema_name, view_name, 'view', temporary, sql
  FROM duckdb_views() WHERE NOT internal
ORDER BY 1, 2, 3`;

const COLUMNS_SQL = `
SELECT database_name, schema_name, table_name, column_name
  FROM duckdb_columns() WHERE NOT internal
ORDER BY database_name, schema_name, table_name, column_index`;

/** Engine-registered functions (`rvbbit_semantic_means`) are internals, not for users to type. */
const FUNCTIONS_SQL = `
SELECT DISTINCT function_name FROM duckdb_functions()
 WHERE regexp_matches(function_name, '^[A-Za-z_][A-Za-z0-9_]*$') AND NOT starts_with(function_name, 'rvbbit_')
 ORDER BY 1`;

/** Reads the relations of the session's catalog (fresh, for the listing commands). */
export async function readRelations(session: Session): Promise<Relation[]> {
  const rows = await session.q.run(async (con) => {
    const current = await readResult(con, 'SELECT current_database() AS db, current_schema() AS s');
    const here = current.rows[0] as { db: string; s: string };
    const rel = await readResult(con, RELATIONS_SQL);
    return { here, rows: rel.rows };
  });
  return rows.rows.map((r) => {
    const database = String(r.database_name);
    const schema = String(r.schema_name);
    const name = String(r.name);
    return {
      database,
      schema,
      name,
      qualified: qualify(rows.here.db, rows.here.s, database, schema, name),
      kind: r.kind === 'view' ? 'view' : 'table',
      temporary: r.temporary === true,
      sql: String(r.sql ?? ''),
    };
  });
}

/** The shortest name DuckDB resolves to this relation from the current database and schema. */
function qualify(curDb: string, curSchema: string, db: string, schema: string, name: string): string {
  const quote = (s: string) => (/^[a-z_][a-z0-9_]*$/.test(s) ? s : `"${s.replaceAll('"', '""')}"`);
  if ((db === curDb || db === 'temp') && schema === curSchema) return quote(name);
  if (db === curDb || db === 'temp') return `${quote(schema)}.${quote(name)}`;
  if (schema === 'main') return `${quote(db)}.${quote(name)}`;
  return `${quote(db)}.${quote(schema)}.${quote(name)}`;
}

/** Finds a relation by the name a user typed (qualified or bare, case-insensitive). */
export function findRelation(relations: readonly Relation[], typed: string): Relation | undefined {
  const t = typed.toLowerCase();
  return (
    relations.find((r) => r.qualified.toLowerCase() === t) ??
    relations.find((r) => r.name.toLowerCase() === t) ??
    relations.find((r) => `${r.database}.${r.schema}.${r.name}`.toLowerCase() === t)
  );
}

export class ReplCatalog {
  private snapshot: CatalogSnapshot | undefined;
  private loading: Promise<CatalogSnapshot> | undefined;
  /** Reads since start (tests and the README's claim that Tab does not query each time). */
  loads = 0;

  constructor(
    private readonly session: Session,
    /** Semantic operator words of the engine's grammar (MEANS, ABOUT, …). */
    private readonly operatorWords: readonly string[],
  ) {}

  /** After a statement that may create, drop or alter something: read again on the next Tab. */
  markStale(): void {
    this.snapshot = undefined;
  }

  /** The catalog, read now if it is not loaded or is stale. */
  async get(): Promise<CatalogSnapshot> {
    if (this.snapshot) return this.snapshot;
    this.loading ??= this.read().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async read(): Promise<CatalogSnapshot> {
    this.loads++;
    const relations = await readRelations(this.session);
    const [cols, fns] = await this.session.q.run(async (con) => [
      await readResult(con, COLUMNS_SQL),
      await readResult(con, FUNCTIONS_SQL),
    ]);
    const columns = new Map<string, string[]>();
    const bareCount = new Map<string, number>();
    for (const r of relations)
      bareCount.set(r.name.toLowerCase(), (bareCount.get(r.name.toLowerCase()) ?? 0) + 1);
    for (const c of cols.rows) {
      const r = relations.find(
        (x) => x.database === c.database_name && x.schema === c.schema_name && x.name === c.table_name,
      );
      if (!r) continue;
      const keys = [r.qualified.toLowerCase()];
      if (bareCount.get(r.name.toLowerCase()) === 1) keys.push(r.name.toLowerCase());
      for (const k of keys) columns.set(k, [...(columns.get(k) ?? []), String(c.column_name)]);
    }
    const functions = new Set<string>(fns.rows.map((r) => String(r.function_name)));
    for (const a of AGGREGATES) functions.add(a.name);
    for (const w of this.operatorWords) if (/^[A-Za-z_]+$/.test(w)) functions.add(w);
    this.snapshot = { relations, columns, functions: [...functions] };
    return this.snapshot;
  }
}

/** Statements after which the catalog may differ (DDL, ATTACH, a MAP that writes a table…). */
export function changesCatalog(sql: string): boolean {
  return /\b(CREATE|DROP|ALTER|ATTACH|DETACH|USE|SET|IMPORT|LOAD|INSTALL|ROLLBACK|RUN|as_table)\b/i.test(sql);
}
