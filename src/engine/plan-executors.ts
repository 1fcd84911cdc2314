/**
 * One executor per plan kind, in one table that `query` and `stream` both use
 * (session.ts, stream-statement.ts): the table's type lists every kind of
 * plan.ts, so a new kind does not compile until it has an executor. An
 * executor runs its plan to a whole result; the kinds that can hand rows out
 * as they come (plain SQL, a plain MAP) also stream, and any other kind's
 * stream is its result cut into batches.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { RvbbitError } from '../../base/errors.js';
import type { Statement } from '../../grammar/index.js';
import { leadingWords } from '../../grammar/statement-kind.js';
import type { CallLimits } from '../cascade/call-limits.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { duckdbError } from '../db/duckdb-error.js';
import {
  type CheckedResult,
  type ResultColumn,
  readUserResult,
  resultColumns,
  STREAM_BATCH_ROWS,
  streamRowObjects,
  streamUserResult,
} from '../db/query-result.js';
import type { EngineShared } from '../dispatch/engine-shared.js';
import type { StatementContext } from '../dispatch/statement-context.js';
import { parallelCapNotice } from '../plan/parallel-cap.js';
import { limitedUsingSql } from '../plan/using-input.js';
import type { SemanticOutcome, SemanticRunContext } from '../statements/semantic/run/semantic-run.js';
import {
  type DocumentPasses,
  openDocumentPasses,
  type StatementDocuments,
  semanticDocuments,
} from './documents-pass.js';
import { llmStatements } from './llm-statements-loader.js';
import { toDuckValues } from './params.js';
import { isPlainSql, type Plan, planFunctionStatement, planPlainSql } from './plan.js';
import type { QueryOptions } from './query-options.js';
import {
  autoLimitNotice,
  mapOutcome,
  mapTotals,
  type Outcome,
  type StatementTotals,
} from './statement-log.js';

type Rows = Record<string, unknown>[];

/** What one statement's executor is lent: the session's part of the engine and the caller's options. */
export interface StatementRun {
  readonly shared: EngineShared;
  /** The session's DuckDB connection, in turn. */
  readonly q: ConnectionQueue;
  /** The server client the statement runs for (rvbbit.queries.owner), null in-process. */
  readonly owner: string | null;
  /** false: a statement that would block the main thread call by call fails (a server's session). */
  readonly allowBlocking: boolean;
  /** true: CREATE/DROP SEMANTIC FUNCTION are refused (`rvbbit serve --read-only-functions`). */
  readonly readOnlyFunctions: boolean;
  readonly params: readonly unknown[] | undefined;
  readonly options: QueryOptions;
  /** The statement's rvbbit.queries id. */
  readonly queryId: string;
  /** RUN ASYNC: the session keeps its connection (and the job's TEMP input table) until `done`. */
  holdFor(done: Promise<void>): void;
  /** The document parser and this session's connection: plain SQL and operator passes run documents passes (documents-pass.ts). */
  readonly documents?: StatementDocuments;
}

interface Executor<P extends Plan> {
  /**
   * `llmWorkOver`: puts DuckDB's bound back to the engine's (db/llm-work-bound.ts) once the
   * statement's calls are over and only DuckDB's work is left (a MAP's final write); the end
   * of the statement does it otherwise.
   */
  run(plan: P, r: StatementRun, llmWorkOver?: () => Promise<void>): Promise<Outcome>;
  /** Rows as they come, ending with the statement's totals; without it, run()'s rows in batches. */
  stream?(plan: P, r: StatementRun, llmWorkOver?: () => Promise<void>): AsyncGenerator<Rows, StatementTotals>;
}

const NONE = { rowsIn: 0, calls: 0, cacheHits: 0, cost: 0 } as const;

const EXECUTORS: { readonly [K in Plan['kind']]: Executor<Extract<Plan, { kind: K }>> } = {
  sql: {
    async run(plan, r) {
      const values = toDuckValues(r.params);
      const runOnce = () =>
        r.q.run((con) =>
          readUserResult(con, plan.sql, values, r.options.exactValues).catch((err) => {
            throw duckdbError(err, plan.origin, undefined, '');
          }),
        );
      const passes = await openDocumentPasses(r.documents, plan.sql, r.q, r.options.signal);
      try {
        const result = await (passes ? passes.run(runOnce) : runOnce());
        return { result, kind: 'sql', ...NONE };
      } finally {
        passes?.close();
      }
    },
    async *stream(plan, r) {
      const passes = await openDocumentPasses(r.documents, plan.sql, r.q, r.options.signal);
      try {
        if (passes) {
          // The passes run the statement with its rows let go (its memory stays a stream's), then it streams.
          await passes.run(async () => {
            for await (const _ of streamSql(r, plan.sql, plan.origin));
          }, false);
          passes.inCall();
        }
        yield* streamSql(r, plan.sql, plan.origin, r.options.onColumns);
      } finally {
        passes?.close();
      }
      return { kind: 'sql', ...NONE };
    },
  },
  semantic: {
    async run(plan, r) {
      const { runSemantic } = await llmStatements();
      noticeParallelCap(plan.semantic.options.limits.parallel, r);
      const documents = semanticDocuments(r.documents);
      let out: Awaited<ReturnType<typeof runSemantic>>;
      try {
        out = await runSemantic(plan.semantic, {
          ...semanticContext(r, plan.semantic.options.limits),
          ...(documents ? { documents } : {}),
        });
      } finally {
        documents?.close();
      }
      return { result: out.result, ...semanticTotals(out) };
    },
    // The record passes let their rows go; the answered statement streams out of DuckDB (run-semantic.ts).
    async *stream(plan, r) {
      const { streamSemantic, streamsRows } = await llmStatements();
      if (!streamsRows(plan.semantic)) return yield* inBatches(await this.run(plan, r), r);
      noticeParallelCap(plan.semantic.options.limits.parallel, r);
      const documents = semanticDocuments(r.documents);
      try {
        const out = yield* streamSemantic(
          plan.semantic,
          {
            ...semanticContext(r, plan.semantic.options.limits),
            ...(documents ? { documents } : {}),
          },
          r.options.onColumns,
        );
        return semanticTotals(out);
      } finally {
        documents?.close();
      }
    },
  },
  'explain-semantic': {
    async run(plan, r) {
      const { explainSemantic } = await llmStatements();
      const result = await explainSemantic(plan.semantic, plan.json, semanticContext(r));
      return { result, kind: 'explain', ...NONE, strategy: 'explain' };
    },
  },
  map: {
    async run(plan, r, llmWorkOver) {
      const { runMapStatement, streamable, openStreamedWrite, writeMapStreamed } = await llmStatements();
      noticeLoadWarnings(plan.map.cascade, r);
      noticeParallelCap(plan.map.limits.parallel, r);
      const ctx = statementContext(r, {}, plan.map.limits);
      const passes = await usingPassed(r, limitedUsingSql(plan.map));
      let out: Outcome;
      try {
        // A plain MAP is the stream, collected, holding the session's connection meanwhile;
        // a MAP that writes streams into its table, or a scratch file, when it can (map-stream-write.ts).
        const streamed = streamable(plan.map) ? undefined : await openStreamedWrite(plan.map, ctx);
        // The batch path's COPY writes its Parquet row groups inside the statement: under the engine's bound.
        if (!streamed && plan.map.write?.kind === 'copy') await llmWorkOver?.();
        try {
          out = streamable(plan.map)
            ? await withLease(r, async (con) => {
                const { collectMap } = await llmStatements();
                return mapOutcome(await collectMap(plan.map, { ...ctx, con }));
              })
            : streamed
              ? await withLease(r, async (con) => {
                  // DuckDB's bound while the rows stream into their table or file: lower than other
                  // LLM work's (db/llm-work-bound.ts, WRITE_MEMORY_LIMIT), to the statement's end.
                  const writing = r.shared.llmWork.hold('write');
                  // The statement's LLM hold first: DuckDB's bound then goes from the write bound
                  // straight to the engine's (or to other LLM work's), never through its own.
                  const release = async () => {
                    await llmWorkOver?.();
                    await writing();
                  };
                  try {
                    return mapOutcome(
                      await writeMapStreamed(plan.map, { ...ctx, con }, streamed, {
                        bytes: r.shared.llmWork.copyBytes,
                        // A COPY whose final write is not sized to the bound releases both early.
                        over: release,
                        // A table filled from the scratch file: under a lower bound still.
                        final: () => r.shared.llmWork.holdFinal(),
                        // A Parquet COPY's row groups are sized to the COPY's bound: held while it writes.
                        copy: () => r.shared.llmWork.holdCopy(),
                      }),
                    );
                  } finally {
                    await release();
                  }
                })
              : mapOutcome(await runMapStatement(plan.map, ctx));
        } finally {
          await streamed?.close();
        }
      } finally {
        passes?.close();
      }
      const cut = autoLimitNotice(plan.map, out.rowsIn);
      if (cut) r.options.onNotice?.(cut);
      return out;
    },
    async *stream(plan, r, llmWorkOver) {
      const { streamsOnStream, streamMap } = await llmStatements();
      if (!streamsOnStream(plan.map)) return yield* inBatches(await this.run(plan, r, llmWorkOver), r);
      noticeLoadWarnings(plan.map.cascade, r);
      noticeParallelCap(plan.map.limits.parallel, r);
      const passes = await usingPassed(r, limitedUsingSql(plan.map));
      try {
        const lease = await r.q.lease();
        try {
          const ctx = { ...statementContext(r, {}, plan.map.limits), con: lease.con };
          const totals = mapTotals(yield* streamMap(plan.map, ctx, undefined, r.options.onColumns));
          const cut = autoLimitNotice(plan.map, totals.rowsIn);
          if (cut) r.options.onNotice?.(cut);
          return totals;
        } finally {
          lease.release();
        }
      } finally {
        passes?.close();
      }
    },
  },
  run: {
    async run(plan, r) {
      const { runRunStatement } = await llmStatements();
      noticeLoadWarnings(plan.run.cascade, r);
      const passes = await usingPassed(r, plan.run.usingSql);
      let out: Awaited<ReturnType<typeof runRunStatement>>;
      try {
        out = await runRunStatement(
          plan.run,
          r.shared,
          statementContext(
            r,
            { onJob: (done: Promise<void>) => r.holdFor(done), owner: r.owner },
            plan.run.limits,
          ),
        );
      } finally {
        passes?.close();
      }
      const { rowsIn, calls, cacheHits, cost } = out;
      return { result: out.result, kind: 'run', rowsIn, calls, cacheHits, cost };
    },
  },
  'create-function': {
    async run(plan, r) {
      const { createSemanticFunction } = await import('./sql-function-statements.js');
      await createSemanticFunction(plan.stmt, r.shared, r.q, r.readOnlyFunctions);
      return { result: { columns: [], rows: [] }, kind: 'sql', ...NONE };
    },
  },
  'drop-function': {
    async run(plan, r) {
      const { dropSemanticFunction } = await import('./sql-function-statements.js');
      const dropped = await dropSemanticFunction(plan.stmt, r.shared, r.readOnlyFunctions);
      // Postgres's notice for DROP FUNCTION IF EXISTS of a missing function.
      if (!dropped)
        r.options.onNotice?.(`semantic function ${plan.stmt.name.text} does not exist, skipping`, 'notice');
      return { result: { columns: [], rows: [] }, kind: 'sql', ...NONE };
    },
  },
  explain: {
    async run(plan, r) {
      const { explainStatement } = await llmStatements();
      const result = await explainStatement(plan, r.shared, r.q, toDuckValues(r.params));
      return { result, kind: 'explain', ...NONE };
    },
  },
};

/** Plain SQL is planned without loading the planner of the other kinds (see llm-statements.ts). */
export async function planOf(shared: EngineShared, stmt: Statement): Promise<Plan> {
  if (isPlainSql(stmt)) return planPlainSql(stmt);
  const fn = planFunctionStatement(stmt);
  if (fn) return fn;
  await shared.startProvider();
  const { planStatement } = await llmStatements();
  return planStatement(stmt, shared);
}

/** The kinds that make LLM calls: DuckDB runs under the engine's lower bound while they do (db/llm-work-bound.ts). */
const LLM_WORK: ReadonlySet<Plan['kind']> = new Set(['map', 'run', 'semantic']);

/**
 * A `COPY (…) TO` with semantic operators runs under the engine's bound throughout: it writes
 * once its calls are answered (write-passes.ts), inside the statement, and a Parquet file's row
 * group is built in memory, which DuckDB cannot spill (measured: 32,000 ~4 KB rows to Parquet
 * failed with DuckDB's out-of-memory under a 32 MB LLM bound). A MAP's COPY to Parquet sizes its
 * row groups under the bound instead, and any other puts the bound back before its final write
 * (map-stream-write.ts).
 */
const writesAFile = (plan: Plan): boolean =>
  plan.kind === 'semantic' && leadingWords(plan.semantic.stmt.text, 1)[0] === 'COPY';

const holdLlmBound = (plan: Plan, r: StatementRun): (() => Promise<void>) | undefined =>
  LLM_WORK.has(plan.kind) && !writesAFile(plan) ? r.shared.llmWork.hold() : undefined;

/** Runs a plan to its whole result, by its kind's executor. */
export async function runPlan(plan: Plan, r: StatementRun): Promise<Outcome> {
  const executor = EXECUTORS[plan.kind] as Executor<Plan>;
  const release = holdLlmBound(plan, r);
  try {
    return await executor.run(plan, r, release);
  } finally {
    await release?.();
  }
}

/** A plan's rows in batches as they come, by its kind's executor; its totals at the end. */
export async function* streamPlan(plan: Plan, r: StatementRun): AsyncGenerator<Rows, StatementTotals> {
  const executor = EXECUTORS[plan.kind] as Executor<Plan>;
  const release = holdLlmBound(plan, r);
  try {
    if (executor.stream) return yield* executor.stream(plan, r, release);
    return yield* inBatches(await executor.run(plan, r, release), r);
  } finally {
    await release?.();
  }
}

/**
 * What loading the cascade noticed and ignored (an unknown key such as a cell's
 * `modle:`, a legacy key name), as `rvbbit cascades validate` warns of it:
 * `file:line:col: path: what`, one notice each. The statement runs on.
 */
function noticeLoadWarnings(
  cascade: { readonly file: string; readonly loadWarnings: readonly string[] },
  r: StatementRun,
): void {
  for (const w of cascade.loadWarnings) r.options.onNotice?.(`${cascade.file}:${w}`);
}

/** PARALLEL above the provider's concurrency cap runs at the cap: say so (plan/parallel-cap.ts). */
function noticeParallelCap(parallel: number, r: StatementRun): void {
  const capped = parallelCapNotice(parallel, r.shared.provider.gate.snapshot().ceiling);
  if (capped) r.options.onNotice?.(capped);
}

/**
 * The statement's one context (dispatch/statement-context.ts), with what its
 * kind adds. The pool is made on first use, not here: a statement that
 * makes no call (EXPLAIN, a fully cached one) never starts worker threads.
 */
function statementContext<X extends object>(
  r: StatementRun,
  extra: X,
  limits?: Pick<CallLimits, 'delivery'>,
): StatementContext & X {
  const { shared } = r;
  return {
    ...extra,
    queryId: r.queryId,
    // The engine picks it by the limits: batch delivery stays on the local pool (engine.ts, runner()).
    get pool() {
      return shared.pool(limits);
    },
    cache: shared.cache,
    logs: shared.logs,
    instance: shared.instance,
    q: r.q,
    params: toDuckValues(r.params),
    signal: r.options.signal,
    onProgress: r.options.onProgress,
    onNotice: r.options.onNotice,
  };
}

/** Semantic SQL takes the engine's semantic services too (statements/semantic/state/semantic-engine.ts), never the engine. */
function semanticContext(r: StatementRun, limits?: Pick<CallLimits, 'delivery'>): SemanticRunContext {
  return statementContext(r, { engine: r.shared, allowBlocking: r.allowBlocking }, limits);
}

/**
 * A MAP's or a RUN's USING query that calls DOCUMENT_TEXT, DOCUMENT_PAGES or
 * TEXT_CHUNKS runs first as a documents pass of its own (documents-pass.ts),
 * its rows let go, so what it parses is parsed on the parser thread while the
 * main thread serves others. The pass stays open, its answers pinned, while
 * the statement reads the query as before; anything new there parses in the
 * call. An error is left to the statement's own run, which meets it at the
 * same row with its own message; undefined when the query names none.
 */
async function usingPassed(r: StatementRun, usingSql: string): Promise<DocumentPasses | undefined> {
  // The same SELECT the MAP's and RUN's readers run (map-stream-input.ts, run-input-table.ts).
  const sql = `SELECT * FROM (\n${usingSql}\n)`;
  const passes = await openDocumentPasses(r.documents, sql, r.q, r.options.signal);
  if (!passes) return undefined;
  try {
    await passes.run(async () => {
      for await (const _ of streamSql(r, sql, { line: 1, column: 1 }));
    });
  } catch (err) {
    if (r.options.signal?.aborted) {
      passes.close();
      throw err;
    }
  }
  passes.inCall();
  return passes;
}

async function withLease<T>(r: StatementRun, use: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  const lease = await r.q.lease();
  try {
    return await use(lease.con);
  } finally {
    lease.release();
  }
}

async function* streamSql(
  r: StatementRun,
  sql: string,
  origin: { line: number; column: number },
  /** The caller's onColumns: not a pass's run, whose rows are let go. */
  onColumns?: (columns: readonly ResultColumn[]) => void,
): AsyncGenerator<Rows> {
  const lease = await r.q.lease();
  const signal = r.options.signal;
  let result: CheckedResult | undefined;
  try {
    result = await streamUserResult(
      lease.con,
      sql,
      toDuckValues(r.params),
      r.options.inTransactionBlock,
    ).catch((err) => {
      throw duckdbError(err, origin, undefined, '');
    });
    onColumns?.(resultColumns(result));
    const chunks = streamRowObjects(result, r.options.exactValues);
    for (;;) {
      if (signal?.aborted) throw new RvbbitError('CANCELLED', 'statement cancelled');
      const next = await chunks.next().catch((err) => {
        throw duckdbError(err, origin, undefined, '');
      });
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // A reader that stopped early (a cursor closed, a cancel) ends the transaction its stream opened.
    await result?.close().catch(() => undefined);
    lease.release();
  }
}

/** A semantic statement's line in rvbbit.queries. */
function semanticTotals(out: Omit<SemanticOutcome, 'result'>): StatementTotals {
  const { calls, cacheHits, cost, strategy, guarantee, nullOnFailure } = out;
  return {
    kind: 'semantic',
    rowsIn: 0,
    calls,
    cacheHits,
    cost,
    strategy,
    ...(guarantee ? { guarantee } : {}),
    ...(nullOnFailure ? { nullOnFailure } : {}),
  };
}

async function* inBatches(out: Outcome, r: StatementRun): AsyncGenerator<Rows, StatementTotals> {
  r.options.onColumns?.(out.result.columns);
  for (let i = 0; i < out.result.rows.length; i += STREAM_BATCH_ROWS)
    yield out.result.rows.slice(i, i + STREAM_BATCH_ROWS) as Rows;
  return out;
}
