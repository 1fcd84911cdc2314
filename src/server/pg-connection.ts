/**
 * One client connection: it owns the socket, reads messages one at a time in
 * arrival order and hands each to the phase it belongs to. Startup and
 * authentication are handled here; once the client is in, statements go to
 * the simple (`simple-query.ts`) or extended (`extended-query.ts`) query
 * protocol, both running on one `StatementExecutor` over one engine session.
 * A protocol violation ends this connection only.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { RvbbitError } from '../../base/errors.js';
import type { Session } from '../engine/session.js';
import { installCancelFunction } from './cancel-function.js';
import { ensureCatalog } from './catalog-setup.js';
import { type ClientHost, clientContext } from './client-context.js';
import type { CopyInSink } from './copy-in.js';
import { type EngineFileGuard, guardConnection } from './engine-file-guard.js';
import { ExtendedQuery } from './extended-query.js';
import { BodyReader, type Frame, FrameReader } from './frame-reader.js';
import { inputBudgetOf } from './input-budget.js';
import type { LoginGate } from './login-gate.js';
import * as msg from './message-writer.js';
import { PasswordAuth } from './password-auth.js';
import { Frontend } from './protocol-codes.js';
import { ReplyBuffer } from './reply-buffer.js';
import { simpleQuery } from './simple-query.js';
import { errorFields, SqlState, type SqlStateCode, sqlStateOf } from './sqlstate.js';
import { startupSettings } from './startup-options.js';
import { readStartupPacket } from './startup-packet.js';
import { StatementExecutor } from './statement-executor.js';

/** What a connection needs from its server. */
export interface ConnectionHost extends ClientHost {
  readonly password: string | undefined;
  readonly authMethod: 'scram-sha-256' | 'md5';
  /** Clients may run statements that block the main thread (server-options.ts). */
  readonly allowBlockingStrategies: boolean;
  /** CREATE/DROP SEMANTIC FUNCTION are refused (server-options.ts). */
  readonly readOnlyFunctions: boolean;
  /** Counts the connection out (it is counted in at connect, logged in or not). */
  unregister(conn: PgConnection): void;
  /** A CancelRequest: cancels the statement of the connection with this key, if the key is right. */
  cancel(pid: number, secret: number): void;
  /** Refuses any statement that reaches the engine's own files; in front of every client connection. */
  readonly fileGuard: EngineFileGuard;
  /** Where logins wait to set up their session, a few at a time (login-gate.ts). */
  readonly logins: LoginGate;
}

type Phase = 'startup' | 'auth' | 'ready' | 'closed';

/** Both query protocols, available once the client is authenticated. */
interface QueryProtocols {
  readonly executor: StatementExecutor;
  readonly extended: ExtendedQuery;
}

export class PgConnection {
  /** BackendKeyData: a CancelRequest must name both. */
  readonly pid = randomInt(1, 2 ** 31 - 1);
  readonly secret = randomInt(1, 2 ** 31 - 1);
  private readonly reader: FrameReader;
  private readonly replies: ReplyBuffer;
  private phase: Phase = 'startup';
  private pumping = false;
  private pumpDone: Promise<void> = Promise.resolve();
  private sessionClosed: Promise<void> = Promise.resolve();
  private session: Session | undefined;
  private user = '';
  private params: Record<string, string> = {};
  private auth: PasswordAuth | undefined;
  /** Removes this client's pg_cancel_backend (cancel-function.ts) when it leaves. */
  private uninstallCancel: (() => void) | undefined;
  private queries: QueryProtocols | undefined;
  /** While a COPY FROM STDIN runs, the client's messages are its data. */
  private copyIn: CopyInSink | undefined;
  private readonly loginTimer: NodeJS.Timeout;
  /** Counted in by the server at connect; false when it was over the connection limit. */
  admitted = false;

  constructor(
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    // Before login a message is a startup packet or a password: small.
    const { maxQueryBytes, maxServerInputBytes } = host.limits;
    this.reader = new FrameReader(host.limits.preAuthMessageBytes, {
      dropAbove: { [Frontend.Query]: maxQueryBytes, [Frontend.Parse]: maxQueryBytes },
      budget: inputBudgetOf(host, maxServerInputBytes),
    });
    this.replies = new ReplyBuffer(socket, () => this.phase === 'closed');
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      // A closed connection holds no budget: what still arrives is not kept.
      if (this.phase === 'closed') return;
      try {
        this.reader.push(data);
      } catch (err) {
        this.readFailed(err);
        return;
      }
      // Back-pressure: while a statement runs, later messages wait in the client's socket, not
      // in our memory; a message not yet whole keeps reading (up to maxMessageBytes).
      if (this.reader.pending > host.limits.maxPendingInputBytes && this.reader.hasMessage()) socket.pause();
      void this.pump();
    });
    const loginTimeout = () => this.fatal(SqlState.queryCanceled, 'canceling authentication due to timeout');
    this.loginTimer = setTimeout(loginTimeout, host.limits.loginTimeoutMs).unref();
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /**
   * From the first ReadyForQuery on, a socket quiet this long ends the session. Not before: until
   * then the login timeout bounds the client, and the server's own work (a login waiting for its
   * slot, its session and catalog being made: seconds on a busy machine) is not the client idle.
   */
  private startIdleTimer(): void {
    const { idleTimeoutMs } = this.host.limits;
    if (idleTimeoutMs <= 0) return;
    this.socket.setTimeout(idleTimeoutMs, () => {
      if (this.queries?.executor.busy) return;
      this.fatal(SqlState.idleSessionTimeout, 'terminating connection due to idle timeout');
    });
  }

  /** Aborts the running statement, if any (CancelRequest). */
  cancelRunning(): void {
    this.queries?.executor.cancel();
  }

  /** Resolves when this connection's session is closed (after any running statement stops). */
  finished(): Promise<void> {
    return this.sessionClosed;
  }

  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    clearTimeout(this.loginTimer);
    this.reader.dispose();
    this.queries?.executor.close();
    this.host.unregister(this);
    this.uninstallCancel?.();
    // The session's DuckDB connection must not close under a running statement: wait for it.
    const session = this.session;
    this.session = undefined;
    // Open cursors hold the connection's lease: they end first.
    const cursors = this.queries?.executor.cursors;
    this.sessionClosed = this.pumpDone
      .catch(() => undefined)
      .then(() => cursors?.closeAll())
      .then(() => session?.close());
    if (!this.socket.destroyed) this.socket.destroySoon();
  }

  /** Handles buffered messages; one loop at a time, so messages never overlap even across awaits. */
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
          this.readFailed(err);
          return;
        }
        if (!frame) break;
        if (this.socket.isPaused() && this.reader.pending <= this.host.limits.maxPendingInputBytes) {
          this.socket.resume();
        }
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
      if (this.socket.isPaused()) this.socket.resume();
      await this.replies.flush();
    } catch (err) {
      this.host.log?.(`connection ${this.pid}: internal error: ${(err as Error).message}`);
      this.fatal(SqlState.internalError, (err as Error).message);
    } finally {
      this.pumping = false;
    }
  }

  /** A message the reader refused (a bad length, no room in the server's input budget) ends this connection. */
  private readFailed(err: unknown): void {
    const overBudget = err instanceof RvbbitError && err.code === 'SERVER_OUT_OF_MEMORY';
    this.fatal(overBudget ? SqlState.outOfMemory : SqlState.protocolViolation, (err as Error).message);
  }

  /** Sends a FATAL error and closes this connection; the server carries on. */
  private fatal(code: SqlStateCode, message: string): void {
    if (this.phase === 'closed') return;
    this.replies.end(msg.errorResponse({ S: 'FATAL', V: 'FATAL', C: code, M: message }));
    this.close();
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.phase === 'startup') return this.startup(frame.body);
    if (this.phase === 'auth') {
      if (frame.type !== Frontend.Password) {
        throw new RvbbitError('PROTOCOL_VIOLATION', `expected a password message, got '${frame.type}'`);
      }
      return this.password(frame.body);
    }
    const { executor, extended } = this.queries!;
    if (this.copyIn) {
      const state = await this.copyIn.message(frame.type, frame.body, this.replies);
      if (state !== 'copying') this.copyIn = undefined;
      if (state !== 'not-copy') return;
    }
    if (extended.discardingUntilSync && frame.type !== Frontend.Sync) return;
    const r = new BodyReader(frame.body);
    switch (frame.type) {
      case Frontend.Query:
        this.copyIn = await simpleQuery(frame, executor, this.replies);
        return;
      case Frontend.Parse:
        return extended.parse(r, frame.droppedLength);
      case Frontend.Bind:
        return extended.bind(r);
      case Frontend.Describe:
        return extended.describe(r);
      case Frontend.Execute:
        return extended.execute(r);
      case Frontend.Close:
        return extended.close(r);
      case Frontend.Sync:
        return extended.sync();
      case Frontend.Flush:
        return this.replies.flush();
      case Frontend.Terminate:
        this.close();
        return;
      // After a COPY ended (or failed), a client may still be sending its data: dropped, as Postgres does.
      // postgres.js sends CopyFail after every CopyDone of a writable().
      case Frontend.CopyData:
      case Frontend.CopyDone:
      case Frontend.CopyFail:
        return;
      default:
        extended.fail(
          errorFields(
            new RvbbitError('UNSUPPORTED_MESSAGE', `message type '${frame.type}' is not supported by rvbbit`),
          ),
        );
        // The client waits for ReadyForQuery after a FunctionCall (no Sync follows): answer now, or it hangs.
        if (frame.type === Frontend.FunctionCall) {
          extended.resume();
          this.replies.send(msg.readyForQuery(executor.txStatus));
        }
    }
  }

  // ── startup and authentication ──────────────────────────────────────

  private async startup(body: Buffer): Promise<void> {
    const packet = readStartupPacket(body);
    switch (packet.kind) {
      case 'encryption':
        // No TLS: a client that insists gives up; one that prefers it sends its StartupMessage next.
        this.socket.write('N');
        return;
      case 'cancel':
        // A CancelRequest comes on a connection of its own, which ends without a reply.
        this.host.cancel(packet.pid, packet.secret);
        this.close();
        return;
      case 'unsupported':
        this.fatal(SqlState.protocolViolation, `unsupported frontend protocol ${packet.version}`);
        return;
      case 'startup':
        break;
    }
    this.reader.startup = false;
    // Refused before any authentication exchange, as Postgres does.
    if (!this.admitted) {
      this.fatal(
        SqlState.tooManyConnections,
        `sorry, too many clients already (max ${this.host.limits.maxConnections})`,
      );
      return;
    }
    this.params = packet.params;
    this.user = packet.params.user ?? '';
    if (this.host.password === undefined) return this.authenticated();
    this.phase = 'auth';
    this.auth = new PasswordAuth(this.host.authMethod, this.host.password, this.user);
    this.replies.send(this.auth.start());
  }

  private async password(body: Buffer): Promise<void> {
    const step = this.auth!.answer(body);
    if (step.send) this.replies.send(step.send);
    if (step.outcome === 'failed') {
      this.fatal(SqlState.invalidPassword, `password authentication failed for user "${this.user}"`);
      return;
    }
    if (step.outcome === 'ok') return this.authenticated();
  }

  /** AuthenticationOk, then a session, ParameterStatus values, BackendKeyData and the first ReadyForQuery. */
  private async authenticated(): Promise<void> {
    clearTimeout(this.loginTimer);
    this.reader.maxMessageBytes = this.host.limits.maxMessageBytes;
    this.replies.send(msg.authOk());
    // PGOPTIONS ('-c client_min_messages=warning'): the session's first settings, or the login's end.
    let settings: Map<string, string>;
    try {
      settings = startupSettings(this.params.options);
    } catch (err) {
      const e = err as RvbbitError;
      this.fatal(sqlStateOf(e.code), e.message);
      return;
    }
    const made = await this.host.logins.run(async () => {
      if (this.phase === 'closed') return undefined;
      // Unique across restarts: private logs show a client the rows of its own owner only.
      const session = await this.host.engine.session({
        owner: `${this.user}@${randomUUID()}`,
        allowBlocking: this.host.allowBlockingStrategies,
        relativePaths: true,
        readOnlyFunctions: this.host.readOnlyFunctions,
      });
      // Before anything runs on it, the catalog set-up included.
      session.connection.guard((con) => {
        guardConnection(con, this.host.fileGuard, this.host.readOnlyFunctions);
        // Outside any transaction of the client's: none has begun (cancel-function.ts).
        this.uninstallCancel = installCancelFunction(this.host.engine, con, (pid) =>
          this.host.cancelBackend(pid),
        );
      });
      const context = clientContext(this.host, session, this.user, this.params, this.pid, settings);
      // The client's identity is set inside the gate too (its catalog is made as statements name it).
      await ensureCatalog(session, '').catch(() => undefined);
      return { session, context };
    });
    if (made === undefined) return;
    const { session, context } = made;
    if (this.phase === 'closed') {
      // The client left while the session was being made.
      session.close();
      return;
    }
    this.session = session;
    const { client, status } = context;
    const executor = new StatementExecutor(client, this.replies);
    this.queries = { executor, extended: new ExtendedQuery(executor, this.replies) };
    this.phase = 'ready';
    for (const [k, v] of Object.entries(status)) this.replies.send(msg.parameterStatus(k, v));
    this.replies.send(msg.backendKeyData(this.pid, this.secret));
    this.replies.send(msg.readyForQuery(executor.txStatus));
    this.startIdleTimer();
    await this.replies.flush();
  }
}
