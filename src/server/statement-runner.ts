/**
 * Runs one statement for a client: client housekeeping and catalog queries
 * are answered or rewritten (`catalog-queries.ts`), everything else goes to
 * the client's engine session. Returns the result and its CommandComplete.
 */

import { RvbbitError } from '../../base/errors.js';
import { duckdbError } from '../db/duckdb-error.js';
import type { QueryResult } from '../db/query-result.js';
import type { Progress } from '../dispatch/progress.js';
import { toDuckValues } from '../engine/params.js';
import type { QueryOptions, Session } from '../engine/session.js';
import { specialQuery } from './catalog-queries.js';
import { renameIdentityColumns } from './catalog-rewrite.js';
import { ensureCatalog } from './catalog-setup.js';
import { refuseSharedSetting, type SharedSettings } from './client-access.js';
import { type Completion, completionOf } from './command-tag.js';
import { type ParsedSql, parseOnce } from './parsed-sql.js';
import type { StatementClass } from './statement-class.js';

export interface StatementOutcome {
  readonly result: QueryResult;
  readonly completion: Completion;
}

export interface RunContext {
  readonly session: Session;
  readonly settings: Map<string, string>;
  readonly params: Record<string, string>;
  /** The BackendKeyData process id, for pg_backend_pid(). */
  readonly pid?: number;
  /** pg_cancel_backend(pid). */
  readonly cancelBackend?: (pid: number) => boolean;
  /** DuckDB settings every session shares: a client may not change them (client-access.ts). */
  readonly sharedSettings?: SharedSettings;
  readonly signal: AbortSignal;
  readonly onProgress: (p: Progress) => void;
  /** The engine's warnings (PARALLEL above the provider's cap, an auto-LIMIT that cut the input) and notices. */
  readonly onNotice?: QueryOptions['onNotice'];
  /** Called with every statement before it runs (the server's query log). */
  readonly log?: (sql: string) => void;
}

const EMPTY: QueryResult = { columns: [], rows: [] };

/** `parsed`: the statement as the caller has parsed it already (parsed-sql.ts); parsed here otherwise. */
export async function runStatement(
  sql: string,
  values: readonly unknown[] | undefined,
  ctx: RunContext,
  cls?: StatementClass,
  parsed?: ParsedSql,
): Promise<StatementOutcome> {
  ctx.log?.(sql);
  const special = specialQuery(sql, ctx.settings, ctx.params, ctx.pid, ctx.cancelBackend);
  if (special?.kind === 'command') return { result: EMPTY, completion: { rows: false, tag: special.tag } };
  if (special?.kind === 'rows') {
    return { result: special.result, completion: completionOf('SELECT', special.result) };
  }
  if (ctx.sharedSettings) refuseSharedSetting(sql, ctx.sharedSettings);
  let result: QueryResult;
  await ensureCatalog(ctx.session, special?.kind === 'sql' ? special.sql : sql, ctx.params, ctx.pid);
  if (special?.kind === 'sql') {
    const rewritten = special.sql;
    const bound = values && values.length > 0 ? (toDuckValues(values) ?? []) : undefined;
    result = await ctx.session.connection.read(rewritten, bound).catch((err: unknown) => {
      throw duckdbError(err);
    });
    result = renameIdentityColumns(result);
  } else {
    result = EMPTY;
    for (const statement of (parsed ?? parseOnce(ctx.session, sql))()) {
      // A cancel stops the statements still to come, not only the one running.
      if (ctx.signal.aborted) throw new RvbbitError('CANCELLED', 'canceling statement due to user request');
      // DuckDB's own values, which the server sends exactly (types/value-codec.ts).
      result = await statement.run(values, {
        signal: ctx.signal,
        onProgress: ctx.onProgress,
        onNotice: ctx.onNotice,
        exactValues: true,
      });
    }
  }
  return { result, completion: completionOf(sql, result, cls) };
}
