/**
 * Runs one client's statements on its engine session, for both query
 * protocols, and keeps what Postgres keeps per connection around them: the
 * transaction status that every ReadyForQuery reports, the rule that an
 * aborted transaction block accepts nothing but its end, cancellation by
 * CancelRequest, rate-limited progress notices, and DataRow encoding.
 */

import { RvbbitError } from '../../base/errors.js';
import { type QueryResult, rowKeys } from '../db/query-result.js';
import type { Progress } from '../dispatch/progress.js';
import type { NoticeSeverity } from '../engine/session.js';
import { wrappedResult } from '../output/wrap-result.js';
import type { ClientContext } from './client-context.js';
import { completionOf } from './command-tag.js';
import type { StreamHooks } from './cursor-source.js';
import { Cursors } from './cursors.js';
import * as msg from './message-writer.js';
import type { ParsedSql } from './parsed-sql.js';
import {
  engineNotice,
  engineWarning,
  noticesWanted,
  progressNotice,
  warningsWanted,
} from './progress-notice.js';
import type { TxStatus } from './protocol-codes.js';
import type { ReplyBuffer } from './reply-buffer.js';
import { failedBlockError, Savepoints, savepointStatement } from './savepoints.js';
import { SqlState } from './sqlstate.js';
import { classifyStatement, readsOnly, type StatementClass } from './statement-class.js';
import { type RunContext, runStatement, type StatementOutcome } from './statement-runner.js';
import { formatAt } from './statement-shape.js';
import { statementTimeoutMs } from './statement-timeout.js';
import { encodeValue } from './types/value-codec.js';

export class StatementExecutor {
  private tx: TxStatus = 'I';
  private running: AbortController | undefined;
  /** The client is gone: nothing more runs. */
  private closed = false;
  /** DECLARE'd cursors and streaming portals (cursors.ts). */
  readonly cursors = new Cursors();
  /** The block's savepoints and whether it wrote since each (savepoints.ts). */
  private readonly savepoints = new Savepoints();

  constructor(
    readonly client: ClientContext,
    private readonly replies: ReplyBuffer,
  ) {}

  /** Idle, in a transaction block, or in a failed one (ReadyForQuery's status byte). */
  get txStatus(): TxStatus {
    return this.tx;
  }

  /** True while a statement runs (an idle timeout must not end the connection under it). */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Aborts the running statement, if any. */
  cancel(): void {
    this.running?.abort();
  }

  /**
   * The client went away: the running statement is cancelled and no later one
   * starts (a message of 20,000 INSERTs stops at the one running, not after all).
   */
  close(): void {
    this.closed = true;
    this.cancel();
  }

  /** DuckDB holds the implicit transaction of a multi-statement Query (implicit-transaction.ts). */
  implicitBlock = false;

  /**
   * The implicit transaction of a multi-statement Query becomes the client's
   * block at its BEGIN (implicit-transaction.ts): DuckDB's transaction is
   * already open, so none is begun.
   */
  adoptTransaction(): void {
    this.tx = 'T';
  }

  /** Postgres' warning for a COMMIT or ROLLBACK that found no transaction block to end. */
  warnNoTransaction(): void {
    if (!warningsWanted(this.client.settings)) return;
    this.replies.send(
      msg.noticeResponse({
        S: 'WARNING',
        V: 'WARNING',
        C: SqlState.noActiveSqlTransaction,
        M: 'there is no transaction in progress',
      }),
    );
  }

  /** A write in the block that did not come through `run` (COPY FROM STDIN): ROLLBACK TO cannot pass it. */
  wrote(): void {
    this.savepoints.wrote();
  }

  /** An error before any statement ran (the query does not parse) still aborts an open block. */
  failBlock(): void {
    if (this.tx === 'T') this.tx = 'E';
  }

  /**
   * Runs a statement with cancellation wired to CancelRequest; updates the
   * transaction status. `cls` is the statement's classification and
   * `parsed` its parse (parsed-sql.ts), when the caller has them already.
   */
  async run(
    sql: string,
    values: readonly unknown[] | undefined,
    cls: StatementClass = classifyStatement(sql),
    parsed?: ParsedSql,
  ): Promise<StatementOutcome> {
    if (this.closed) throw new RvbbitError('CANCELLED', 'canceling statement: the client disconnected');
    const controller = new AbortController();
    // Outside a block no savepoint lives; the block that starts counts its writes from none.
    if (this.tx === 'I') this.savepoints.reset();
    // Answered before ROLLBACK TO could pass for a ROLLBACK (savepoints.ts: DuckDB has none).
    if (cls.savepoint) {
      this.client.log?.(`[${this.client.pid}] ${sql}`);
      try {
        const outcome = await savepointStatement(sql, cls.savepoint, this.tx, this.savepoints, () =>
          this.transactionIntact(controller),
        );
        // A ROLLBACK TO with nothing to undo leaves the block usable, a failed one included.
        if (cls.savepoint === 'ROLLBACK TO') this.tx = 'T';
        return outcome;
      } catch (err) {
        this.failBlock();
        throw err;
      }
    }
    // In a block, whatever may write counts before it runs: a failed write may still have ended DuckDB's transaction.
    if (this.tx === 'T' && !readsOnly(cls, sql)) this.savepoints.wrote();
    if (this.tx === 'E') {
      if (!cls.endsBlock) {
        throw failedBlockError();
      }
      // Any end of a failed block, COMMIT included, rolls it back.
      await this.cursors.beforeStatement(true);
      await runStatement('ROLLBACK', undefined, this.context(controller)).catch(() => undefined);
      this.tx = 'I';
      return { result: { columns: [], rows: [] }, completion: { rows: false, tag: 'ROLLBACK' } };
    }
    if (this.tx === 'I' && !this.implicitBlock && cls.tx === 'end') {
      // Postgres: a COMMIT or ROLLBACK with no transaction open is a warning, not an error.
      this.warnNoTransaction();
      const none = { columns: [], rows: [] };
      return { result: none, completion: completionOf(sql, none, cls) };
    }
    this.running = controller;
    const timeoutMs = statementTimeoutMs(this.client.settings, this.client.limits.statementTimeoutMs);
    let timedOut = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeoutMs)
        : undefined;
    try {
      const ctx = this.context(controller);
      let outcome: StatementOutcome;
      if (Cursors.handles(sql, cls)) {
        ctx.log?.(sql);
        outcome = await this.cursors.run(sql, values, ctx, this.tx === 'T', (q) =>
          runStatement(q, values, ctx),
        );
      } else {
        await this.cursors.beforeStatement(cls.endsBlock);
        outcome = await runStatement(sql, values, ctx, cls, parsed);
      }
      if (cls.tx !== 'none') this.tx = cls.tx === 'begin' ? 'T' : 'I';
      return outcome;
    } catch (err) {
      // However the statement stopped, a cancelled one reports the cancel (57014), not its side effect.
      if (timedOut) {
        this.failAfterError(cls);
        throw new RvbbitError('CANCELLED', 'canceling statement due to statement timeout');
      }
      if (controller.signal.aborted && !(err instanceof RvbbitError && err.code === 'CANCELLED')) {
        throw new RvbbitError('CANCELLED', 'canceling statement due to user request');
      }
      this.failAfterError(cls);
      throw err;
    } finally {
      clearTimeout(timer);
      this.running = undefined;
    }
  }

  /** Whether DuckDB's transaction still runs statements (a binder error leaves it so; a failed run does not). */
  private async transactionIntact(controller: AbortController): Promise<boolean> {
    try {
      await runStatement('SELECT 1', undefined, this.context(controller));
      return true;
    } catch {
      return false;
    }
  }

  /** The transaction status after a statement failed: a failed ROLLBACK still ends the block. */
  private failAfterError(cls: StatementClass): void {
    if (cls.first === 'ROLLBACK' || cls.first === 'ABORT') this.tx = 'I';
    else if (this.tx !== 'I') this.tx = 'E';
  }

  /**
   * Queues DataRows for rows `from` up to `from + max` (all when `max` is 0)
   * and returns the index after the last row sent, where an Execute resumes.
   */
  async sendRows(shown: QueryResult, formats: readonly number[], from: number, max: number): Promise<number> {
    // EXPLAIN's text is wrapped for psql as for the CLI's table (a few rows: wrapped again per Execute).
    const result = wrappedResult(shown);
    const cols = result.columns;
    // By position: same-named columns (`SELECT 1 AS a, 2 AS a`) are keyed a, a:1 in a row.
    const keys = rowKeys(cols);
    const fmt = cols.map((_, i) => formatAt(formats, i));
    const end = max > 0 ? Math.min(result.rows.length, from + max) : result.rows.length;
    for (let i = from; i < end; i++) {
      const row = result.rows[i]!;
      this.replies.send(msg.dataRow(cols.map((c, j) => encodeValue(row[keys[j]!], c.type, fmt[j]!))));
      if ((i & 1023) === 1023) await this.replies.flushIfLarge();
    }
    return end;
  }

  /**
   * Runs `fn` as the connection's running statement, so a CancelRequest or
   * pg_cancel_backend aborts its signal (a streaming portal's reads).
   */
  async guard<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.closed) throw new RvbbitError('CANCELLED', 'canceling statement: the client disconnected');
    const controller = new AbortController();
    this.running = controller;
    try {
      return await fn(controller.signal);
    } catch (err) {
      if (controller.signal.aborted)
        throw new RvbbitError('CANCELLED', 'canceling statement due to user request');
      throw err;
    } finally {
      this.running = undefined;
    }
  }

  /** The progress and notice hooks a run gets (NOTICEs to the client), for a stream read outside run(). */
  noticeHooks(): StreamHooks {
    const { onProgress, onNotice } = this.context(new AbortController());
    return { onProgress, ...(onNotice ? { onNotice } : {}) };
  }

  private context(controller: AbortController): RunContext {
    const { session, settings, params, pid, limits, log, cancelBackend, sharedSettings } = this.client;
    let last = 0;
    return {
      sharedSettings,
      session,
      settings,
      params,
      pid,
      cancelBackend,
      signal: controller.signal,
      log: log ? (sql) => log(`[${pid}] ${sql}`) : undefined,
      onProgress: (p: Progress) => {
        // At most one notice per interval, but always the last one (all rows done).
        const now = performance.now();
        if (now - last < limits.noticeIntervalMs && p.rowsDone < p.rowsTotal) return;
        if (!noticesWanted(settings)) return;
        last = now;
        this.replies.send(msg.noticeResponse(progressNotice(p)));
        void this.replies.flush();
      },
      onNotice: (text: string, severity: NoticeSeverity = 'warning') => {
        if (severity === 'notice') {
          if (noticesWanted(settings)) this.replies.send(msg.noticeResponse(engineNotice(text)));
        } else if (warningsWanted(settings)) this.replies.send(msg.noticeResponse(engineWarning(text)));
      },
    };
  }
}
