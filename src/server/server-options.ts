/**
 * Options of `startServer`, checked once at the edge, with their defaults.
 */
import { isAbsolute } from 'node:path';
import { RvbbitError } from '../../base/errors.js';
import type { Engine } from '../engine/engine.js';
import type { AuthMethod } from './auth.js';

export interface ServerLimits {
  /** Clients connected at once; one more gets FATAL 53300 (default 100). */
  readonly maxConnections: number;
  /** Largest message a client may send, bytes (default 64 MiB). */
  readonly maxMessageBytes: number;
  /** Largest message before the client has authenticated, bytes (default 10 KiB). */
  readonly preAuthMessageBytes: number;
  /** A client that has not finished logging in this long is closed, ms (default 10 s). */
  readonly loginTimeoutMs: number;
  /**
   * While a statement runs, the client's socket is paused once this many
   * bytes of later messages wait unread (default 1 MiB), so a client that
   * floods the server fills its own send buffer, not the server's memory.
   */
  readonly maxPendingInputBytes: number;
  /**
   * Longest Query or Parse message, bytes (default 16 MiB): a longer one is
   * refused with 54000 and its bytes dropped as they arrive, never buffered.
   */
  readonly maxQueryBytes: number;
  /**
   * Longest statement, bytes (default 1 MiB), refused with 54000 before it is
   * parsed: the grammar and DuckDB's parser hold ~150 bytes per byte of a
   * dense statement (a long INSERT … VALUES); bulk data goes in with COPY.
   */
  readonly maxStatementBytes: number;
  /** Longest line of COPY FROM STDIN data, bytes (default 16 MiB); a longer one fails the COPY with 54000. */
  readonly maxCopyLineBytes: number;
  /**
   * Client messages the server holds at once, summed over every connection,
   * bytes (default 256 MiB). A client whose next message would go past it is
   * refused with FATAL 53200 and closed; the process is never the one to die.
   */
  readonly maxServerInputBytes: number;
  /** Close a connection idle this long, ms; 0 = never (default 1 hour). */
  readonly idleTimeoutMs: number;
  /** Cancel a statement running longer than this, ms; 0 = never (default); `SET statement_timeout` per session. */
  readonly statementTimeoutMs: number;
  /** At most one progress NOTICE per this many ms (default 500, i.e. ≤ 2/s). */
  readonly noticeIntervalMs: number;
}

export interface ServerOptions extends Partial<ServerLimits> {
  readonly engine: Engine;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 15432; 0 picks a free port. */
  readonly port?: number;
  /** Clients must authenticate with this password (SCRAM-SHA-256 by default). */
  readonly password?: string;
  /** 'scram-sha-256' (default) or 'md5'. */
  readonly authMethod?: AuthMethod;
  /** Listen on a non-loopback address without a password. */
  readonly insecure?: boolean;
  /** Receives one line per statement clients send and per connection event. */
  readonly log?: (line: string) => void;
  /**
   * What clients may read and write on the server's file system through
   * DuckDB (read_csv, COPY … TO 'file', ATTACH, INSTALL): by default nothing;
   * a list of folders opens those (and what is under them); 'all' is DuckDB's
   * full access. A database-wide DuckDB setting, locked at start: it applies
   * to the engine's every session, in-process ones included.
   */
  readonly allowFiles?: readonly string[] | 'all';
  /**
   * Let clients run the strategies that block the engine's main thread call
   * by call (sequential, vectorized, union_all; a write with operators inside
   * an open transaction). Off by default: while one blocks, the server
   * answers no other client. The benchmarks' strategies stay in the library.
   */
  readonly allowBlockingStrategies?: boolean;
  /**
   * Refuse CREATE and DROP SEMANTIC FUNCTION from clients (SQLFN_READ_ONLY,
   * 42501), and every statement but a query that names the table they are
   * stored in (engine/function-table-guard.ts): the operators are the ones
   * the server's operator set up. Off by
   * default: any client may define a function, as any may create a table.
   */
  readonly readOnlyFunctions?: boolean;
}

interface ResolvedServerOptions {
  readonly engine: Engine;
  readonly host: string;
  readonly port: number;
  readonly password: string | undefined;
  readonly authMethod: AuthMethod;
  readonly limits: ServerLimits;
  readonly log?: (line: string) => void;
  readonly allowFiles: readonly string[] | 'all';
  readonly allowBlockingStrategies: boolean;
  readonly readOnlyFunctions: boolean;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/;

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new RvbbitError('SERVER_OPTION', `options.${name} must be an integer ≥ ${min}`);
  }
  return value;
}

export function resolveServerOptions(o: ServerOptions): ResolvedServerOptions {
  const host = o.host ?? '127.0.0.1';
  const port = positiveInt('port', o.port, 15432, 0);
  if (port > 65535) throw new RvbbitError('SERVER_OPTION', 'options.port must be at most 65535');
  if (o.password !== undefined && o.password === '') {
    throw new RvbbitError('SERVER_OPTION', 'options.password must not be empty');
  }
  if (!LOOPBACK.test(host) && o.password === undefined && !o.insecure) {
    throw new RvbbitError(
      'SERVER_INSECURE',
      `refusing to listen on ${host} without a password: set --password (or server.password in rvbbit.config.yaml), or pass --insecure`,
    );
  }
  const authMethod = o.authMethod ?? 'scram-sha-256';
  if (authMethod !== 'scram-sha-256' && authMethod !== 'md5') {
    throw new RvbbitError('SERVER_OPTION', "options.authMethod must be 'scram-sha-256' or 'md5'");
  }
  return {
    engine: o.engine,
    host,
    port,
    password: o.password,
    authMethod,
    log: o.log,
    allowFiles: allowedFiles(o.allowFiles),
    allowBlockingStrategies: o.allowBlockingStrategies === true,
    readOnlyFunctions: o.readOnlyFunctions === true,
    limits: {
      maxConnections: positiveInt('maxConnections', o.maxConnections, 100),
      maxMessageBytes: positiveInt('maxMessageBytes', o.maxMessageBytes, 64 * 1024 * 1024, 1024),
      preAuthMessageBytes: positiveInt('preAuthMessageBytes', o.preAuthMessageBytes, 10 * 1024, 1024),
      loginTimeoutMs: positiveInt('loginTimeoutMs', o.loginTimeoutMs, 10_000, 1),
      maxPendingInputBytes: positiveInt('maxPendingInputBytes', o.maxPendingInputBytes, 1024 * 1024, 1024),
      maxQueryBytes: positiveInt('maxQueryBytes', o.maxQueryBytes, 16 * 1024 * 1024, 1024),
      maxStatementBytes: positiveInt('maxStatementBytes', o.maxStatementBytes, 1024 * 1024, 1024),
      maxCopyLineBytes: positiveInt('maxCopyLineBytes', o.maxCopyLineBytes, 16 * 1024 * 1024, 1024),
      maxServerInputBytes: positiveInt('maxServerInputBytes', o.maxServerInputBytes, 256 * 1024 * 1024, 1024),
      idleTimeoutMs: positiveInt('idleTimeoutMs', o.idleTimeoutMs, 60 * 60 * 1000, 0),
      statementTimeoutMs: positiveInt('statementTimeoutMs', o.statementTimeoutMs, 0, 0),
      noticeIntervalMs: positiveInt('noticeIntervalMs', o.noticeIntervalMs, 500, 0),
    },
  };
}

function allowedFiles(value: ServerOptions['allowFiles']): readonly string[] | 'all' {
  if (value === undefined) return [];
  if (value === 'all') return value;
  if (!Array.isArray(value) || !value.every((d) => typeof d === 'string' && isAbsolute(d))) {
    throw new RvbbitError('SERVER_OPTION', "options.allowFiles must be a list of absolute folders, or 'all'");
  }
  return value;
}
