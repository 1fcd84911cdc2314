/**
 * Appends to `rvbbit.unified_logs` (one row per LLM call, plus one per cache
 * hit) and `rvbbit.queries` (one per statement), on the engine's system
 * connection so user statements never wait on logging.
 */
import { type DuckDBAppender, DuckDBTimestampValue } from '@duckdb/node-api';
import { BufferedAppender } from '../db/buffered-appender.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { CallLogRing } from './call-log-ring.js';
import { CallRowsAppender, type LoggedCall } from './call-rows.js';
import { GUARANTEE_COLUMNS, type GuaranteeColumns } from './guarantee-columns.js';
import { LogRetention } from './log-retention.js';
import { FILE_STORE, ROWS_COMMITTED_WITHIN_MS, type RvbbitStore } from './schema.js';

/** Where a call came from, shared by every row a statement logs. */
export interface CallOrigin {
  readonly callerId: 'map' | 'semantic' | 'run';
  readonly queryId: string;
  readonly cascadeId: string;
  /** The model to show when a row has no call record (a cache hit). */
  readonly model?: string;
}

/** A unified_logs row for one call record, or for a cache hit when `call` is null. */
export function loggedCall(
  origin: CallOrigin,
  row: { readonly sessionId: string; readonly index: number } | null,
  call: (Omit<LoggedCall, keyof CallOriginFields> & { readonly answered_by?: string }) | null,
  startedAt = Date.now(),
): LoggedCall {
  return {
    session_id: row?.sessionId ?? '',
    caller_id: origin.callerId,
    query_id: origin.queryId,
    cascade_id: origin.cascadeId,
    row_index: row?.index ?? null,
    cache_hit: call === null,
    cell: call?.cell ?? '',
    model: call?.model ?? origin.model ?? '',
    started_at: call?.started_at ?? startedAt,
    duration_ms: call?.duration_ms ?? 0,
    tokens_in: call?.tokens_in ?? 0,
    tokens_out: call?.tokens_out ?? 0,
    // A cache hit costs nothing; a call whose model has no price costs unknown (NULL), never 0.
    cost: call === null ? 0 : (call.cost ?? null),
    status: call?.status ?? 'ok',
    error: call?.error,
    // Who answered: the endpoint ('simulator' or the provider's host), or the result cache.
    answered_by: call === null ? 'cache' : call.answered_by,
    // What the provider did with it: prompt-cached tokens, the schema's route, a refusal, Batch API.
    tokens_cached: call?.tokens_cached,
    response_format: call?.response_format,
    delivery: call?.delivery,
    warning: call?.warning,
    ...(call?.sent === false ? { sent: false as const } : {}),
  };
}

type CallOriginFields = Pick<
  LoggedCall,
  'session_id' | 'caller_id' | 'query_id' | 'cascade_id' | 'row_index' | 'cache_hit' | 'answered_by'
>;

/** `rvbbit.queries.kind`: how the engine ran the statement (engine/statement-log.ts statementKind). */
export type QueryKind = 'map' | 'run' | 'semantic' | 'sql' | 'explain';

export interface QueryLog {
  readonly query_id: string;
  readonly text: string;
  readonly kind: QueryKind;
  readonly strategy: string | null;
  readonly rows_in: number;
  readonly rows_out: number;
  readonly calls: number;
  readonly cache_hits: number;
  readonly cost: number | null;
  readonly started_at: number;
  readonly duration_ms: number;
  /** `partial`: the statement ran, but some inputs are NULL because their calls failed (`error` says how many). */
  readonly status: 'ok' | 'partial' | 'error' | 'cancelled';
  readonly error: string | null;
  /** The server client that ran it (null in-process): private logs show a client only its own. */
  readonly owner: string | null;
  /** Scale-out: JSON `{"host:pid": chunks}` of the workers that ran its chunks; null when none did. */
  readonly chunks_by?: string | null;
  /** A proxy with targets: what was asked and learnt (null columns when the statement had none). */
  readonly guarantee?: GuaranteeColumns | null;
}

type Appender = DuckDBAppender;

/** `[0,1,2,5,7,8]` → `'0-2,5-5,7-8'`: a cached re-run's hits are mostly one run. */
export function indexRuns(indexes: readonly number[]): string {
  const sorted = [...indexes].sort((a, b) => a - b);
  const runs: string[] = [];
  let lo = sorted[0]!;
  let hi = lo;
  for (let k = 1; k < sorted.length; k++) {
    const v = sorted[k]!;
    if (v === hi + 1) hi = v;
    else {
      runs.push(`${lo}-${hi}`);
      lo = hi = v;
    }
  }
  runs.push(`${lo}-${hi}`);
  return runs.join(',');
}

function ts(ms: number): DuckDBTimestampValue {
  return new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n);
}

function text(a: Appender, v: string | null | undefined): void {
  if (v === null || v === undefined) a.appendNull();
  else a.appendVarchar(v);
}

function num(a: Appender, v: number | null | undefined): void {
  if (v === null || v === undefined || !Number.isFinite(v)) a.appendNull();
  else a.appendDouble(v);
}

/**
 * Call-log rows appended between two commits. A commit of k rows costs a transient of about
 * twice their uncompressed size (the appender's buffer and the table's new rows): at 65,536
 * ~400-byte rows each commit lifted a million-row MAP's RSS by ~35 MB for a second
 * (bench/paths-breakdown.child.mjs stream, sampled every 250 ms), at 8,192 it does not show.
 * Committing often once left an in-memory table's string blocks part-filled (100k rows took
 * 29.6 MB at 8,192 against 21.9 in two commits); the in-memory log is now checkpointed every
 * COMPRESS_EVERY rows (log-retention.ts), which rewrites those blocks compressed.
 */
export const CALL_ROWS_COMMIT_EVERY = 8192;

/** Statements whose first call's turn is kept for spentBy: more than run at once on any server. */
const STATEMENTS_NOTED = 1024;

export class LogWriter {
  private readonly callRows: CallRowsAppender;
  private readonly queryRows: BufferedAppender;
  /**
   * What providers refused, by model: the last call's `warning` (a refused
   * response_format, llm/structured.ts). EXPLAIN shows it; each new one is
   * said once through `onProviderWarning`.
   */
  readonly providerWarnings = new Map<string, string>();
  /**
   * An in-memory store's bound on each log table's rows (undefined: every row kept): the calls
   * in a ring of segments (call-log-ring.ts), the statements in one table (log-retention.ts).
   */
  private readonly callsKept: CallLogRing | undefined;
  private readonly queriesKept: LogRetention | undefined;
  /**
   * The ring's turns made before each recent statement's first logged call, so `spentBy` reads
   * only the segments written since (CallLogRing.callsSince). At most STATEMENTS_NOTED: a
   * statement past them reads the whole view.
   */
  private readonly firstTurns = new Map<string, number>();

  constructor(
    private readonly q: ConnectionQueue,
    private readonly store: RvbbitStore = FILE_STORE,
    private readonly onProviderWarning?: (model: string, warning: string) => void,
  ) {
    // Committed every CALL_ROWS_COMMIT_EVERY rows, within commitWithin, and before a statement
    // that reads them: the appender holds what it has not committed, and a commit copies it into
    // the table (see the constants).
    const commitWithin = store.durableWithinMs ?? ROWS_COMMITTED_WITHIN_MS;
    this.callRows = new CallRowsAppender(
      q,
      store,
      { commitEvery: CALL_ROWS_COMMIT_EVERY, commitWithinMs: commitWithin },
      this.store.maxLogRows === undefined ? 'unified_logs' : () => this.callsKept!.appendTo,
    );
    this.queryRows = new BufferedAppender(q, 'queries', {
      schema: store.schema,
      catalog: store.catalog,
      maxDelayMs: commitWithin,
    });
    if (store.maxLogRows !== undefined) {
      this.callsKept = new CallLogRing(
        q,
        { database: 'rvbbit', closeWriter: () => this.callRows.closeNow() },
        store.maxLogRows,
      );
      this.queriesKept = new LogRetention(
        q,
        { table: 'rvbbit.queries', database: 'rvbbit', closeWriter: () => this.queryRows.closeNow() },
        store.maxLogRows,
      );
    }
  }

  /** The table calls are appended to: unified_logs, or the ring's segment taking calls. */
  private get callTable(): string {
    return this.callsKept?.table ?? 'unified_logs';
  }

  /** Buffered: visible to SQL after `flush()` (before a statement that names the log, or within ROWS_COMMITTED_WITHIN_MS). */
  calls(records: readonly LoggedCall[]): Promise<void> {
    let noted: string | undefined;
    for (const r of records) {
      if (r.warning) this.noteWarning(r.model, r.warning);
      if (r.query_id === noted) continue;
      noted = r.query_id;
      this.noteStatement(noted);
    }
    const appended = this.callRows.append(records);
    const kept = this.callsKept;
    if (kept === undefined || records.length === 0) return appended;
    return appended.then(() => kept.added(records.length));
  }

  /** Notes the ring's turn at a statement's first logged call (before the call is appended). */
  private noteStatement(queryId: string): void {
    const ring = this.callsKept;
    if (ring === undefined || this.firstTurns.has(queryId)) return;
    this.firstTurns.set(queryId, ring.turns.made);
    if (this.firstTurns.size > STATEMENTS_NOTED) this.firstTurns.delete(this.firstTurns.keys().next().value!);
  }

  /** A provider's refusal, said once per model and message (workers each learn it; the engine says it once). */
  private noteWarning(model: string, warning: string): void {
    if (this.providerWarnings.get(model) === warning) return;
    this.providerWarnings.set(model, warning);
    this.onProviderWarning?.(model, warning);
  }

  /**
   * One row per cache hit of a statement's rows `indexes`, in one INSERT:
   * every field but the row index is the same, and sixteen appender calls per
   * hit were a quarter of a fully cached re-run. Committed at once, so they
   * need no flush. Callers batch a statement's hits (one INSERT per page cost
   * more than it saved).
   */
  async cacheHits(origin: CallOrigin, indexes: readonly number[], at = Date.now()): Promise<void> {
    if (indexes.length === 0) return;
    this.noteStatement(origin.queryId);
    await this.q.run((con) =>
      con
        .run(
          `INSERT INTO rvbbit.${this.callTable}
           SELECT '', $1, $2, $3, '', i, $5, epoch_ms($6::BIGINT), 0, 0, 0, 0, true, 'ok', NULL, 'cache',
             0, NULL, NULL, NULL, false
           FROM (SELECT unnest(range(r[1], r[2] + 1)) AS i
                 FROM (SELECT string_split(unnest(string_split($4, ',')), '-')::BIGINT[] AS r))`,
          // Runs of indexes as 'lo-hi' text: a bound list converts every element on the way in.
          [origin.callerId, origin.queryId, origin.cascadeId, indexRuns(indexes), origin.model ?? '', at],
        )
        .then(() => undefined),
    );
    await this.callsKept?.added(indexes.length);
  }

  /**
   * What a statement's logged calls add up to: model calls (requests sent:
   * rows neither cache hits nor refused by the client unsent), cache hits, and dollars (null when no call had a price); the
   * calls' tokens, and how many of them had tokens but no price (`unpriced`).
   * Flushes first, so calls still buffered are counted.
   */
  async spentBy(queryId: string): Promise<{
    calls: number;
    cacheHits: number;
    cost: number | null;
    tokensIn: number;
    tokensOut: number;
    unpriced: number;
  }> {
    await this.callRows.flush();
    // Kept after: the statement's log and its onSpent both ask (the oldest note goes at STATEMENTS_NOTED).
    const turn = this.firstTurns.get(queryId);
    const from =
      this.callsKept === undefined || turn === undefined
        ? 'rvbbit.unified_logs'
        : this.callsKept.callsSince(turn);
    const r = await this.q.run((con) =>
      con.runAndReadAll(
        `SELECT count(*) FILTER (WHERE NOT cache_hit AND sent IS DISTINCT FROM false)::DOUBLE AS calls,
           count(*) FILTER (WHERE cache_hit)::DOUBLE AS hits,
           sum(cost) FILTER (WHERE NOT cache_hit) AS cost,
           coalesce(sum(tokens_in) FILTER (WHERE NOT cache_hit), 0)::DOUBLE AS tokens_in,
           coalesce(sum(tokens_out) FILTER (WHERE NOT cache_hit), 0)::DOUBLE AS tokens_out,
           count(*) FILTER (WHERE NOT cache_hit AND cost IS NULL AND tokens_in > 0)::DOUBLE AS unpriced
         FROM ${from} WHERE query_id = $1`,
        [queryId],
      ),
    );
    const row = r.getRowObjectsJS()[0]!;
    return {
      calls: Number(row.calls),
      cacheHits: Number(row.hits),
      cost: row.cost === null ? (Number(row.calls) === 0 ? 0 : null) : Number(row.cost),
      tokensIn: Number(row.tokens_in),
      tokensOut: Number(row.tokens_out),
      unpriced: Number(row.unpriced),
    };
  }

  async flush(): Promise<void> {
    await this.callRows.flush();
    await this.queryRows.flush();
  }

  async close(): Promise<void> {
    await this.callRows.close();
    await this.queryRows.close();
  }

  /**
   * One row per statement, buffered as its calls are: a later statement that names a log table
   * commits them before it runs (engine/system-tables.ts), so it reads this one's rows. A commit
   * costs the same for one row as for thousands (~1.4 ms of the main thread for each log table:
   * DuckDB appends a chunk column by column, 21 and 30 columns here).
   */
  async query(log: QueryLog): Promise<void> {
    await this.queryRows.append(1, (a) => {
      text(a, log.query_id);
      text(a, log.text);
      text(a, log.kind);
      text(a, log.strategy);
      a.appendBigInt(BigInt(log.rows_in));
      a.appendBigInt(BigInt(log.rows_out));
      a.appendBigInt(BigInt(log.calls));
      a.appendBigInt(BigInt(log.cache_hits));
      num(a, log.cost);
      a.appendTimestamp(ts(log.started_at));
      num(a, log.duration_ms);
      text(a, log.status);
      text(a, log.error);
      text(a, log.owner);
      text(a, log.chunks_by);
      const g = log.guarantee ?? undefined;
      for (const [key, type] of GUARANTEE_COLUMNS) {
        const v = g?.[key];
        if (v === null || v === undefined) a.appendNull();
        else if (type === 'VARCHAR') a.appendVarchar(String(v));
        else if (type === 'BIGINT') a.appendBigInt(BigInt(v as number));
        // A threshold may be ±infinity (the proxy never / always kept): DuckDB's DOUBLE holds it.
        else a.appendDouble(v as number);
      }
      a.endRow();
    });
    // A statement's end: each log table back to its newest rows within the bound.
    await this.queriesKept?.added(1);
    await this.callsKept?.settle();
    await this.queriesKept?.settle();
  }
}

/** EXPLAIN's `structured_output` line: the provider's refusals for `models`, as the logs learned them. */
export function structuredRefusals(
  logs: Pick<LogWriter, 'providerWarnings'>,
  models: readonly string[],
): { structured_output?: string } {
  const said = models.flatMap((m) => {
    const w = logs.providerWarnings.get(m);
    return w ? [w] : [];
  });
  return said.length > 0 ? { structured_output: said.join('; ') } : {};
}
