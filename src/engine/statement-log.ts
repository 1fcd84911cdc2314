/**
 * One `rvbbit.queries` row per statement, success or not, for `engine.query`
 * and `engine.stream` alike.
 */
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../../base/errors.js';
import type { Statement } from '../../grammar/index.js';
import { classifyParsed } from '../../grammar/statement-kind.js';
import type { QueryResult } from '../db/query-result.js';
import { imageSummary } from '../llm/images.js';
import type { GuaranteeColumns } from '../obs/guarantee-columns.js';
import type { LogWriter, QueryKind } from '../obs/log-writer.js';
import type { MapRowsRun } from '../statements/map/map-rows.js';
import type { MapPlan } from '../statements/map/plan-map.js';
import { hasSemantics } from './plan.js';

/**
 * The kind a statement is logged under, whether it succeeded or not: one
 * vocabulary (`map`, `run`, `semantic`, `sql`, `explain`). A plain DuckDB
 * EXPLAIN is `sql`: it passes through as any other SQL does.
 */
export function statementKind(stmt: Statement): QueryKind {
  const { kind, explain } = classifyParsed(stmt);
  if (kind === 'function') return 'sql';
  if (kind === 'sql' && (stmt.kind !== 'SqlStatement' || !hasSemantics(stmt))) return 'sql';
  if (explain) return 'explain';
  return kind === 'sql' ? 'semantic' : kind;
}

/** What a statement did, apart from its rows. */
export interface StatementTotals {
  readonly kind: QueryKind;
  readonly rowsIn: number;
  readonly calls: number;
  readonly cacheHits: number;
  readonly cost: number | null;
  /** For rvbbit.queries; default: null for plain SQL, else 'batch'. */
  readonly strategy?: string;
  /** A proxy with targets: rvbbit.queries' guarantee columns. */
  readonly guarantee?: GuaranteeColumns;
  /** Inputs answered NULL because their calls failed: the statement ran, but its status is `partial`. */
  readonly nullOnFailure?: number;
}

export interface Outcome extends StatementTotals {
  readonly result: QueryResult;
}

/** A MAP's totals, whichever path ran it (batch, collected or streamed). */
export function mapTotals(run: MapRowsRun): StatementTotals {
  return { kind: 'map', rowsIn: run.rowsIn, calls: run.calls, cacheHits: run.cacheHits, cost: run.cost };
}

/** A MAP's outcome: its result and totals. */
export function mapOutcome(out: { readonly result: QueryResult; readonly run: MapRowsRun }): Outcome {
  return { result: out.result, ...mapTotals(out.run) };
}

/** A MAP whose USING had no LIMIT read exactly its auto-LIMIT rows: there may have been more. */
export function autoLimitNotice(map: MapPlan, rowsIn: number): string | undefined {
  if (map.usingHasLimit || map.autoLimit === 0 || rowsIn < map.autoLimit) return undefined;
  return `the USING query has no LIMIT: the MAP read its first ${map.autoLimit} rows (WITH (limit = 0) reads all)`;
}

export class StatementLog {
  readonly queryId = randomUUID();
  private readonly startedAt = Date.now();
  private readonly t0 = performance.now();

  private readonly kind: QueryKind;
  private readonly text: string;

  constructor(
    private readonly logs: LogWriter,
    text: string,
    stmt: Statement,
    private readonly owner: string | null = null,
    /** Scale-out: who ran the statement's chunks (scale/queue-runner.ts). */
    private readonly chunks?: { chunksRan(queryId: string): Record<string, number> },
  ) {
    this.kind = statementKind(stmt);
    // An image written into the SQL as a data URL is logged short, not as its megabytes of base64.
    this.text = imageSummary(text);
  }

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
      // Rows of NULL from failed calls are no plain success: said in the status, counted in the error.
      ...(totals.nullOnFailure
        ? {
            status: 'partial' as const,
            error: `${totals.nullOnFailure} input${totals.nullOnFailure === 1 ? ' is' : 's are'} NULL: their calls failed (the statement's notices and rvbbit.unified_logs say why)`,
          }
        : { status: 'ok' as const, error: null }),
      owner: this.owner,
      chunks_by: this.chunksBy(),
      guarantee: totals.guarantee ?? null,
    });
  }

  private chunksBy(): string | null {
    const counts = this.chunks?.chunksRan(this.queryId);
    return counts && Object.keys(counts).length > 0 ? JSON.stringify(counts) : null;
  }

  /**
   * A failed or cancelled statement's row, with the calls, cache hits and
   * cost it did spend: read back from its `rvbbit.unified_logs` rows (what
   * was paid is there whichever path stopped). Never throws: the statement's
   * own error is what the caller reports.
   */
  async failed(status: 'error' | 'cancelled', error: unknown, rowsOut = 0): Promise<void> {
    const spent = await this.logs.spentBy(this.queryId).catch(() => ({ calls: 0, cacheHits: 0, cost: null }));
    await this.logs
      .query({
        query_id: this.queryId,
        text: this.text,
        kind: this.kind,
        strategy: null,
        rows_in: 0,
        rows_out: rowsOut,
        calls: spent.calls,
        cache_hits: spent.cacheHits,
        cost: spent.cost,
        started_at: this.startedAt,
        duration_ms: performance.now() - this.t0,
        status,
        error: error === undefined ? null : imageSummary(errorMessage(error)),
        owner: this.owner,
        chunks_by: this.chunksBy(),
      })
      .catch(() => undefined);
  }
}
