/**
 * One `rvbbit.queries` row per statement, success or not, for `engine.query`
 * and `engine.stream` alike.
 */
import { randomUUID } from 'node:crypto';
import type { QueryResult } from '../db/query-result.js';
import { errorMessage } from '../errors.js';
import type { MapRowsRun } from '../exec/map-rows.js';
import type { LogWriter } from '../obs/log-writer.js';

/** What a statement did, apart from its rows. */
export interface StatementTotals {
  readonly kind: string;
  readonly rowsIn: number;
  readonly calls: number;
  readonly cacheHits: number;
  readonly cost: number | null;
  /** For rvbbit.queries; default: null for plain SQL, else 'batch'. */
  readonly strategy?: string;
}

export interface Outcome extends StatementTotals {
  readonly result: QueryResult;
}

/** A MAP's totals, whichever path ran it (batch, collected or streamed). */
export function mapTotals(run: MapRowsRun): StatementTotals {
  return { kind: 'map', rowsIn: run.rowsIn, calls: run.calls, cacheHits: run.cacheHits, cost: run.cost };
}

export class StatementLog {
  readonly queryId = randomUUID();
  private readonly startedAt = Date.now();
  private readonly t0 = performance.now();

  constructor(
    private readonly logs: LogWriter,
    private readonly text: string,
    /** The statement's AST kind, which a failed row reports. */
    private readonly stmtKind: string,
  ) {}

  ok(totals: StatementTotals, rowsOut: number): Promise<void> {
    return this.logs.query({
      query_id: this.queryId,
      text: this.text,
      kind: totals.kind,
      strategy: totals.strategy ?? (totals.kind === 'sql' ? null : 'batch'),
      rows_in: totals.rowsIn,
      rows_out: rowsOut,
      calls: totals.calls,
      cache_hits: totals.cacheHits,
      cost: totals.cost,
      started_at: this.startedAt,
      duration_ms: performance.now() - this.t0,
      status: 'ok',
      error: null,
    });
  }

  /** Never throws: the statement's own error is what the caller reports. */
  async failed(status: 'error' | 'cancelled', error: unknown, rowsOut = 0): Promise<void> {
    await this.logs
      .query({
        query_id: this.queryId,
        text: this.text,
        kind: this.stmtKind,
        strategy: null,
        rows_in: 0,
        rows_out: rowsOut,
        calls: 0,
        cache_hits: 0,
        cost: null,
        started_at: this.startedAt,
        duration_ms: performance.now() - this.t0,
        status,
        error: error === undefined ? null : errorMessage(error),
      })
      .catch(() => undefined);
  }
}
