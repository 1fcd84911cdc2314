/**
 * One pass of a semantic statement over DuckDB: an error raised inside a
 * semantic function is rethrown as itself, DuckDB's type error as the
 * operator's own, with its position, and any other DuckDB error pointed at
 * what the user wrote, not the rewritten SQL.
 */

import { errorMessage, RvbbitError } from '../../../../base/errors.js';
import { userSqlError } from '../../../db/duckdb-error.js';
import {
  type CheckedResult,
  type QueryResult,
  type ResultColumn,
  readUserResult,
  releaseChunk,
  resultColumns,
  streamRowObjects,
  streamUserResult,
} from '../../../db/query-result.js';
import { type CallSite, type Rewritten, registeredName } from '../rewrite/semantic-rewrite.js';
import type { StatementCalls } from '../state/statement-calls.js';
import type { SemanticRunContext } from './semantic-run.js';

/** One pass; an error raised inside a semantic function is rethrown as itself, a type error with the operator's position. */
export async function query(
  rw: Rewritten,
  s: StatementCalls,
  ctx: SemanticRunContext,
  sql: string,
): Promise<QueryResult> {
  try {
    return await ctx.q.run((con) => readUserResult(con, sql, ctx.params));
  } catch (err) {
    throw passError(err, rw, s);
  }
}

/** A record pass whose rows are let go chunk by chunk as DuckDB makes them: only its calls matter. */
export async function drain(
  rw: Rewritten,
  s: StatementCalls,
  ctx: SemanticRunContext,
  sql: string,
): Promise<QueryResult> {
  for await (const _ of streamPass(rw, s, ctx, sql, false));
  return { columns: [], rows: [] };
}

/**
 * One pass's rows, a DuckDB chunk at a time, holding the session's
 * connection until the last (another statement on it would end the stream);
 * `rows` false: each chunk is freed unread (an empty batch each).
 */
export async function* streamPass(
  rw: Rewritten,
  s: StatementCalls,
  ctx: SemanticRunContext,
  sql: string,
  rows = true,
  /** The consumer's onColumns (engine.stream): told the columns before the first batch. */
  onColumns?: (columns: readonly ResultColumn[]) => void,
): AsyncGenerator<Record<string, unknown>[]> {
  const lease = await ctx.q.lease();
  let result: CheckedResult | undefined;
  try {
    result = await streamUserResult(lease.con, sql, ctx.params).catch((err) => {
      throw passError(err, rw, s);
    });
    onColumns?.(resultColumns(result));
    const chunks = rows ? streamRowObjects(result) : freedChunks(result);
    for (;;) {
      ctx.signal?.throwIfAborted();
      const next = await chunks.next().catch((err) => {
        throw passError(err, rw, s);
      });
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // A pass stopped early (a LIMIT met, a cancel) ends the transaction its stream opened.
    await result?.close().catch(() => undefined);
    lease.release();
  }
}

/** Fetches every chunk of `result` and frees it unread: an empty batch for each. */
async function* freedChunks(result: CheckedResult): AsyncGenerator<Record<string, unknown>[]> {
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    releaseChunk(chunk);
    yield [];
  }
}

function passError(err: unknown, rw: Rewritten, s: StatementCalls): unknown {
  if (s.error !== undefined) return s.error;
  return operandTypeError(err, rw.sites) ?? userSqlError(err, rw.sql, rw.user);
}

/** DuckDB's "No function matches rvbbit_semantic_means(INTEGER, …)" as the operator's own error. */
function operandTypeError(err: unknown, sites: readonly CallSite[]): RvbbitError | null {
  const msg = errorMessage(err);
  const m = /argument types '(rvbbit_\w+)\(([^)]*)\)'/.exec(msg);
  if (!m) return null;
  const site = sites.find((x) => registeredName(x.fn.name) === m[1]);
  if (!site) return null;
  const got = m[2]!
    .split(',')
    .slice(1, 1 + site.fn.sql.args.length) // a typed function's chosen schema follows: not the user's
    .map((t) => t.trim());
  const want = site.fn.sql.args.map((a) => `${a.name} ${a.type}`);
  return new RvbbitError(
    'SEMANTIC_OPERAND_TYPE',
    `${site.word} at line ${site.line}, column ${site.column} takes (${want.join(', ')}) but got (${got.join(', ')}); cast the operand, e.g. CAST(x AS VARCHAR)`,
    { line: site.line, column: site.column, function: site.fn.name },
  );
}
