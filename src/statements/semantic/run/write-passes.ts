/**
 * A statement with side effects that uses operators (CREATE TABLE … AS,
 * INSERT … SELECT, UPDATE … SET c = op(…), COPY (query) TO) on the batch
 * path: its misses are answered on the pool with the statement's PARALLEL,
 * pass by pass, and its effect lands once.
 *
 * A write that is one query's rows (CREATE TABLE … AS, INSERT … SELECT,
 * COPY (…) TO: grammar/statement-kind.ts writtenQuery) runs its first record
 * pass over that query alone, its rows let go chunk by chunk as DuckDB makes
 * them: nothing is written while the answers are not known (issue 66: a
 * first pass that wrote a million rows, to roll them back, held them in
 * DuckDB, and a sequence it drew from stayed drawn). The write follows; a
 * write that still misses something (a nested operator reached only once an
 * outer one answered) is rolled back and runs again, as any other write does.
 *
 * Every other write runs each record pass in a transaction of its own: a pass
 * that missed something is rolled back (DuckDB's DDL is transactional); the
 * first pass that missed nothing ran with every real answer, and is
 * committed. A rolled-back pass of `COPY (…) TO 'file'` has written the file
 * (a file is not transactional); the last pass writes it again, whole.
 *
 * Inside the client's own transaction no second one can be opened (DuckDB
 * has no savepoints): the caller falls back to the blocking path.
 */
import type { ConnectionQueue } from '../../../db/connection-queue.js';
import { inTransactionBlock, type QueryResult } from '../../../db/query-result.js';
import { passMissed, startPass } from '../state/statement-calls.js';
import { type PassContext, type Passes, recordUntilAnswered } from './batch-passes.js';
import { drain, query } from './pass-query.js';

/** True when the session is inside an explicit transaction (BEGIN … COMMIT): db/query-result.ts inTransactionBlock. */
export async function inExplicitTransaction(q: ConnectionQueue): Promise<boolean> {
  // An aborted transaction counts as one: the statement will say so itself.
  return q.run(async (con) => (await inTransactionBlock(con)) ?? true);
}

export function runWrite(
  p: PassContext,
  /** The query the write writes (PlannedSql.writtenSql), or null: every pass is the write. */
  writtenSql: string | null,
): Promise<{ result: QueryResult } & Passes> {
  const { rw, s, ctx } = p;
  const end = (how: 'COMMIT' | 'ROLLBACK') => ctx.q.run((con) => con.run(how));
  const writePass = async (sql: string): Promise<QueryResult> => {
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
  let firstPass = writtenSql !== null;
  const runPass = async (sql: string): Promise<QueryResult> => {
    if (firstPass && writtenSql !== null) {
      firstPass = false;
      const read = await drain(rw, s, ctx, writtenSql);
      // What it missed is answered before the next pass, the write.
      if (passMissed(s) || (ctx.documents?.missed() ?? false)) return read;
      // Every answer was known already (a cached re-run): the write, now, in this pass.
      startPass(s);
    }
    return writePass(sql);
  };
  return recordUntilAnswered(rw.sql, { ...p, runPass });
}
