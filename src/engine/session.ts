/**
 * One client's view of the engine: its own DuckDB connection, so temp tables
 * and transactions stay per session. Every statement goes grammar → plan →
 * exec; plain SQL passes to DuckDB byte for byte.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { SqlStatement, Statement } from '../../grammar/index.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { duckdbError } from '../db/duckdb-error.js';
import { type QueryResult, readUserResult } from '../db/query-result.js';
import { RvbbitError } from '../errors.js';
import type { MapContext, MapRowsRun } from '../exec/map-runner.js';
import type { Progress } from '../exec/progress.js';
import type { MapPlan } from '../plan/map-plan.js';
import type { EngineShared } from './engine.js';
import { llmStatements } from './llm-statements-loader.js';
import { toDuckValues } from './params.js';
import { mapTotals, type Outcome, StatementLog } from './statement-log.js';
import { hasSemantics, streamStatement } from './stream-statement.js';

export interface QueryOptions {
  /** Aborting stops new work and aborts in-flight LLM calls; finished rows stay cached. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  /** Fault injection for tests: the worker running this MAP chunk dies (again on its re-run if `twice`). */
  readonly faults?: { readonly crashChunk: number; readonly twice?: boolean };
}

export class Session {
  private closed = false;

  constructor(
    private readonly shared: EngineShared,
    readonly q: ConnectionQueue,
    private readonly onClose: () => void,
  ) {}

  async query(sql: string, params?: readonly unknown[], options: QueryOptions = {}): Promise<QueryResult> {
    let last: QueryResult = { columns: [], rows: [] };
    for (const { stmt, text } of this.parse(sql)) last = await this.logged(stmt, text, params, options);
    return last;
  }

  /**
   * Row batches of the last statement's result; the others run as in query().
   * Plain SQL and plain MAPs stream (see stream-statement.ts); this session's
   * other statements wait until the stream ends or the consumer stops.
   */
  async *stream(
    sql: string,
    params?: readonly unknown[],
    options: QueryOptions = {},
  ): AsyncGenerator<Record<string, unknown>[]> {
    const statements = this.parse(sql);
    const last = statements.pop();
    if (!last) return;
    for (const { stmt, text } of statements) await this.logged(stmt, text, params, options);
    const host = {
      shared: this.shared,
      q: this.q,
      values: () => toDuckValues(params),
      options,
      execute: (stmt: Statement, queryId: string) => this.execute(stmt, params, options, queryId),
      runMap: async (plan: MapPlan, queryId: string) => {
        const { runMapStatement } = await llmStatements();
        return mapOutcome(await runMapStatement(plan, this.mapContext(params, options, queryId)));
      },
      mapContext: (queryId: string) => this.mapContext(params, options, queryId),
    };
    yield* streamStatement(host, last.stmt, last.text);
  }

  private parse(sql: string): { stmt: Statement; text: string }[] {
    if (this.closed) throw new RvbbitError('SESSION_CLOSED', 'the session is closed');
    const parsed = this.shared.semantic.catalog.grammar.parse(sql);
    if (parsed.errors.length > 0) {
      const e = parsed.errors[0]!;
      throw new RvbbitError(e.code, `${e.message}\n${e.rendered}`, {
        line: e.line,
        column: e.column,
        offset: e.offset,
        errors: parsed.errors.length,
      });
    }
    return parsed.statements.map((stmt) => ({ stmt, text: sql.slice(stmt.span.start, stmt.span.end) }));
  }

  /** Runs one statement and writes its `rvbbit.queries` row, success or not. */
  private async logged(
    stmt: Statement,
    text: string,
    params: readonly unknown[] | undefined,
    options: QueryOptions,
  ): Promise<QueryResult> {
    const log = new StatementLog(this.shared.logs, text, stmt.kind);
    try {
      const out = await this.execute(stmt, params, options, log.queryId);
      await log.ok(out, out.result.rows.length);
      return out.result;
    } catch (err) {
      await log.failed(options.signal?.aborted ? 'cancelled' : 'error', err);
      throw duckdbError(err);
    }
  }

  private mapContext(
    params: readonly unknown[] | undefined,
    options: QueryOptions,
    queryId: string,
  ): MapContext {
    return {
      pool: this.shared.pool(),
      q: this.q,
      cache: this.shared.cache,
      logs: this.shared.logs,
      llm: this.shared.llm,
      queryId,
      params: toDuckValues(params),
      signal: options.signal,
      onProgress: options.onProgress,
      crash: options.faults
        ? { chunk: options.faults.crashChunk, twice: options.faults.twice ?? false }
        : undefined,
    };
  }

  private async execute(
    stmt: Statement,
    params: readonly unknown[] | undefined,
    options: QueryOptions,
    queryId: string,
  ): Promise<Outcome> {
    const ctx = this.mapContext(params, options, queryId);
    switch (stmt.kind) {
      case 'SqlStatement': {
        const values = toDuckValues(params);
        if (hasSemantics(stmt)) return this.semantic(stmt, values, options, queryId);
        const origin = { line: stmt.span.line, column: stmt.span.column };
        const result = await this.q.run((con) =>
          readUserResult(con, stmt.text, values).catch((err) => {
            throw duckdbError(err, origin, undefined, '');
          }),
        );
        return { result, kind: 'sql', rowsIn: 0, calls: 0, cacheHits: 0, cost: 0 };
      }
      case 'MapStatement':
      case 'CreateTableAsStatement': {
        const { planMap, runMapStatement, streamable } = await llmStatements();
        const map = stmt.kind === 'MapStatement' ? stmt : stmt.map;
        const plan = await planMap(
          map,
          this.shared.resolver,
          this.shared.defaults,
          stmt.kind === 'MapStatement' ? undefined : stmt,
        );
        if (stmt.kind === 'MapStatement' && streamable(plan)) return this.collected(plan, ctx);
        return mapOutcome(await runMapStatement(plan, ctx));
      }
      case 'RunStatement': {
        const { runRunStatement } = await llmStatements();
        const out = await runRunStatement(stmt, this.shared, this.q, ctx);
        return {
          result: out.result,
          kind: 'run',
          rowsIn: out.rowsIn,
          calls: out.calls,
          cacheHits: 0,
          cost: out.cost,
        };
      }
      case 'ExplainStatement': {
        const { explainStatement } = await llmStatements();
        const result = await explainStatement(stmt, this.shared, this.q, toDuckValues(params));
        return { result, kind: 'explain', rowsIn: 0, calls: 0, cacheHits: 0, cost: 0 };
      }
      default:
        return unreachable(stmt);
    }
  }

  /** A plain MAP: the stream, collected (map-collect.ts), holding this session's connection meanwhile. */
  private async collected(plan: MapPlan, ctx: MapContext): Promise<Outcome> {
    const { collectMap } = await llmStatements();
    const lease = await this.q.lease();
    try {
      return mapOutcome(await collectMap(plan, { ...ctx, con: lease.con, instance: this.shared.instance }));
    } finally {
      lease.release();
    }
  }

  /** A statement with semantic operators: EXPLAIN (no paid calls) or a run by its strategy. */
  private async semantic(
    stmt: SqlStatement,
    values: DuckDBValue[] | undefined,
    options: QueryOptions,
    queryId: string,
  ): Promise<Outcome> {
    const ctx = {
      engine: this.shared,
      q: this.q,
      params: values,
      queryId,
      signal: options.signal,
      onProgress: options.onProgress,
    };
    const { explainSemantic, runSemantic, semanticExplainTarget } = await llmStatements();
    const target = semanticExplainTarget(stmt);
    if (target) {
      const result = await explainSemantic(target.stmt, target.json, ctx);
      return { result, kind: 'explain', rowsIn: 0, calls: 0, cacheHits: 0, cost: 0, strategy: 'explain' };
    }
    const out = await runSemantic(stmt, ctx);
    return {
      result: out.result,
      kind: 'semantic',
      rowsIn: 0,
      calls: out.calls,
      cacheHits: out.cacheHits,
      cost: out.cost,
      strategy: out.strategy,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.q.con.closeSync();
    this.onClose();
  }
}

function mapOutcome(out: { readonly result: QueryResult; readonly run: MapRowsRun }): Outcome {
  return { result: out.result, ...mapTotals(out.run) };
}

function unreachable(stmt: never): never {
  throw new RvbbitError('ENGINE_ERROR', `unknown statement kind ${(stmt as { kind: string }).kind}`);
}

export type { DuckDBValue };
