/**
 * What one statement's execution is lent, in one object: made once per
 * statement by its executor (engine/plan-executors.ts) and handed down
 * unchanged to a MAP's reader and writer, a RUN, the operator runner and the
 * embedding calls. What the statement may spend and how fast is not here but
 * in its plan's limits (cascade/call-limits.ts); what it runs is its plan.
 */
import type { DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import type { ResultCache } from '../cache/result-cache.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import type { LogWriter } from '../obs/log-writer.js';
import type { ChunkRunner } from '../thread/chunk-runner.js';
import type { Progress } from './progress.js';

export interface StatementContext {
  /** The statement's rvbbit.queries id: its call logs carry it. */
  readonly queryId: string;
  /** Where its chunks run: the local pool, or the distributed queue (thread/chunk-runner.ts). */
  readonly pool: ChunkRunner;
  readonly cache: ResultCache;
  readonly logs: LogWriter;
  /** The database: what the workers' `sql_data` cells read (statement-host.ts) and functions are registered on. */
  readonly instance: DuckDBInstance;
  /** The session's connection, in turn (a streaming MAP holds a lease of it instead). */
  readonly q: ConnectionQueue;
  /** `$n` parameters of the statement. */
  readonly params: readonly DuckDBValue[] | undefined;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  /** What the statement's caller should hear as it runs (a server's NOTICE, the CLI's stderr). */
  readonly onNotice?: (text: string) => void;
}
