/**
 * One client's view of the engine: its own DuckDB connection, so temp tables
 * and transactions stay per session. Every statement goes grammar → plan →
 * exec; plain SQL passes to DuckDB byte for byte.
 */

import { RvbbitError } from '../../base/errors.js';
import type { Grammar, Statement } from '../../grammar/index.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { duckdbError as plainDuckdbError } from '../db/duckdb-error.js';
import type { QueryResult, ResultColumn } from '../db/query-result.js';
import type { EngineShared } from '../dispatch/engine-shared.js';
import type { DocumentParser } from '../documents/document-parser.js';
import { createOwnLogTables, OwnLogCopies } from '../obs/private-logs.js';
import { withDialectSuggestion } from './did-you-mean.js';
import { listFilesSql, parseDocumentsAhead } from './documents-ahead.js';
import { refuseEngineSchemaChange, refuseFunctionTableWrite } from './function-table-guard.js';
import { isPlainSql, type Plan } from './plan.js';
import { planOf, runPlan, type StatementRun } from './plan-executors.js';
import type { QueryOptions } from './query-options.js';
import { rowsWithRelativePaths, stripRoots, withRelativePaths } from './relative-paths.js';
import { SessionConnection } from './session-connection.js';
import { type Outcome, StatementLog, statementKind } from './statement-log.js';
import { streamStatement } from './stream-statement.js';
import { systemTablesReadable } from './system-tables.js';

export type { NoticeSeverity, QueryOptions } from './query-options.js';

/** How often an aborted statement's query is interrupted again until it ends (Session.interrupter). */
const INTERRUPT_AGAIN_MS = 25;
/**
 * One statement of a session's SQL text, parsed once and ready to run,
 * stream or describe as often as the caller likes (see Session.statements):
 * the Postgres server keeps these for a message's statements and its
 * prepared statements, so nothing it runs is parsed twice.
 */
export interface SessionStatement {
  /** The statement without its `-- @` annotations. */
  readonly text: string;
  readonly kind: Statement['kind'];
  /** DuckDB SQL with nothing for a model to do. */
  readonly plainSql: boolean;
  /** It has `-- @` annotations. */
  readonly annotated: boolean;
  run(params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult>;
  /** Its rows in batches as they come (see Session.stream). */
  stream(params?: readonly unknown[], options?: QueryOptions): AsyncGenerator<Record<string, unknown>[]>;
  /** Its columns, known without running it or calling a model (see Session.describe). */
  describe(paramTypes?: readonly (string | undefined)[]): Promise<ResultColumn[]>;
}

/** What a session may do and show; who opens it decides (a server's client gets the strict side of each). */
export interface SessionPolicy {
  /**
   * false: statements that would block the main thread fail: a blocking strategy
   * (statements/semantic/run/run-semantic.ts), a document parsed in DuckDB's call
   * (DOCUMENT_PARSE_BLOCKS, documents/document-parser.ts).
   */
  readonly allowBlocking: boolean;
  /** true: cascade paths in errors are shown relative to their cascade root, not as the host's folders. */
  readonly relativePaths: boolean;
  /**
   * true: CREATE and DROP SEMANTIC FUNCTION fail (SQLFN_READ_ONLY), and so does any statement
   * but a query that names rvbbit.semantic_functions (function-table-guard.ts):
   * `rvbbit serve --read-only-functions`.
   */
  readonly readOnlyFunctions?: boolean;
}

/**
 * A statement and the grammar it was parsed with: one older than the engine's
 * is parsed again before it runs (`current`). Carried beside the statement,
 * not in a WeakMap keyed by it: the server parses every statement of a message
 * before any runs (a million for a 9 MB script), and a million ephemeron
 * entries made its peak memory swing by hundreds of MB with GC timing.
 */
interface ParsedStatement {
  readonly stmt: Statement;
  readonly grammar: Grammar;
}

const OWN_PROCESS: SessionPolicy = { allowBlocking: true, relativePaths: false };

export class Session {
  private closed = false;
  private connectionClosed: Promise<void> = Promise.resolve();
  /** RUN ASYNC jobs still reading their TEMP input table on this session's connection. */
  private readonly jobs = new Set<Promise<void>>();
  /** With private logs, what this connection's copies of the log tables hold (obs/private-logs.ts). */
  ownLogs: OwnLogCopies | undefined;
  /** The connection taken directly, for the Postgres server's connection-level steps (session-connection.ts). */
  readonly connection: SessionConnection;

  /**
   * Made by the engine (Engine.session, the server), never by a user: internal, so the
   * package's declarations do not name EngineShared and everything it reaches (the scale-out
   * queue's ioredis and BullMQ types among it) for a user's `tsc` to read.
   * @internal
   */
  constructor(
    private readonly shared: EngineShared,
    readonly q: ConnectionQueue,
    /** The server client this session serves (null in-process): tags its log rows. */
    readonly owner: string | null,
    private readonly onClose: () => void,
    private readonly policy: SessionPolicy = OWN_PROCESS,
    /** Parses what a statement's text says it reads before it runs (documents-ahead.ts). */
    private readonly documents?: DocumentParser,
  ) {
    this.connection = new SessionConnection(q);
    // A session that must not block refuses a parse inside DuckDB's call (DOCUMENT_PARSE_BLOCKS).
    if (!policy.allowBlocking) documents?.mustNotBlock(this.connectionId, true);
  }

  private get connectionId(): number {
    return this.q.con.clientContext.connectionId;
  }

  /** Documents the statement names, parsed off the main thread before it runs (documents-ahead.ts). */
  private async documentsAhead(text: string, signal?: AbortSignal): Promise<void> {
    if (!this.documents) return;
    await parseDocumentsAhead(
      text,
      this.documents,
      this.connectionId,
      async (pattern) => (await this.connection.read(listFilesSql(pattern))).rows.map((r) => String(r.file)),
      signal,
    );
  }

  /**
   * Before a statement that may read the engine's own tables (it names one), what the engine
   * still buffers for them is committed, so it reads every statement that ended before it
   * (system-tables.ts); with private logs, this connection's views of the log tables then show
   * its own rows (obs/private-logs.ts).
   */
  async systemTablesReadable(sql: string): Promise<void> {
    const tables = await systemTablesReadable(this.shared, sql);
    if (tables.length === 0 || this.shared.logDb.instance === null) return;
    this.ownLogs ??= new OwnLogCopies(this.shared.logDb, this.owner);
    const copies = this.ownLogs;
    await this.q.run((con) => copies.refresh(con, tables));
  }

  /** With private logs, this connection's own (empty) log tables, under the views, before its first statement. */
  async openOwnLogs(): Promise<void> {
    if (this.shared.logDb.instance === null) return;
    await this.q.run((con) => createOwnLogTables(con, this.shared.logDb));
  }

  async query(sql: string, params?: readonly unknown[], options: QueryOptions = {}): Promise<QueryResult> {
    let last: QueryResult = { columns: [], rows: [] };
    for (const { parsed, text } of this.parse(sql)) {
      // A cancel stops the statements still to come, not only the one running.
      if (options.signal?.aborted) throw new RvbbitError('CANCELLED', 'statement cancelled');
      last = await this.logged(parsed, text, params, options);
    }
    return last;
  }

  /**
   * The statements of `sql` as the engine parses them, each runnable on its
   * own with its `-- @` annotations (for callers that print every result,
   * like the CLI, or keep statements to run later, like the server). Throws
   * the first grammar error, with its line and column.
   */
  statements(sql: string): SessionStatement[] {
    return this.parse(sql).map(({ parsed, text }) => ({
      text,
      kind: parsed.stmt.kind,
      plainSql: isPlainSql(parsed.stmt),
      annotated: parsed.stmt.annotations.length > 0,
      run: (params, options = {}) => this.logged(parsed, text, params, options),
      stream: (params, options = {}) => this.streamOne(parsed, text, params, options),
      describe: (paramTypes = []) => this.describeOne(parsed, text, paramTypes),
    }));
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
    for (const { parsed, text } of statements) await this.logged(parsed, text, params, options);
    yield* this.streamOne(last.parsed, last.text, params, options);
  }

  /**
   * The columns the last statement of `sql` returns, known without running it
   * or calling a model (describe-statement.ts): a MAP's end with `_error`,
   * which `query` adds only when a row failed. `paramTypes[i]` is the DuckDB
   * type `$i+1` will be bound as, where the SQL does not say. Throws what
   * running it would throw at planning (a missing cascade, a DuckDB error).
   */
  async describe(sql: string, paramTypes: readonly (string | undefined)[] = []): Promise<ResultColumn[]> {
    const last = this.parse(sql).at(-1);
    return last ? this.describeOne(last.parsed, last.text, paramTypes) : [];
  }

  private async *streamOne(
    parsed: ParsedStatement,
    text: string,
    params: readonly unknown[] | undefined,
    options: QueryOptions,
  ): AsyncGenerator<Record<string, unknown>[]> {
    const stmt = this.current(parsed, text);
    await this.refuseFunctionTableWrite(text);
    await this.systemTablesReadable(text);
    await this.documentsAhead(text, options.signal);
    const host = {
      shared: this.shared,
      owner: this.owner,
      options,
      runFor: (queryId: string) => this.statementRun(params, options, queryId),
    };
    // As logged() does for a whole result: queue notices reach the caller, an
    // abort interrupts DuckDB, and onSpent hears what the statement spent.
    const log = new StatementLog(this.shared.logs, text, stmt, this.owner, this.shared.queue);
    const unlisten = this.shared.queue?.listen(log.queryId, options.onNotice);
    const interrupt = this.interrupter(options.signal);
    const roots = this.policy.relativePaths ? this.shared.shownRoots : undefined;
    try {
      for await (const rows of streamStatement(host, stmt, text, log))
        yield roots ? rowsWithRelativePaths(rows, roots, stmt) : rows;
    } catch (err) {
      const e =
        err instanceof RvbbitError ? withDialectSuggestion(err, this.shared.semantic.catalog.grammar) : err;
      if (options.signal?.aborted && e instanceof RvbbitError && e.code === 'DUCKDB_INTERRUPT')
        throw new RvbbitError('CANCELLED', 'statement cancelled', {}, { cause: err });
      throw roots ? withRelativePaths(this.duckdbError(e), roots) : e;
    } finally {
      interrupt.stop();
      unlisten?.();
      await this.reportSpent(stmt, log.queryId, options).catch(() => undefined);
    }
  }

  private async describeOne(
    parsed: ParsedStatement,
    text: string,
    paramTypes: readonly (string | undefined)[],
  ): Promise<ResultColumn[]> {
    const stmt = this.current(parsed, text);
    await this.systemTablesReadable(text);
    const { describeStatement } = await import('./describe-statement.js');
    try {
      return await describeStatement(
        { shared: this.shared, q: this.q, plan: (s) => this.plan(s) },
        stmt,
        paramTypes,
      );
    } catch (err) {
      const e = this.duckdbError(err);
      throw this.policy.relativePaths ? withRelativePaths(e, this.shared.shownRoots) : e;
    }
  }

  /**
   * Under readOnlyFunctions, a statement that may write the semantic functions' table fails; under
   * any policy, one that drops or alters the engine's schema (function-table-guard.ts).
   */
  private async refuseFunctionTableWrite(text: string): Promise<void> {
    if (this.policy.readOnlyFunctions) refuseFunctionTableWrite(text);
    await refuseEngineSchemaChange(text, () => this.searchesEngineSchema());
  }

  /** The session's current schema or search_path is the engine's (`USE rvbbit`). */
  private async searchesEngineSchema(): Promise<boolean> {
    const r = await this.connection.read(
      `SELECT current_schema() = 'rvbbit' OR regexp_matches(lower(current_setting('search_path')), '(^|[s,."])rvbbit($|[s,."])') AS engine`,
    );
    return r.rows[0]?.['engine'] === true;
  }

  /** A failure as an RvbbitError, DuckDB's "did you mean" widened to the dialect's words (did-you-mean.ts). */
  private duckdbError(err: unknown): RvbbitError {
    return withDialectSuggestion(plainDuckdbError(err), this.shared.semantic.catalog.grammar);
  }

  private parse(sql: string): { parsed: ParsedStatement; text: string }[] {
    if (this.closed) throw new RvbbitError('SESSION_CLOSED', 'the session is closed');
    const grammar = this.shared.semantic.catalog.grammar;
    const parsed = grammar.parse(sql);
    if (parsed.errors.length > 0) {
      const e = parsed.errors[0]!;
      throw new RvbbitError(e.code, `${e.message}\n${e.rendered}`, {
        line: e.line,
        column: e.column,
        offset: e.offset,
        errors: parsed.errors.length,
      });
    }
    return parsed.statements.map((stmt) => ({
      parsed: { stmt, grammar },
      text: sql.slice(stmt.span.start, stmt.span.end),
    }));
  }

  /**
   * The statement as the engine's operators read it now: one parsed before a
   * CREATE or DROP SEMANTIC FUNCTION ran (a later statement of the same
   * text, a prepared statement) is parsed again with the new grammar, its
   * annotations kept, so the function it calls is the one defined now.
   */
  private current({ stmt, grammar: was }: ParsedStatement, text: string): Statement {
    const grammar = this.shared.semantic.catalog.grammar;
    if (was === grammar) return stmt;
    const parsed = grammar.parse(text);
    const again = parsed.statements[0];
    if (parsed.errors.length > 0 || parsed.statements.length !== 1 || !again) {
      const e = parsed.errors[0];
      if (!e) return stmt;
      throw new RvbbitError(e.code, `${e.message}\n${e.rendered}`, {
        line: e.line,
        column: e.column,
        offset: e.offset,
      });
    }
    const fresh = { ...again, annotations: stmt.annotations } as Statement;
    return fresh;
  }

  /** Runs one statement and writes its `rvbbit.queries` row, success or not. */
  private async logged(
    parsed: ParsedStatement,
    text: string,
    params: readonly unknown[] | undefined,
    options: QueryOptions,
  ): Promise<QueryResult> {
    const stmt = this.current(parsed, text);
    await this.systemTablesReadable(text);
    await this.documentsAhead(text, options.signal);
    const log = new StatementLog(this.shared.logs, text, stmt, this.owner, this.shared.queue);
    // Queue notices (waiting for a worker) reach this statement's caller: the CLI, a server client.
    const unlisten = this.shared.queue?.listen(log.queryId, options.onNotice);
    // DuckDB stops a running query only when told: an abort interrupts this connection's query
    // (plain SQL as well as an operator statement's passes). Harmless when nothing runs.
    const interrupt = this.interrupter(options.signal);
    try {
      await this.refuseFunctionTableWrite(text);
      const out = await this.execute(stmt, params, options, log.queryId);
      await log.ok(out, out.result.rows.length);
      await this.reportSpent(stmt, log.queryId, options);
      if (!this.policy.relativePaths) return out.result;
      return { ...out.result, rows: rowsWithRelativePaths(out.result.rows, this.shared.shownRoots, stmt) };
    } catch (err) {
      const e = this.duckdbError(err);
      const shown = this.policy.relativePaths ? withRelativePaths(e, this.shared.shownRoots) : e;
      // The log shows what the caller sees: a client's own rows of rvbbit.queries hold no server path.
      await log.failed(options.signal?.aborted ? 'cancelled' : 'error', shown);
      await this.reportSpent(stmt, log.queryId, options).catch(() => undefined);
      if (options.signal?.aborted && e.code === 'DUCKDB_INTERRUPT')
        throw new RvbbitError('CANCELLED', 'statement cancelled', {}, { cause: err });
      throw shown;
    } finally {
      interrupt.stop();
      unlisten?.();
    }
  }

  /**
   * Interrupts this connection's DuckDB query once `signal` aborts, and again every
   * INTERRUPT_AGAIN_MS until the statement ends (`stop`): DuckDB drops an interrupt that comes
   * before its query starts (measured: an interrupt on an idle connection, then a 17 s query ran
   * to its end), and a signal aborts once, so a cancel landing between the statement's start and
   * its first query was lost and the statement ran on (a server test's pg_cancel_backend loop
   * hung for 900 s in CI). A signal aborted before the statement got here counts too.
   */
  private interrupter(signal: AbortSignal | undefined): { stop(): void } {
    let again: NodeJS.Timeout | undefined;
    const interrupt = () => {
      this.q.con.interrupt();
      again ??= setInterval(() => this.q.con.interrupt(), INTERRUPT_AGAIN_MS);
    };
    if (signal?.aborted) interrupt();
    else signal?.addEventListener('abort', interrupt, { once: true });
    return {
      stop: () => {
        signal?.removeEventListener('abort', interrupt);
        clearInterval(again);
      },
    };
  }

  /** options.onSpent, for a statement that plans model work (not plain SQL, not EXPLAIN, which calls none). */
  private async reportSpent(stmt: Statement, queryId: string, options: QueryOptions): Promise<void> {
    const kind = statementKind(stmt);
    if (!options.onSpent || kind === 'sql' || kind === 'explain') return;
    const s = await this.shared.logs.spentBy(queryId);
    options.onSpent({
      calls: s.calls,
      cacheHits: s.cacheHits,
      tokensIn: s.tokensIn,
      tokensOut: s.tokensOut,
      dollars: s.unpriced > 0 ? null : (s.cost ?? 0),
    });
  }

  /** What the statement's executor is lent (plan-executors.ts). */
  private statementRun(
    params: readonly unknown[] | undefined,
    options: QueryOptions,
    queryId: string,
  ): StatementRun {
    return {
      shared: this.shared,
      q: this.q,
      owner: this.owner,
      allowBlocking: this.policy.allowBlocking,
      readOnlyFunctions: this.policy.readOnlyFunctions ?? false,
      params,
      // A notice naming a cascade file (its ignored keys) shows the file as the client may see it.
      options:
        this.policy.relativePaths && options.onNotice
          ? {
              ...options,
              onNotice: (text, severity) =>
                options.onNotice!(stripRoots(text, this.shared.shownRoots), severity),
            }
          : options,
      queryId,
      holdFor: (done) => this.holdFor(done),
      ...(this.documents ? { documents: { parser: this.documents, connectionId: this.connectionId } } : {}),
    };
  }

  /** Plans the statement (plan/), then runs the plan by its kind's executor. */
  private async execute(
    stmt: Statement,
    params: readonly unknown[] | undefined,
    options: QueryOptions,
    queryId: string,
  ): Promise<Outcome> {
    return runPlan(await this.plan(stmt), this.statementRun(params, options, queryId));
  }

  /** Plain SQL is planned without loading the planner of the other kinds (see llm-statements.ts). */
  plan(stmt: Statement): Promise<Plan> {
    return planOf(this.shared, stmt);
  }

  /** Closes the session; resolves once its DuckDB connection is closed. */
  close(): Promise<void> {
    if (this.closed) return this.connectionClosed;
    this.closed = true;
    // A RUN ASYNC job outlives its statement and reads its TEMP input table
    // here: the connection (and so the table) stays until the last one ends.
    // The close itself waits its turn on the connection: closing it under an
    // operation still queued or running there (a server client's catalog
    // setup when it leaves at once) crashes DuckDB.
    const connectionId = this.connectionId;
    this.connectionClosed = Promise.allSettled([...this.jobs])
      .then(() => this.q.run((con) => con.closeSync()))
      .catch(() => undefined)
      .finally(() => this.documents?.mustNotBlock(connectionId, false));
    this.onClose();
    return this.connectionClosed;
  }

  private holdFor(done: Promise<void>): void {
    this.jobs.add(done);
    done.finally(() => this.jobs.delete(done)).catch(() => undefined);
  }
}
