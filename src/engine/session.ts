/**
 * One client's view of the engine: its own DuckDB connection, so temp tables
 * and transactions stay per session. Every statement goes grammar → plan →
 * exec; plain SQL passes to DuckDB byte for byte.
 */
import { randomUUID } from 'node:crypto';
import type { DuckDBValue } from '@duckdb/node-api';
import type { SqlStatement, Statement } from '../../grammar/index.js';
import { errorMessage, RvbbitError } from '../errors.js';
import type { ConnectionQueue } from '../exec/connection-queue.js';
import { duckdbError } from '../exec/duckdb-error.js';
import { runMapStatement } from '../exec/map-statement.js';
import type { Progress } from '../exec/progress.js';
import { type QueryResult, readUserResult } from '../exec/query-result.js';
import { planMap } from '../plan/plan-map.js';
import { explainSemantic, semanticExplainTarget } from '../semantic/explain-semantic.js';
import { runSemantic } from '../semantic/run-semantic.js';
import type { EngineShared } from './engine.js';
import { explainStatement } from './explain.js';
import { toDuckValues } from './params.js';
import { runRunStatement } from './run-statement.js';

export interface QueryOptions {
  /** Aborting stops new work and aborts in-flight LLM calls; finished rows stay cached. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  /** Fault injection for tests: the worker running this MAP chunk dies (again on its re-run if `twice`). */
  readonly faults?: { readonly crashChunk: number; readonly twice?: boolean };
}

interface Outcome {
  readonly result: QueryResult;
  readonly kind: string;
  readonly rowsIn: number;
  readonly calls: number;
  readonly cacheHits: number;
  readonly cost: number | null;
  /** For rvbbit.queries; default: null for plain SQL, else 'batch'. */
  readonly strategy?: string;
}

export class Session {
  private closed = false;

  constructor(
    private readonly shared: EngineShared,
    readonly q: ConnectionQueue,
    private readonly onClose: () => void,
  ) {}

  async query(sql: string, params?: readonly unknown[], options: QueryOptions = {}): Promise<QueryResult> {
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
    if (parsed.statements.length === 0) return { columns: [], rows: [] };
    let last: QueryResult = { columns: [], rows: [] };
    for (const stmt of parsed.statements) {
      last = await this.logged(stmt, sql.slice(stmt.span.start, stmt.span.end), params, options);
    }
    return last;
  }

  async *stream(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): AsyncGenerator<Record<string, unknown>[]> {
    const result = await this.query(sql, params, options);
    for (let i = 0; i < result.rows.length; i += 2048)
      yield result.rows.slice(i, i + 2048) as Record<string, unknown>[];
  }

  /** Runs one statement and writes its `rvbbit.queries` row, success or not. */
  private async logged(
    stmt: Statement,
    text: string,
    params: readonly unknown[] | undefined,
    options: QueryOptions,
  ): Promise<QueryResult> {
    const queryId = randomUUID();
    const started = Date.now();
    const t0 = performance.now();
    try {
      const out = await this.execute(stmt, params, options, queryId);
      await this.shared.logs.query({
        query_id: queryId,
        text,
        kind: out.kind,
        strategy: out.strategy ?? (out.kind === 'sql' ? null : 'batch'),
        rows_in: out.rowsIn,
        rows_out: out.result.rows.length,
        calls: out.calls,
        cache_hits: out.cacheHits,
        cost: out.cost,
        started_at: started,
        duration_ms: performance.now() - t0,
        status: 'ok',
        error: null,
      });
      return out.result;
    } catch (err) {
      await this.shared.logs
        .query({
          query_id: queryId,
          text,
          kind: stmt.kind,
          strategy: null,
          rows_in: 0,
          rows_out: 0,
          calls: 0,
          cache_hits: 0,
          cost: null,
          started_at: started,
          duration_ms: performance.now() - t0,
          status: options.signal?.aborted ? 'cancelled' : 'error',
          error: errorMessage(err),
        })
        .catch(() => undefined);
      throw duckdbError(err);
    }
  }

  private async execute(
    stmt: Statement,
    params: readonly unknown[] | undefined,
    options: QueryOptions,
    queryId: string,
  ): Promise<Outcome> {
    const ctx = {
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
        const map = stmt.kind === 'MapStatement' ? stmt : stmt.map;
        const plan = await planMap(
          map,
          this.shared.resolver,
          this.shared.defaults,
          stmt.kind === 'MapStatement' ? undefined : stmt,
        );
        const out = await runMapStatement(plan, { ...ctx, pool: this.shared.pool() });
        return {
          result: out.result,
          kind: 'map',
          rowsIn: out.run.rowsIn,
          calls: out.run.calls,
          cacheHits: out.run.cacheHits,
          cost: out.run.cost,
        };
      }
      case 'RunStatement': {
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
        const result = await explainStatement(stmt, this.shared, this.q, toDuckValues(params));
        return { result, kind: 'explain', rowsIn: 0, calls: 0, cacheHits: 0, cost: 0 };
      }
      default:
        return unreachable(stmt);
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

function hasSemantics(stmt: {
  readonly operators: readonly unknown[];
  readonly relevance: readonly unknown[];
  readonly joins: readonly unknown[];
  readonly aggregates: readonly unknown[];
}): boolean {
  return stmt.operators.length + stmt.relevance.length + stmt.joins.length + stmt.aggregates.length > 0;
}

function unreachable(stmt: never): never {
  throw new RvbbitError('ENGINE_ERROR', `unknown statement kind ${(stmt as { kind: string }).kind}`);
}

export type { DuckDBValue };
