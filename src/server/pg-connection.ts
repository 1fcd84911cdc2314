/**
 * One client connection: startup and authentication, then the simple and
 * extended query protocols over one engine session. Messages are handled one
 * at a time in arrival order; replies are batched and written when the client
 * waits for them. A protocol violation ends this connection only.
 */
import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import { parse } from '../../grammar/index.js';
import type { QueryResult } from '../db/query-result.js';
import type { Engine } from '../engine/engine.js';
import type { Session } from '../engine/session.js';
import { RvbbitError } from '../errors.js';
import type { Progress } from '../exec/progress.js';
import { serverParameters } from './catalog-queries.js';
import { leadingWords, txAfter } from './command-tag.js';
import { BodyReader, type Frame, FrameReader } from './frame-reader.js';
import * as msg from './message-writer.js';
import { PasswordAuth } from './password-auth.js';
import { decodeParam, encodeValue } from './pg-types.js';
import { progressNotice } from './progress-notice.js';
import { Frontend, StartupCode, type TxStatus } from './protocol-codes.js';
import type { ServerLimits } from './server-options.js';
import { errorFields, SqlState } from './sqlstate.js';
import { type RunContext, runStatement, type StatementOutcome } from './statement-runner.js';
import {
  describeStatement,
  fieldsOf,
  formatAt,
  isEmptyQuery,
  type PreparedStatement,
} from './statement-shape.js';

export interface ConnectionHost {
  readonly engine: Engine;
  readonly password: string | undefined;
  readonly authMethod: 'scram-sha-256' | 'md5';
  readonly limits: ServerLimits;
  readonly log?: (line: string) => void;
  register(conn: PgConnection): void;
  unregister(conn: PgConnection): void;
  cancel(pid: number, secret: number): void;
}

interface Portal {
  readonly statement: PreparedStatement;
  readonly values: readonly unknown[];
  readonly resultFormats: readonly number[];
  outcome?: StatementOutcome;
  sent: number;
  described: boolean;
}

type Phase = 'startup' | 'auth' | 'ready' | 'closed';

export class PgConnection {
  readonly pid = randomInt(1, 2 ** 31 - 1);
  readonly secret = randomInt(1, 2 ** 31 - 1);
  private readonly reader: FrameReader;
  private phase: Phase = 'startup';
  private out: Buffer[] = [];
  private outBytes = 0;
  private pumping = false;
  private pumpDone: Promise<void> = Promise.resolve();
  private sessionClosed: Promise<void> = Promise.resolve();
  private session: Session | undefined;
  private user = '';
  private params: Record<string, string> = {};
  private readonly settings = new Map<string, string>();
  private tx: TxStatus = 'I';
  private skipUntilSync = false;
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, Portal>();
  private running: AbortController | undefined;
  private auth: PasswordAuth | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.reader = new FrameReader(host.limits.maxMessageBytes);
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      this.reader.push(data);
      void this.pump();
    });
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    if (host.limits.idleTimeoutMs > 0) {
      socket.setTimeout(host.limits.idleTimeoutMs, () => {
        if (this.running) return;
        this.fatal(SqlState.idleSessionTimeout, 'terminating connection due to idle timeout');
      });
    }
  }

  /** Aborts the running statement, if any (CancelRequest). */
  cancelRunning(): void {
    this.running?.abort();
  }

  private pump(): Promise<void> {
    if (this.pumping) return this.pumpDone;
    this.pumping = true;
    this.pumpDone = this.pumpLoop();
    return this.pumpDone;
  }

  private async pumpLoop(): Promise<void> {
    try {
      for (;;) {
        if (this.phase === 'closed') return;
        let frame: Frame | undefined;
        try {
          frame = this.reader.next();
        } catch (err) {
          this.fatal(SqlState.protocolViolation, (err as Error).message);
          return;
        }
        if (!frame) break;
        try {
          await this.handle(frame);
        } catch (err) {
          if (err instanceof RvbbitError && err.code === 'PROTOCOL_VIOLATION') {
            this.fatal(SqlState.protocolViolation, err.message);
            return;
          }
          throw err;
        }
      }
      await this.flush();
    } catch (err) {
      this.host.log?.(`connection ${this.pid}: internal error: ${(err as Error).message}`);
      this.fatal(SqlState.internalError, (err as Error).message);
    } finally {
      this.pumping = false;
    }
  }

  private send(buf: Buffer): void {
    this.out.push(buf);
    this.outBytes += buf.length;
  }

  private async flush(): Promise<void> {
    if (this.out.length === 0 || this.phase === 'closed') return;
    const data = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out);
    this.out = [];
    this.outBytes = 0;
    if (!this.socket.write(data)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    }
  }

  private async maybeFlush(): Promise<void> {
    if (this.outBytes >= 256 * 1024) await this.flush();
  }

  /** Sends a FATAL error and closes this connection; the server carries on. */
  private fatal(code: string, message: string): void {
    if (this.phase === 'closed') return;
    this.send(msg.errorResponse({ S: 'FATAL', V: 'FATAL', C: code, M: message }));
    const data = Buffer.concat(this.out);
    this.out = [];
    this.socket.end(data);
    this.close();
  }

  /** Resolves when this connection's session is closed (after any running statement stops). */
  finished(): Promise<void> {
    return this.sessionClosed;
  }

  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.running?.abort();
    this.host.unregister(this);
    // The session's DuckDB connection must not close under a running statement: wait for it.
    const session = this.session;
    this.session = undefined;
    this.sessionClosed = this.pumpDone.catch(() => undefined).then(() => session?.close());
    if (!this.socket.destroyed) this.socket.destroySoon();
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.phase === 'startup') return this.startup(frame.body);
    if (this.phase === 'auth') {
      if (frame.type !== Frontend.Password) {
        throw new RvbbitError('PROTOCOL_VIOLATION', `expected a password message, got '${frame.type}'`);
      }
      return this.password(frame.body);
    }
    const r = new BodyReader(frame.body);
    if (this.skipUntilSync && frame.type !== Frontend.Sync) return;
    switch (frame.type) {
      case Frontend.Query:
        return this.simpleQuery(r.cstring());
      case Frontend.Parse:
        return this.parseMessage(r);
      case Frontend.Bind:
        return this.bind(r);
      case Frontend.Describe:
        return this.describe(r);
      case Frontend.Execute:
        return this.execute(r);
      case Frontend.Close: {
        const kind = r.byte();
        const name = r.cstring();
        if (kind === 'S') this.statements.delete(name);
        else this.portals.delete(name);
        this.send(msg.closeComplete());
        return;
      }
      case Frontend.Sync:
        this.skipUntilSync = false;
        this.portals.delete('');
        this.send(msg.readyForQuery(this.tx));
        return this.flush();
      case Frontend.Flush:
        return this.flush();
      case Frontend.Terminate:
        this.close();
        return;
      default:
        this.extendedError(
          errorFields(
            new RvbbitError('UNSUPPORTED_MESSAGE', `message type '${frame.type}' is not supported by rvbbit`),
          ),
        );
        if (frame.type === Frontend.FunctionCall || frame.type === Frontend.CopyFail) {
          this.skipUntilSync = false;
          this.send(msg.readyForQuery(this.tx));
        }
    }
  }

  // ── startup and authentication ──────────────────────────────────────

  private async startup(body: Buffer): Promise<void> {
    const r = new BodyReader(body);
    const code = r.int32();
    if (code === StartupCode.Ssl || code === StartupCode.GssEnc) {
      this.socket.write('N');
      return;
    }
    if (code === StartupCode.Cancel) {
      const pid = r.int32();
      const secret = r.int32();
      this.host.cancel(pid, secret);
      this.phase = 'closed';
      this.socket.end();
      return;
    }
    if (code >> 16 !== 3) {
      this.fatal(SqlState.protocolViolation, `unsupported frontend protocol ${code >> 16}.${code & 0xffff}`);
      return;
    }
    this.reader.startup = false;
    while (r.remaining > 1) {
      const key = r.cstring();
      this.params[key] = r.cstring();
    }
    this.user = this.params.user ?? '';
    if (this.host.password === undefined) return this.authenticated();
    this.phase = 'auth';
    this.auth = new PasswordAuth(this.host.authMethod, this.host.password, this.user);
    this.send(this.auth.start());
  }

  private async password(body: Buffer): Promise<void> {
    const step = this.auth!.answer(body);
    if (step.send) this.send(step.send);
    if (step.outcome === 'failed') return this.authFailed();
    if (step.outcome === 'ok') return this.authenticated();
  }

  private authFailed(): void {
    this.fatal(SqlState.invalidPassword, `password authentication failed for user "${this.user}"`);
  }

  private async authenticated(): Promise<void> {
    this.send(msg.authOk());
    try {
      this.host.register(this);
    } catch (err) {
      this.fatal(SqlState.tooManyConnections, (err as Error).message);
      return;
    }
    const session = await this.host.engine.session();
    if (this.phase === 'closed') {
      session.close();
      return;
    }
    this.session = session;
    this.phase = 'ready';
    const status = serverParameters(this.user, this.params.application_name ?? '');
    this.params = { ...status, ...this.params, ...status };
    for (const [k, v] of Object.entries(status)) this.send(msg.parameterStatus(k, v));
    this.send(msg.backendKeyData(this.pid, this.secret));
    this.send(msg.readyForQuery(this.tx));
    await this.flush();
  }

  // ── statements ──────────────────────────────────────────────────────

  private context(controller: AbortController): RunContext {
    let last = 0;
    return {
      session: this.session!,
      settings: this.settings,
      params: this.params,
      pid: this.pid,
      signal: controller.signal,
      log: this.host.log ? (sql) => this.host.log?.(`[${this.pid}] ${sql}`) : undefined,
      onProgress: (p: Progress) => {
        const now = performance.now();
        if (now - last < this.host.limits.noticeIntervalMs && p.rowsDone < p.rowsTotal) return;
        last = now;
        this.send(msg.noticeResponse(progressNotice(p)));
        void this.flush();
      },
    };
  }

  /** Runs a statement with cancellation wired to CancelRequest; updates the transaction status. */
  private async run(sql: string, values: readonly unknown[] | undefined): Promise<StatementOutcome> {
    const controller = new AbortController();
    const [word = ''] = leadingWords(sql, 1);
    if (this.tx === 'E') {
      // As in Postgres: after an error, only the end of the transaction block is accepted.
      if (!['ROLLBACK', 'ABORT', 'COMMIT', 'END'].includes(word)) {
        throw new RvbbitError(
          'IN_FAILED_TRANSACTION',
          'current transaction is aborted, commands ignored until end of transaction block',
        );
      }
      await runStatement('ROLLBACK', undefined, this.context(controller)).catch(() => undefined);
      this.tx = 'I';
      return { result: { columns: [], rows: [] }, completion: { rows: false, tag: 'ROLLBACK' } };
    }
    this.running = controller;
    try {
      const outcome = await runStatement(sql, values, this.context(controller));
      this.tx = txAfter(sql, this.tx);
      return outcome;
    } catch (err) {
      if (controller.signal.aborted && !(err instanceof RvbbitError && err.code === 'CANCELLED')) {
        throw new RvbbitError('CANCELLED', 'canceling statement due to user request');
      }
      const [first = ''] = sql.trim().split(/\s+/);
      if (/^(ROLLBACK|ABORT)$/i.test(first)) this.tx = 'I';
      else if (this.tx !== 'I') this.tx = 'E';
      throw err;
    } finally {
      this.running = undefined;
    }
  }

  private async sendRows(
    result: QueryResult,
    formats: readonly number[],
    from: number,
    max: number,
  ): Promise<number> {
    const cols = result.columns;
    const fmt = cols.map((_, i) => formatAt(formats, i));
    const end = max > 0 ? Math.min(result.rows.length, from + max) : result.rows.length;
    for (let i = from; i < end; i++) {
      const row = result.rows[i]!;
      this.send(msg.dataRow(cols.map((c, j) => encodeValue(row[c.name], c.type, fmt[j]!))));
      if ((i & 1023) === 1023) await this.maybeFlush();
    }
    return end;
  }

  private async simpleQuery(sql: string): Promise<void> {
    const parsed = parse(sql);
    if (isEmptyQuery(sql)) {
      this.send(msg.emptyQueryResponse());
    } else if (parsed.errors.length > 0 && !/\bpg_catalog\b|\binformation_schema\b/i.test(sql)) {
      const e = parsed.errors[0]!;
      this.send(
        msg.errorResponse(
          errorFields(new RvbbitError(e.code, e.message, { offset: e.offset }), { text: sql, start: 0 }),
        ),
      );
      if (this.tx === 'T') this.tx = 'E';
    } else {
      const pieces =
        parsed.errors.length > 0
          ? [{ text: sql, start: 0 }]
          : parsed.statements.map((s) => ({
              text: sql.slice(s.span.start, s.span.end),
              start: s.span.start,
            }));
      if (pieces.length === 0) this.send(msg.emptyQueryResponse());
      for (const piece of pieces) {
        try {
          const { result, completion } = await this.run(piece.text, undefined);
          if (completion.rows) {
            this.send(msg.rowDescription(fieldsOf(result, [])));
            await this.sendRows(result, [], 0, 0);
          }
          this.send(msg.commandComplete(completion.tag));
          await this.maybeFlush();
        } catch (err) {
          this.send(msg.errorResponse(errorFields(err, piece)));
          break;
        }
      }
    }
    this.send(msg.readyForQuery(this.tx));
    await this.flush();
  }

  private extendedError(fields: msg.NoticeFields): void {
    this.send(msg.errorResponse(fields));
    this.skipUntilSync = true;
  }

  private parseMessage(r: BodyReader): void {
    const name = r.cstring();
    const sql = r.cstring();
    const n = r.int16();
    const oids: number[] = [];
    for (let i = 0; i < n; i++) oids.push(r.int32());
    this.statements.set(name, { sql, paramOids: oids });
    this.send(msg.parseComplete());
  }

  private bind(r: BodyReader): void {
    const portalName = r.cstring();
    const statementName = r.cstring();
    const statement = this.statements.get(statementName);
    const nFormats = r.int16();
    const formats: number[] = [];
    for (let i = 0; i < nFormats; i++) formats.push(r.int16());
    const nParams = r.int16();
    const raws: (Buffer | null)[] = [];
    for (let i = 0; i < nParams; i++) {
      const len = r.int32();
      raws.push(len < 0 ? null : Buffer.from(r.bytes(len)));
    }
    const nResult = r.int16();
    const resultFormats: number[] = [];
    for (let i = 0; i < nResult; i++) resultFormats.push(r.int16());
    if (!statement) {
      this.extendedError(
        errorFields(
          new RvbbitError('UNKNOWN_STATEMENT', `prepared statement "${statementName}" does not exist`),
        ),
      );
      return;
    }
    let values: unknown[];
    try {
      values = raws.map((raw, i) => decodeParam(raw, formatAt(formats, i), statement.paramOids[i] ?? 0, i));
    } catch (err) {
      this.extendedError(errorFields(err));
      return;
    }
    this.portals.set(portalName, { statement, values, resultFormats, sent: 0, described: false });
    this.send(msg.bindComplete());
  }

  private async portalOutcome(portal: Portal): Promise<StatementOutcome> {
    portal.outcome ??= await this.run(portal.statement.sql, portal.values);
    return portal.outcome;
  }

  private async describe(r: BodyReader): Promise<void> {
    const kind = r.byte();
    const name = r.cstring();
    if (kind === 'S') {
      const statement = this.statements.get(name);
      if (!statement) {
        this.extendedError(
          errorFields(new RvbbitError('UNKNOWN_STATEMENT', `prepared statement "${name}" does not exist`)),
        );
        return;
      }
      const shape = await describeStatement(this.session!, statement, this.settings, this.params);
      this.send(msg.parameterDescription(shape.paramOids));
      this.send(shape.fields.length > 0 ? msg.rowDescription(shape.fields) : msg.noData());
      return;
    }
    const portal = this.portals.get(name);
    if (!portal) {
      this.extendedError(errorFields(new RvbbitError('UNKNOWN_PORTAL', `portal "${name}" does not exist`)));
      return;
    }
    try {
      const { result, completion } = await this.portalOutcome(portal);
      portal.described = true;
      this.send(completion.rows ? msg.rowDescription(fieldsOf(result, portal.resultFormats)) : msg.noData());
    } catch (err) {
      this.extendedError(errorFields(err, { text: portal.statement.sql, start: 0 }));
    }
  }

  private async execute(r: BodyReader): Promise<void> {
    const name = r.cstring();
    const maxRows = r.int32();
    const portal = this.portals.get(name);
    if (!portal) {
      this.extendedError(errorFields(new RvbbitError('UNKNOWN_PORTAL', `portal "${name}" does not exist`)));
      return;
    }
    if (isEmptyQuery(portal.statement.sql)) {
      this.send(msg.emptyQueryResponse());
      return;
    }
    try {
      const { result, completion } = await this.portalOutcome(portal);
      if (completion.rows) {
        portal.sent = await this.sendRows(result, portal.resultFormats, portal.sent, maxRows);
        if (portal.sent < result.rows.length) {
          this.send(msg.portalSuspended());
          return;
        }
      }
      this.send(msg.commandComplete(completion.tag));
    } catch (err) {
      this.extendedError(errorFields(err, { text: portal.statement.sql, start: 0 }));
    }
  }
}
