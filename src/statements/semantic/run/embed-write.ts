/**
 * Embeddings outside the batch loop: a statement with side effects
 * (`CREATE TABLE t AS SELECT id, EMBED(body) …`) or a sync strategy
 * (`-- @ strategy: sequential`) runs once, and an embedding cannot be
 * fetched from inside a running DuckDB query. So record passes run first,
 * every operator answering NULL and every text recorded, until no text is
 * missed; for a statement with side effects they run inside a transaction
 * that is rolled back (DuckDB's DDL is transactional). The statement then
 * runs once for real (its own strategy), each vector answered from the
 * statement's map. A text only an operator's answer would reveal is not
 * seen by these passes: that run fails with EMBED_NEEDS_BATCH, and a
 * prefilter lets an unseen pair through to the model instead of pruning it.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { errorMessage, RvbbitError } from '../../../../base/errors.js';
import type { ConnectionQueue } from '../../../db/connection-queue.js';
import { duckdbError } from '../../../db/duckdb-error.js';
import { type QueryResult, readUserResult } from '../../../db/query-result.js';
import { passMissed, type StatementCalls, startPass } from '../state/statement-calls.js';
import { type EmbedStatement, resolveEmbeddings } from './embed-statement.js';

/** Record passes until every text is embedded (and the prefilter planned); the number of passes. */
export async function prefetchEmbeddings(
  sql: string,
  s: StatementCalls,
  st: EmbedStatement,
  q: ConnectionQueue,
  params: readonly DuckDBValue[] | undefined,
  rollback: boolean,
  signal?: AbortSignal,
): Promise<number> {
  for (let pass = 1; ; pass++) {
    startPass(s);
    if (rollback) await inRolledBackTransaction(q, () => run(q, s, sql, params));
    else await run(q, s, sql, params);
    // Operators' misses are left to the statement's own strategy.
    const done = !(await resolveEmbeddings(st));
    startPass(s);
    if (done) return pass;
    signal?.throwIfAborted();
  }
}

/** The statement once, in record mode, every vector in the map (a statement with only embeddings). */
export async function runOnce(
  sql: string,
  s: StatementCalls,
  q: ConnectionQueue,
  params: readonly DuckDBValue[] | undefined,
): Promise<QueryResult> {
  startPass(s);
  const result = await run(q, s, sql, params);
  if (passMissed(s))
    throw new RvbbitError('ENGINE_ERROR', 'a statement embedded a text its record passes did not see');
  return result;
}

async function inRolledBackTransaction(q: ConnectionQueue, body: () => Promise<unknown>): Promise<void> {
  try {
    await q.run((con) => con.run('BEGIN TRANSACTION'));
  } catch (err) {
    throw new RvbbitError(
      'EMBED_NEEDS_BATCH',
      `EMBED in a statement with side effects runs its record passes in a transaction of its own; inside an explicit transaction it cannot (${errorMessage(err)})`,
    );
  }
  try {
    await body();
  } finally {
    await q.run((con) => con.run('ROLLBACK'));
  }
}

async function run(
  q: ConnectionQueue,
  s: StatementCalls,
  sql: string,
  params: readonly DuckDBValue[] | undefined,
): Promise<QueryResult> {
  try {
    return await q.run((con) => readUserResult(con, sql, params));
  } catch (err) {
    if (s.error !== undefined) throw s.error;
    throw duckdbError(err);
  }
}
