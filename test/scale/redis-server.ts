/**
 * A real `redis-server` for a test: its own free loopback port and temp
 * folder, no persistence (`--save "" --appendonly no`), stopped by stop().
 * A test that starts one says so with requires(suite, 'redis-server') (test/requires.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRedis } from '../../src/scale/redis-clients.js';
import { REDIS_SERVER } from '../requires.js';

export interface RedisHandle {
  readonly url: string;
  readonly port: number;
  /** The server process now (a restart makes a new one). */
  readonly pid: number;
  /** Stops the server (SIGTERM, or SIGKILL with `kill`) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Kills the server (SIGKILL) and leaves it down until `restart`. */
  kill(): Promise<void>;
  /** Kills the server (if it runs) and starts a fresh one on the same port (an empty queue: no persistence). */
  restart(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Server {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

async function launch(port: number, dir: string): Promise<Server> {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (b) => {
    log += b;
  });
  child.stderr!.on('data', (b) => {
    log += b;
  });
  // A test process that dies (an uncaught error ends it before t.after) takes its Redis with it.
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', orphaned);
      resolve();
    }),
  );
  const t0 = Date.now();
  for (;;) {
    try {
      const c = await openRedis(`redis://127.0.0.1:${port}`);
      await c.ping();
      c.disconnect();
      return { child, exited };
    } catch {
      if (child.exitCode !== null || Date.now() - t0 > 10_000) {
        throw new Error(`redis-server did not start on ${port}: ${log}`);
      }
      await new Promise((r) => setTimeout(r, 30));
    }
  }
}

async function halt(server: Server, signal: NodeJS.Signals): Promise<void> {
  if (server.child.exitCode === null) server.child.kill(signal);
  await server.exited;
}

export async function startRedis(): Promise<RedisHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'rvbbit-redis-'));
  const port = await freePort();
  let server = await launch(port, dir);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return server.child.pid!;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      await halt(server, signal);
      await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      await halt(server, 'SIGKILL');
    },
    async restart() {
      await halt(server, 'SIGKILL');
      server = await launch(port, dir);
    },
  };
}
