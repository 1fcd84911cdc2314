/**
 * RUN's input table: the USING rows, materialised for the cascade's `sql_data`
 * cells to read. It is a TEMP table of the session (gone when the session
 * closes, never written to the database file) unless `as_table` names it and
 * `persist = true` asks to keep it. An `as_table` that already names a table or
 * view is RUN_TABLE_EXISTS, pointing at the option, unless `replace = true`.
 *
 * Because the table may be TEMP, the cascade's SQL host runs on the session's
 * own connection (TEMP tables are per connection), through its queue.
 */
import { randomBytes } from 'node:crypto';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { errorMessage, RvbbitError } from '../../../base/errors.js';
import { createDuckDbHost } from '../../cascade/duckdb-host.js';
import type { CascadeHost } from '../../cascade/host.js';
import type { ConnectionQueue } from '../../db/connection-queue.js';
import { withUserSqlErrors } from '../../db/duckdb-error.js';
import { runUserStatement } from '../../db/query-result.js';
import { qualifiedName, quoteIdent } from '../../db/sql-text.js';
import type { RunPlan } from './plan-run.js';

/** Creates the input table from the USING query; returns its name. */
export async function createRunInputTable(
  q: ConnectionQueue,
  plan: RunPlan,
  params: readonly DuckDBValue[] | undefined,
): Promise<string> {
  const table = plan.asTable ?? `rvbbit_batch_${randomBytes(4).toString('hex')}`;
  const temp = !(plan.asTable !== undefined && plan.persist);
  await q.run(async (con) => {
    const existing = plan.asTable === undefined ? undefined : await findRelation(con, plan.asTable);
    if (existing !== undefined) {
      if (!plan.replace) throw tableExists(plan, existing.kind);
      await con.run(`DROP ${existing.kind === 'view' ? 'VIEW' : 'TABLE'} ${existing.qualified}`);
    }
    const create = `CREATE ${temp ? 'TEMP ' : ''}TABLE ${qualifiedName(table)} AS SELECT * FROM (\n${plan.usingSql}\n)`;
    await withUserSqlErrors(con, plan.usingSql, plan.usingOrigin, () =>
      runUserStatement(con, create, params),
    ).catch((err: unknown) => {
      // Another session created a persistent table of that name in between.
      if (plan.asTable !== undefined && /already exists/.test(errorMessage(err)))
        throw tableExists(plan, 'table');
      throw err;
    });
  });
  return table;
}

function tableExists(plan: RunPlan, kind: 'table' | 'view'): RvbbitError {
  const at = plan.asTableAt;
  const where = at ? ` (line ${at.line}, column ${at.column})` : '';
  return new RvbbitError(
    'RUN_TABLE_EXISTS',
    `as_table '${plan.asTable}'${where}: a ${kind} of that name already exists; WITH (replace = true) replaces it`,
    { table: plan.asTable, ...(at ?? {}) },
  );
}

/**
 * The table or view `name` resolves to, the way DuckDB will see it: a TEMP
 * one or one of the database (a TEMP one of the same name would shadow it, so
 * both count as taken). A two-part name may be schema.table or catalog.table.
 */
async function findRelation(
  con: DuckDBConnection,
  name: string,
): Promise<{ kind: 'table' | 'view'; qualified: string } | undefined> {
  const parts = name.split('.');
  const rel = parts[parts.length - 1]!;
  const schema = parts.length >= 2 ? parts[parts.length - 2]! : '';
  const catalog = parts.length >= 3 ? parts[parts.length - 3]! : '';
  const read = await con.runAndReadAll(
    `SELECT kind, db, sch, name FROM (
       SELECT 'table' AS kind, database_name AS db, schema_name AS sch, table_name AS name, temporary AS t
       FROM duckdb_tables()
       UNION ALL SELECT 'view', database_name, schema_name, view_name, temporary FROM duckdb_views() WHERE NOT internal
     ) WHERE lower(name) = lower($1)
       AND ($3 = '' OR lower(db) = lower($3))
       AND ($2 = '' OR lower(sch) = lower($2) OR ($3 = '' AND lower(db) = lower($2)))
       AND ($2 <> '' OR t OR (db = current_database() AND sch = current_schema()))
     ORDER BY t DESC LIMIT 1`,
    [rel, schema, catalog],
  );
  const row = read.getRowObjectsJS()[0];
  if (!row) return undefined;
  return {
    kind: row['kind'] === 'view' ? 'view' : 'table',
    qualified: [row['db'], row['sch'], row['name']].map((p) => quoteIdent(String(p))).join('.'),
  };
}

/**
 * The cascade's SQL host on the session's connection (where a TEMP input table
 * lives), its queries queued behind the session's other statements.
 */
export function sessionHost(q: ConnectionQueue): CascadeHost {
  const host = createDuckDbHost(q.con);
  return { sqlData: (query, limit, signal) => q.run(() => host.sqlData(query, limit, signal)) };
}
