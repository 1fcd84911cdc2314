/**
 * A statement with side effects that uses operators (CREATE TABLE … AS,
 * INSERT … SELECT, UPDATE … SET c = op(…), COPY (query) TO) on the batch
 * path: each record pass runs in a transaction of its own, its misses
 * answered on the pool with the statement's PARALLEL. A pass that missed
 * something is rolled back (DuckDB's DDL is transactional); the first pass
 * that missed nothing ran with every real answer, and is committed. So a
 * write makes the calls a query of the same rows makes, many in flight, its
 * effect lands once, and it never blocks the main thread call by call.
 *
 * A pass of `COPY (…) TO 'file'` writes the file whether rolled back or not
 * (a file is not transactional); the last pass writes it again, whole.
 *
 * Inside the client's own transaction no second one can be opened (DuckDB
 * has no savepoints): the caller falls back to the blocking path.
 */
import type { ConnectionQueue } from '../../../db/connection-queue.js';
import { inTransactionBlock, type QueryResult } from '../../../db/query-result.js';
import { passMissed } from '../state/statement-calls.js';
import { type PassContext, type Passes, recordUntilAnswered } from './batch-passes.js';
import { query } from './pass-query.js';

/** True when the session is inside an explicit transaction (BEGIN … COMMIT): db/query-result.ts inTransactionBlock. */
export async function inExplicitTransaction(q: ConnectionQueue): Promise<boolean> {
  // An aborted transaction counts as one: the statement will say so itself.
  return q.run(async (con) => (await inTransactionBlock(con)) ?? true);
}

export function runWrite(p: PassContext): Promise<{ result: QueryResult } & Passes> {
  const { rw, s, ctx } = p;
  const end = (how: 'COMMIT' | 'ROLLBACK') => ctx.q.run((con) => con.run(how));
  const runPass = async (sql: string): Promise<QueryResult> => {
    await ctx.q.run((con) => con.run('BEGIN TRANSACTION'));
    let result: QueryResult;
    try {
      result = await query(rw, s, ctx, sql);
    } catch (err) {
      await end('ROLLBACK');
      throw err;
    }
    // A pass that missed a document ran with a NULL in its place: rolled back too.
    await end(!passMissed(s) && !(ctx.documents?.missed() ?? false) ? 'COMMIT' : 'ROLLBACK');
    return result;
  };
  return recordUntilAnswered(rw.sql, { ...p, runPass });
}
