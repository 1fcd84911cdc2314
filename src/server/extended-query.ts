/**
 * The extended query protocol: Parse makes a prepared statement, Bind makes a
 * portal (a statement with parameter values and result formats), Describe
 * and Execute use them, Close drops them, and Sync ends the exchange with
 * ReadyForQuery. After an error, every message up to the next Sync is
 * discarded, so a client's pipelined messages do not run on a failed state.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY
 */

import { RvbbitError } from '../../base/errors.js';
import type { QueryResult, ResultColumn } from '../db/query-result.js';
import { openStream, SEND_BATCH_ROWS, type StreamSource } from './cursor-source.js';
import { bindRefusal, bindValues, parameterCount, readBind, readParse } from './extended-messages.js';
import type { BodyReader } from './frame-reader.js';
import * as msg from './message-writer.js';
import { parseOnce } from './parsed-sql.js';
import type { ReplyBuffer } from './reply-buffer.js';
import { asDescribed, statementColumns } from './result-columns.js';
import { errorFields } from './sqlstate.js';
import { classifyStatement } from './statement-class.js';
import type { StatementExecutor } from './statement-executor.js';
import type { StatementOutcome } from './statement-runner.js';
import {
  describeStatement,
  fieldsOf,
  formatAt,
  isEmptyQuery,
  type PreparedStatement,
} from './statement-shape.js';

/** A bound statement. It runs once, at its first Describe or Execute; Executes with a row limit page through it. */
interface Portal {
  readonly statement: PreparedStatement;
  readonly values: readonly unknown[];
  readonly resultFormats: readonly number[];
  outcome?: StatementOutcome;
  /** Plain SQL streamed from DuckDB as Executes ask for rows (cursor-source.ts), instead of an outcome. */
  stream?: StreamSource;
  /** Rows already sent by earlier Executes. */
  sent: number;
  /** The columns its Describe told the client (Execute sends rows as told). */
  described?: readonly ResultColumn[];
  /** The outcome's rows as described, made at the first Execute that sends them. */
  shaped?: QueryResult;
}

/** A prepared statement and the number of parameters a Bind must supply (undefined: DuckDB numbers them). */
interface Prepared extends PreparedStatement {
  readonly paramCount: number | undefined;
}

export class ExtendedQuery {
  private readonly statements = new Map<string, Prepared>();
  private readonly portals = new Map<string, Portal>();
  /** Each statement's columns, planned once, as Postgres plans a prepared statement once. */
  private readonly columns = new WeakMap<PreparedStatement, Promise<readonly ResultColumn[]>>();
  /** The columns a Describe of the statement told the client: its portals' Executes send rows as told. */
  private readonly told = new WeakMap<PreparedStatement, readonly ResultColumn[]>();
  /**
   * Parameter types of a statement's parameters its Parse declared none for: what its Describe
   * told the client (asyncpg encodes by them), or what DuckDB infers (inferredParamTypes).
   */
  private readonly paramTypes = new WeakMap<PreparedStatement, readonly number[]>();
  private discarding = false;

  constructor(
    private readonly executor: StatementExecutor,
    private readonly replies: ReplyBuffer,
  ) {}

  /** True after an error until Sync: the connection drops every other message meanwhile. */
  get discardingUntilSync(): boolean {
    return this.discarding;
  }

  /** Sends an ErrorResponse and discards what follows up to the next Sync. */
  fail(fields: msg.NoticeFields): void {
    this.replies.send(msg.errorResponse(fields));
    this.discarding = true;
  }

  /** Ends the discarding without a Sync, for messages that are answered at once (FunctionCall, CopyFail). */
  resume(): void {
    this.discarding = false;
  }

  /** `droppedLength`: the message was over maxQueryBytes and dropped unread. */
  parse(r: BodyReader, droppedLength?: number): void {
    const parsed = readParse(r, droppedLength, this.executor.client.limits);
    if (parsed instanceof RvbbitError) {
      this.fail(errorFields(parsed));
      return;
    }
    const { name, sql, paramOids } = parsed;
    this.statements.set(name, {
      sql,
      paramOids,
      cls: classifyStatement(sql),
      parsed: parseOnce(this.executor.client.session, sql),
      paramCount: parameterCount(sql, paramOids.length),
    });
    this.replies.send(msg.parseComplete());
  }

  /**
   * Checked as Postgres checks it: the format-code count is 0, 1 or one per
   * parameter (08P01), each code is 0 or 1 (22023 "unsupported format
   * code"), no length is below -1 (08P01), and the statement gets as many
   * parameters as it has (08P01). Text parameters must be UTF-8 (22021).
   */
  async bind(r: BodyReader): Promise<void> {
    const bind = readBind(r);
    if (bind instanceof RvbbitError) {
      this.fail(errorFields(bind));
      return;
    }
    const { portalName, statementName, formats, raws, resultFormats } = bind;
    const statement = this.statements.get(statementName);
    // The whole message is read first, so a malformed one is a protocol violation, not a missing statement.
    if (!statement) {
      this.unknownStatement(statementName);
      return;
    }
    const refused = bindRefusal(bind, statement.paramCount);
    if (refused) {
      this.fail(errorFields(refused));
      return;
    }
    let values: unknown[];
    try {
      const types =
        this.paramTypes.get(statement) ?? (await this.inferredParamTypes(statement, formats, raws));
      values = bindValues(raws, formats, (i) => statement.paramOids[i] || types?.[i] || 0);
    } catch (err) {
      this.fail(errorFields(err));
      return;
    }
    this.portals.set(portalName, { statement, values, resultFormats, sent: 0 });
    this.replies.send(msg.bindComplete());
  }

  async describe(r: BodyReader): Promise<void> {
    const kind = r.byte();
    const name = r.cstring();
    if (kind === 'S') {
      const statement = this.statements.get(name);
      if (!statement) {
        this.unknownStatement(name);
        return;
      }
      let columns: readonly ResultColumn[];
      try {
        columns = await this.columnsOf(statement);
      } catch (err) {
        this.fail(errorFields(err, { text: statement.sql, start: 0 }));
        return;
      }
      const { session, settings, params, pid } = this.executor.client;
      const shape = await describeStatement(session, statement, settings, params, pid);
      this.told.set(statement, columns);
      this.paramTypes.set(statement, shape.paramOids);
      this.replies.send(msg.parameterDescription(shape.paramOids));
      this.replies.send(rowDescriptionOf(columns, []));
      return;
    }
    const portal = this.portals.get(name);
    if (!portal) {
      // A DECLAREd cursor is a portal too (psycopg 3's named cursors describe theirs).
      const cursor = this.executor.cursors.portal(name);
      if (cursor) this.replies.send(rowDescriptionOf(cursor.columns, [cursor.binary ? 1 : 0]));
      else this.unknownPortal(name);
      return;
    }
    try {
      portal.described = await this.columnsOf(portal.statement).catch(() => this.ranColumns(portal));
      this.replies.send(rowDescriptionOf(portal.described, portal.resultFormats));
    } catch (err) {
      this.fail(errorFields(err, { text: portal.statement.sql, start: 0 }));
    }
  }

  /**
   * The types DuckDB infers for a statement's parameters, asked only when a text parameter of no
   * declared type reads as a Postgres array ('{a,b}', psycopg 3's lists of strings): Postgres
   * reads such a value as the type the statement needs, so an INSERT into a VARCHAR[] gets a list.
   */
  private async inferredParamTypes(
    statement: PreparedStatement,
    formats: readonly number[],
    raws: readonly (Buffer | null)[],
  ): Promise<readonly number[] | undefined> {
    const arrayText = raws.some(
      (raw, i) => raw?.[0] === 0x7b && formatAt(formats, i) === 0 && !statement.paramOids[i],
    );
    if (!arrayText) return undefined;
    // DuckDB's prepare needs the session's connection, which an open stream holds.
    await this.executor.cursors.beforeStatement(false);
    const { session, settings, params, pid } = this.executor.client;
    const { paramOids } = await describeStatement(session, statement, settings, params, pid);
    this.paramTypes.set(statement, paramOids);
    return paramOids;
  }

  /** The statement's columns, planned without running it (result-columns.ts). */
  private columnsOf(statement: PreparedStatement): Promise<readonly ResultColumn[]> {
    let columns = this.columns.get(statement);
    if (!columns) {
      columns = statementColumns(this.executor, statement);
      // A statement that failed to plan is planned again at its next Describe (its table may exist by then).
      columns.catch(() => this.columns.delete(statement));
      this.columns.set(statement, columns);
    }
    return columns;
  }

  /**
   * A portal whose statement could not be planned without running it: it
   * runs at its Describe (its error is then the run's), and Execute reuses
   * the outcome.
   */
  private async ranColumns(portal: Portal): Promise<readonly ResultColumn[]> {
    const stream = await this.streamOf(portal);
    if (stream) return stream.columns;
    const { result, completion } = await this.outcomeOf(portal);
    return completion.rows ? result.columns : [];
  }

  async execute(r: BodyReader): Promise<void> {
    const name = r.cstring();
    const maxRows = r.int32();
    const portal = this.portals.get(name);
    if (!portal) {
      if (this.executor.cursors.portal(name)) await this.executeCursor(name, maxRows);
      else this.unknownPortal(name);
      return;
    }
    if (isEmptyQuery(portal.statement.sql)) {
      this.replies.send(msg.emptyQueryResponse());
      return;
    }
    try {
      const stream = await this.streamOf(portal);
      if (stream) {
        await this.executeStream(portal, stream, maxRows);
        return;
      }
      const { result: ran, completion } = await this.outcomeOf(portal);
      if (completion.rows) {
        const described = this.describedOf(portal);
        portal.shaped ??= described ? asDescribed(ran, described) : ran;
        const result = portal.shaped;
        portal.sent = await this.executor.sendRows(result, portal.resultFormats, portal.sent, maxRows);
        if (portal.sent < result.rows.length) {
          this.replies.send(msg.portalSuspended());
          return;
        }
      }
      this.replies.send(msg.commandComplete(completion.tag));
    } catch (err) {
      this.fail(errorFields(err, { text: portal.statement.sql, start: 0 }));
    }
  }

  async close(r: BodyReader): Promise<void> {
    const kind = r.byte();
    const name = r.cstring();
    if (kind === 'S') this.statements.delete(name);
    else if (this.portals.has(name)) await this.dropPortal(name);
    else await this.executor.cursors.closePortal(name);
    this.replies.send(msg.closeComplete());
  }

  /** Ends the exchange: discarding stops, the unnamed portal is gone, and the client may send again. */
  async sync(): Promise<void> {
    this.discarding = false;
    await this.dropPortal('');
    // Outside a transaction block the implicit transaction ends here, and its portals with it.
    if (this.executor.txStatus === 'I')
      for (const name of [...this.portals.keys()]) await this.dropPortal(name);
    this.replies.send(msg.readyForQuery(this.executor.txStatus));
    await this.replies.flush();
  }

  /** A portal over plain SQL or a MAP streams (outside a failed block, where it must fail as any statement). */
  private async streamOf(portal: Portal): Promise<StreamSource | undefined> {
    if (portal.stream || portal.outcome || this.executor.txStatus === 'E') return portal.stream;
    const { session, settings, params, log, pid } = this.executor.client;
    await this.executor.cursors.beforeStatement(false);
    const { sql, parsed } = portal.statement;
    // Under guard: a MAP's first rows are computed as it opens, and a cancel stops that.
    portal.stream = await this.executor.guard((signal) =>
      openStream(
        session,
        sql,
        portal.values,
        settings,
        params,
        parsed,
        signal,
        this.executor.streamRunOptions(),
      ),
    );
    if (portal.stream) {
      log?.(`[${pid}] ${portal.statement.sql}`);
      this.executor.cursors.track(portal.stream);
    }
    return portal.stream;
  }

  /** Sends up to maxRows (all when 0) of a streaming portal, reading DuckDB a batch at a time. */
  private async executeStream(portal: Portal, stream: StreamSource, maxRows: number): Promise<void> {
    const described = this.describedOf(portal);
    try {
      let left = maxRows > 0 ? maxRows : Number.POSITIVE_INFINITY;
      while (left > 0 && !stream.done) {
        const rows = await this.executor.guard((signal) =>
          stream.fetch(Math.min(left, SEND_BATCH_ROWS), signal),
        );
        left -= rows.length;
        portal.sent += rows.length;
        const batch = { columns: stream.columns, rows };
        await this.executor.sendRows(
          described ? asDescribed(batch, described) : batch,
          portal.resultFormats,
          0,
          0,
        );
        await this.replies.flushIfLarge();
      }
    } catch (err) {
      this.executor.failBlock();
      throw err;
    }
    if (!stream.done) {
      this.replies.send(msg.portalSuspended());
      return;
    }
    this.replies.send(msg.commandComplete(`SELECT ${portal.sent}`));
  }

  /** The columns the client was told for this portal, by its Describe or its statement's; undefined: none. */
  private describedOf(portal: Portal): readonly ResultColumn[] | undefined {
    return portal.described ?? this.told.get(portal.statement);
  }

  /**
   * Execute of a DECLAREd cursor: a FETCH of up to maxRows (all when 0),
   * through the executor like the SQL FETCH (cancel, failed blocks), sent in
   * the cursor's format; PortalSuspended while it may have more.
   */
  private async executeCursor(name: string, maxRows: number): Promise<void> {
    const ident = `"${name.replaceAll('"', '""')}"`;
    const sql = maxRows > 0 ? `FETCH FORWARD ${maxRows} FROM ${ident}` : `FETCH ALL FROM ${ident}`;
    try {
      const { result } = await this.executor.run(sql, undefined);
      const binary = this.executor.cursors.portal(name)?.binary ?? false;
      await this.executor.sendRows(result, [binary ? 1 : 0], 0, 0);
      const left = this.executor.cursors.portal(name);
      if (maxRows > 0 && result.rows.length === maxRows && left && !left.done) {
        this.replies.send(msg.portalSuspended());
        return;
      }
      this.replies.send(msg.commandComplete(`SELECT ${result.rows.length}`));
    } catch (err) {
      this.fail(errorFields(err, { text: sql, start: 0 }));
    }
  }

  private async dropPortal(name: string): Promise<void> {
    const stream = this.portals.get(name)?.stream;
    this.portals.delete(name);
    if (stream) {
      this.executor.cursors.untrack(stream);
      await stream.close();
    }
  }

  private async outcomeOf(portal: Portal): Promise<StatementOutcome> {
    const { sql, cls, parsed } = portal.statement;
    portal.outcome ??= await this.executor.run(sql, portal.values, cls, parsed);
    return portal.outcome;
  }

  private unknownStatement(name: string): void {
    this.fail(
      errorFields(new RvbbitError('UNKNOWN_STATEMENT', `prepared statement "${name}" does not exist`)),
    );
  }

  private unknownPortal(name: string): void {
    this.fail(errorFields(new RvbbitError('UNKNOWN_PORTAL', `portal "${name}" does not exist`)));
  }
}

/** RowDescription of `columns` in `formats`, or NoData when there are none. */
function rowDescriptionOf(columns: readonly ResultColumn[], formats: readonly number[]): Buffer {
  return columns.length > 0 ? msg.rowDescription(fieldsOf({ columns, rows: [] }, formats)) : msg.noData();
}
