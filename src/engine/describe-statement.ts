/**
 * The columns a statement returns, known without running it and without a
 * model call (`session.describe`): what a Postgres client's Describe is told
 * before its Execute runs the statement (src/server/result-columns.ts).
 * Plain SQL is DuckDB's prepare of it; the other kinds are planned (cascades
 * loaded, nothing called) and described in describe-llm.ts.
 *
 * Plain SQL's columns come from prepared-columns.ts.
 */
import type { Statement } from '../../grammar/index.js';
import { duckdbError } from '../db/duckdb-error.js';
import { preparedColumns } from '../db/prepared-columns.js';
import type { ResultColumn } from '../db/query-result.js';
import type { DescribeHost } from './describe-llm.js';

/**
 * `paramTypes[i]`: the DuckDB type `$i+1` will be bound as, used where DuckDB
 * cannot tell it from the SQL (VARCHAR when not given).
 */
export async function describeStatement(
  host: DescribeHost,
  stmt: Statement,
  paramTypes: readonly (string | undefined)[],
): Promise<ResultColumn[]> {
  const plan = await host.plan(stmt);
  if (plan.kind === 'sql') {
    const { sql, origin } = plan;
    return host.q.run((con) =>
      preparedColumns(con, sql, paramTypes).catch((err: unknown) => {
        throw duckdbError(err, origin, undefined, '');
      }),
    );
  }
  const { describePlan } = await import('./describe-llm.js');
  return describePlan(host, plan, paramTypes);
}
