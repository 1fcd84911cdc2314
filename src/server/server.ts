/**
 * `startServer`: a Postgres-wire server in front of an engine. One engine
 * session (DuckDB connection) per client, on the engine's shared database.
 * Clients reach no server file unless `allowFiles` opens folders, and this
 * closes the engine's database to files for good (client-access.ts).
 *
 * @example
 * const engine = await createEngine();
 * const server = await startServer({ engine, port: 0 });
 * // psql -h 127.0.0.1 -p ${server.port}
 * await server.close();
 */
import { createServer, type Socket } from 'node:net';
import { RvbbitError } from '../../base/errors.js';
import { loadDeferredModules } from '../engine/llm-statements-loader.js';
import { closeFilesToClients } from './client-access.js';
import { LoginGate } from './login-gate.js';
import { PgConnection } from './pg-connection.js';
import { resolveServerOptions, type ServerOptions } from './server-options.js';

/**
 * Logins that set up their session at once: two keep both cores busy with
 * logins while libuv's other two threads serve the clients already in.
 */
const LOGINS_AT_ONCE = 2;

export interface ServerHandle {
  readonly host: string;
  readonly port: number;
  /** Clients connected now. */
  connections(): number;
  /** Stops listening and closes every client connection. */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<ServerHandle> {
  const o = resolveServerOptions(options);
  await loadDeferredModules(o.engine.shared);
  const { shared: sharedSettings, fileGuard } = await closeFilesToClients(o.engine, o.allowFiles);
  const live = new Map<number, PgConnection>();
  const sockets = new Set<Socket>();
  const all = new Set<PgConnection>();
  const host = {
    engine: o.engine,
    password: o.password,
    authMethod: o.authMethod,
    limits: o.limits,
    log: o.log,
    allowBlockingStrategies: o.allowBlockingStrategies,
    readOnlyFunctions: o.readOnlyFunctions,
    sharedSettings,
    fileGuard,
    logins: new LoginGate(LOGINS_AT_ONCE),
    unregister(conn: PgConnection) {
      if (live.get(conn.pid) === conn) live.delete(conn.pid);
    },
    cancelBackend(pid: number): boolean {
      const conn = live.get(pid);
      if (conn) {
        o.log?.(`[${pid}] cancelled by pg_cancel_backend`);
        conn.cancelRunning();
      }
      return conn !== undefined;
    },
    cancel(pid: number, secret: number) {
      const conn = live.get(pid);
      if (conn && conn.secret === secret) {
        o.log?.(`[${pid}] cancel request`);
        conn.cancelRunning();
      }
    },
  };
  const server = createServer((socket) => {
    // Past the limit a socket is kept only to be told "too many clients" (or
    // to carry a CancelRequest); past twice the limit it is not kept at all.
    if (sockets.size >= 2 * o.limits.maxConnections + 16) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const conn = new PgConnection(socket, host);
    // Counted from connect, logged in or not: sockets that never log in hold a slot until the login timeout.
    if (live.size < o.limits.maxConnections) {
      conn.admitted = true;
      live.set(conn.pid, conn);
    }
    all.add(conn);
    socket.on('close', () => {
      void conn.finished().then(() => all.delete(conn));
    });
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => reject(listenError(err, o.host, o.port));
    server.once('error', fail);
    server.listen(o.port, o.host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    host: o.host,
    port,
    connections: () => live.size,
    close: async () => {
      const conns = [...all];
      for (const conn of conns) conn.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(conns.map((c) => c.finished()));
    },
  };
}

/** Why the server cannot listen, in words: `detail.reason` is Node's code (EADDRINUSE, EACCES, EADDRNOTAVAIL …). */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): RvbbitError {
  const at = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const why =
    err.code === 'EADDRINUSE'
      ? 'the port is already in use (another server listens there)'
      : err.code === 'EACCES'
        ? 'not allowed (ports below 1024 need privileges)'
        : err.code === 'EADDRNOTAVAIL'
          ? 'no network interface has this address'
          : err.message;
  return new RvbbitError(
    'SERVER_LISTEN',
    `cannot listen on ${at}: ${why}`,
    {
      host,
      port,
      reason: err.code ?? 'unknown',
    },
    { cause: err },
  );
}
