/**
 * The columns of a SELECT with semantic operators, from its plan alone:
 * DuckDB's prepare of the rewritten SQL with the semantic functions
 * registered (as its passes run it); an embedding model's unknown dimension
 * types its vectors FLOAT[1], which a client sees as text like any list.
 */
import type { ConnectionQueue } from '../../../db/connection-queue.js';
import { userSqlError } from '../../../db/duckdb-error.js';
import { preparedColumns } from '../../../db/prepared-columns.js';
import type { ResultColumn } from '../../../db/query-result.js';
import type { EngineShared } from '../../../dispatch/engine-shared.js';
import type { SemanticPlan } from '../plan/semantic-plan.js';
import { closeEmbeddings, openEmbeddings } from '../run/embed-statement.js';
import { closeStatement, openStatement } from '../state/statement-calls.js';

export async function semanticColumns(
  shared: EngineShared,
  q: ConnectionQueue,
  plan: SemanticPlan,
  paramTypes: readonly (string | undefined)[],
): Promise<ResultColumn[]> {
  const s = openStatement(plan.token, plan.options.hint, plan.options.answersInMemory);
  try {
    // explain: an embedding model's dimension is not probed (no call).
    const emb = await openEmbeddings(
      plan,
      s,
      { engine: shared, cache: shared.cache, logs: shared.logs, queryId: '' },
      true,
    );
    const rw = emb.rewritten;
    return await q.run(async (con) => {
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
