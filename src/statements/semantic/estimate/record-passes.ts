/**
 * A statement's record passes: run with no model call, an unanswered
 * operator read as a placeholder, each operator recording the tuples it
 * would be asked for (state/statement-calls.ts). A statement that writes is
 * recorded inside a transaction rolled back after it, so estimating it
 * changes nothing.
 */

import { releaseChunk, streamUserResult } from '../../../db/query-result.js';
import type { SemanticRunContext } from '../run/semantic-run.js';
import { type Placeholder, type StatementCalls, startPass, type Tuple } from '../state/statement-calls.js';

export async function rolledBack<T>(ctx: SemanticRunContext, body: () => Promise<T>): Promise<T> {
  await ctx.q.run((con) => con.run('BEGIN TRANSACTION'));
  try {
    return await body();
  } finally {
    await ctx.q.run((con) => con.run('ROLLBACK'));
  }
}

/**
 * The tuples every operator would be asked for. The run's first pass reads a
 * miss as NULL, so a row behind an unanswered filter, and an operator fed by
 * another's answer, is not seen until a later pass: two more passes read a
 * miss as true/1 and as false/0 (a text as a value unique to the call), and
 * the union of the three is counted. The query is drained whole: under
 * `count(*)` DuckDB would prune the SELECT list, aggregates included.
 */
export async function recordPasses(
  s: StatementCalls,
  sql: string,
  ctx: SemanticRunContext,
): Promise<Recorded> {
  const all = new Map<string, Tuple>();
  let mostRows = 0;
  const modes: Placeholder[] = ['null', 'high', 'low'];
  for (const mode of modes) {
    s.placeholder = mode;
    startPass(s);
    try {
      // Record mode never calls a model; with EXPLAIN's own statement nothing else runs.
      mostRows = Math.max(mostRows, await ctx.q.run((con) => drain(con, sql, ctx.params)));
    } catch (err) {
      // The NULL pass is the run's own first pass: its error is the statement's.
      // A stand-in answer may fail where a real one would not (a cast): that pass counts what it saw.
      if (mode === 'null') throw s.error ?? err;
      s.error = undefined;
    }
    for (const [k, t] of s.recorded) if (!all.has(k)) all.set(k, t);
  }
  s.placeholder = 'null';
  return { tuples: all, mostRows };
}

/** What EXPLAIN's record passes saw. */
export interface Recorded {
  /** Every tuple an operator would be asked for, by key. */
  readonly tuples: Map<string, Tuple>;
  /**
   * The most rows one pass returned (unanswered operators read as NULL, as true, as false): when it is
   * under a LIMIT window's, no answer lets that many through and the run grows the window.
   */
  readonly mostRows: number;
}

/** Runs the query to its end, reading no value; its rows. */
export async function drain(
  con: Parameters<typeof streamUserResult>[0],
  sql: string,
  params: Parameters<typeof streamUserResult>[2],
): Promise<number> {
  const result = await streamUserResult(con, sql, params);
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return rows;
    rows += chunk.rowCount;
    releaseChunk(chunk);
  }
}
