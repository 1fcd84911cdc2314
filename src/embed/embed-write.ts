/**
 * EMBED in a statement with side effects (`CREATE TABLE t AS SELECT id,
 * EMBED(body) …`, `INSERT … SELECT EMBED(…)`): the batch strategy re-runs a
 * statement, which such a statement must not do. So its record passes run
 * inside a transaction that is rolled back (DuckDB's DDL is transactional),
 * until they miss no text; the statement then runs once for real, every
 * vector answered from the statement's map. Only for statements whose
 * semantic constructs are all embeddings: a model operator there would need
 * a sync strategy, and an embedding cannot be fetched from inside DuckDB.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { duckdbError } from '../db/duckdb-error.js';
import { type QueryResult, readUserResult } from '../db/query-result.js';
import { errorMessage, RvbbitError } from '../errors.js';
import { type StatementCalls, startPass } from '../semantic/statement-calls.js';
import { type EmbedStatement, resolveEmbeddings } from './embed-statement.js';

export async function runWithDryPasses(
  sql: string,
  s: StatementCalls,
  st: EmbedStatement,
  q: ConnectionQueue,
  params: DuckDBValue[] | undefined,
  signal?: AbortSignal,
): Promise<{ result: QueryResult; passes: number }> {
  for (let pass = 1; ; pass++) {
    startPass(s);
    await dryRun(sql, s, q, params);
    if (s.missed.size === 0) {
      startPass(s);
      const result = await run(q, s, sql, params);
      if (s.missed.size > 0)
        throw new RvbbitError(
          'ENGINE_ERROR',
          'a statement embedded a text its rolled-back passes did not see',
        );
      return { result, passes: pass + 1 };
    }
    signal?.throwIfAborted();
    await resolveEmbeddings(st);
  }
}

/** One record pass inside BEGIN … ROLLBACK. */
async function dryRun(
  sql: string,
  s: StatementCalls,
  q: ConnectionQueue,
  params: DuckDBValue[] | undefined,
): Promise<void> {
  try {
    await q.run((con) => con.run('BEGIN TRANSACTION'));
  } catch (err) {
    throw new RvbbitError(
      'EMBED_NEEDS_BATCH',
      `EMBED in a statement with side effects runs its record passes in a transaction of its own; inside an explicit transaction it cannot (${errorMessage(err)})`,
    );
  }
  try {
    await run(q, s, sql, params);
  } finally {
    await q.run((con) => con.run('ROLLBACK'));
  }
}

async function run(
  q: ConnectionQueue,
  s: StatementCalls,
  sql: string,
  params: DuckDBValue[] | undefined,
): Promise<QueryResult> {
  try {
    return await q.run((con) => readUserResult(con, sql, params));
  } catch (err) {
    if (s.error !== undefined) throw s.error;
    throw duckdbError(err);
  }
}
