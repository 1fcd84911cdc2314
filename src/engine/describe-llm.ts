/**
 * The columns of the statements that call models, from their plan alone
 * (describe-statement.ts): no row is read, no model called.
 *
 * - MAP: the USING query's columns (DuckDB's prepare), renamed where they
 *   clash with the result (map-names.ts), then the result column(s) as
 *   map-output.ts writes them, then `_error`, which `engine.query` adds only
 *   when a row failed. With `as_table` (or CREATE TABLE … AS) the metadata
 *   row of map-batch-statement.ts.
 * - RUN: the row of run-statement.ts; EXPLAIN: its property/value rows, or
 *   one JSON column with FORMAT JSON.
 * - A SELECT with semantic operators: DuckDB's prepare of the rewritten SQL
 *   with the semantic functions registered (as its passes run it); an
 *   embedding model's unknown dimension types its vectors FLOAT[1], which a
 *   client sees as text like any list.
 */

import type { Statement } from '../../grammar/index.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { userSqlError, withUserSqlErrors } from '../db/duckdb-error.js';
import type { ResultColumn } from '../db/query-result.js';
import { addedNames, inputNamesOut } from '../exec/map-names.js';
import { outputColumns } from '../exec/map-output.js';
import type { Plan } from '../plan/plan.js';
import { limitedUsingSql, type MapPlan } from '../plan/plan-map.js';
import type { SemanticPlan } from '../plan/semantic-plan.js';
import { closeEmbeddings, openEmbeddings, registerEmbedFunctions } from '../semantic/embed-statement.js';
import { registerFunctions } from '../semantic/register-functions.js';
import { closeStatement, openStatement } from '../semantic/statement-calls.js';
import type { EngineShared } from './engine-shared.js';
import { preparedColumns } from './prepared-columns.js';

/** What the session lends a description. */
export interface DescribeHost {
  readonly shared: EngineShared;
  readonly q: ConnectionQueue;
  plan(stmt: Statement): Promise<Plan>;
}

const col = (name: string, type: string): ResultColumn => ({ name, type });

/** map-batch-statement.ts: the row a MAP into a table returns. */
const MAP_INTO_TABLE = [
  col('status', 'VARCHAR'),
  col('table_created', 'VARCHAR'),
  col('row_count', 'BIGINT'),
  col('columns', 'JSON'),
  col('session_id', 'VARCHAR'),
];

/** run-statement.ts runRow: RUN's row, and RUN ASYNC's. */
const RUN_ROW = [
  col('status', 'VARCHAR'),
  col('session_id', 'VARCHAR'),
  col('table_created', 'VARCHAR'),
  col('row_count', 'BIGINT'),
  col('outputs', 'JSON'),
  col('error', 'VARCHAR'),
  col('duration_ms', 'DOUBLE'),
  col('cost', 'DOUBLE'),
];

/** explain.ts and explain-semantic.ts. */
const EXPLAIN_TEXT = [col('property', 'VARCHAR'), col('value', 'VARCHAR')];
const EXPLAIN_JSON = [col('explain', 'JSON')];

export async function describePlan(
  host: DescribeHost,
  plan: Exclude<Plan, { kind: 'sql' }>,
  paramTypes: readonly (string | undefined)[],
): Promise<ResultColumn[]> {
  switch (plan.kind) {
    case 'map':
      return mapColumns(host, plan.map, paramTypes);
    case 'run':
      return RUN_ROW;
    case 'explain':
    case 'explain-semantic':
      return plan.json ? EXPLAIN_JSON : EXPLAIN_TEXT;
    case 'semantic':
      return semanticColumns(host, plan.semantic, paramTypes);
    default:
      return unreachable(plan);
  }
}

async function mapColumns(
  host: DescribeHost,
  map: MapPlan,
  paramTypes: readonly (string | undefined)[],
): Promise<ResultColumn[]> {
  if (map.asTable) return MAP_INTO_TABLE;
  const usingSql = limitedUsingSql(map);
  const { input, results } = await host.q.run(async (con) => {
    // The SELECT the MAP reads its rows with (map-stream-input.ts), so names and types match.
    const input = await withUserSqlErrors(con, usingSql, map.usingOrigin, () =>
      preparedColumns(con, `SELECT * FROM (\n${usingSql}\n)`, paramTypes),
    );
    if (map.output.kind === 'single') return { input, results: [col(map.output.name, 'VARCHAR')] };
    // The typed columns' cast, over the text cells every outcome becomes (map-stream-cast.ts).
    const typed = await preparedColumns(
      con,
      `SELECT ${outputColumns(map.output, 'o')}
       FROM (SELECT NULL::VARCHAR AS value, NULL::VARCHAR AS json, NULL::VARCHAR AS error) o`,
      [],
    );
    return { input, results: typed.slice(0, -1) };
  });
  const names = [
    ...inputNamesOut(
      input.map((c) => c.name),
      map.output,
    ),
    ...addedNames(map.output),
  ];
  const types = [...input.map((c) => c.type), ...results.map((c) => c.type), 'VARCHAR'];
  return names.map((name, i) => col(name, types[i]!));
}

async function semanticColumns(
  host: DescribeHost,
  plan: SemanticPlan,
  paramTypes: readonly (string | undefined)[],
): Promise<ResultColumn[]> {
  const { shared } = host;
  const s = openStatement(plan.token, plan.options.hint);
  try {
    // explain: an embedding model's dimension is not probed (no call).
    const emb = await openEmbeddings(
      plan,
      s,
      { engine: shared, cache: shared.cache, logs: shared.logs, queryId: '' },
      true,
    );
    const rw = emb.rewritten;
    return await host.q.run(async (con) => {
      registerFunctions(shared.instance, con, shared.semantic.catalog.functions.values());
      if (emb.state) registerEmbedFunctions(shared.instance, con);
      // Prepared, never run: the functions are not called.
      return preparedColumns(con, rw.sql, paramTypes).catch((err: unknown) => {
        throw userSqlError(err, rw.sql, rw.user);
      });
    });
  } finally {
    closeEmbeddings(s);
    closeStatement(s);
  }
}

function unreachable(plan: never): never {
  throw new Error(`unknown plan kind ${(plan as { kind: string }).kind}`);
}
