/**
 * A small Redis client (RESP2 over node:net) for BullMQ. BullMQ 6 takes its
 * Redis driver as an optional peer (ioredis, node-redis, or Bun's client) and
 * none is installed here; it adapts any object shaped like Bun's
 * `RedisClient` (`send`, `connected`, `onconnect`/`onclose`, `duplicate`),
 * so this is that shape and nothing more. Replies are strings, numbers,
 * null and arrays, as Bun's client gives them; commands pipeline in order.
 */
import { connect as netConnect, type Socket } from 'node:net';

const CONNECT_TIMEOUT_MS = 5_000;

type Reply = string | number | null | Reply[] | Error;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
}

/** redis://[user:password@]host:port[/db] → its parts (password never printed). */
export function parseRedisUrl(url: string): {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
} {
  const u = new URL(url);
  if (u.protocol !== 'redis:') throw new Error(`a Redis URL starts with redis://, got '${u.protocol}'`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
  };
}

/** The URL without its password, for messages and EXPLAIN. */
export function redisUrlForDisplay(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'redis://(invalid URL)';
  }
}

export class RespClient {
  connected = false;
  onconnect: (() => void) | undefined;
  onclose: ((error?: Error) => void) | undefined;
  onerror: ((error: Error) => void) | undefined;
  /** Pub/sub: a message published on a channel this client subscribed to. */
  onmessage: ((channel: string, message: string) => void) | undefined;
  private socket: Socket | undefined;
  private readonly pending: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private closedByUs = false;

  constructor(readonly url: string) {}

  connect(): Promise<void> {
    const { host, port, username, password, db } = parseRedisUrl(this.url);
    this.closedByUs = false;
    return new Promise<void>((resolve, reject) => {
      const socket = netConnect({ host, port });
      socket.setNoDelay(true);
      this.socket = socket;
      let opened = false;
      // A host that drops packets would leave connect() waiting for minutes.
      const timer = setTimeout(() => {
        reject(new Error(`no connection to ${host}:${port} in ${CONNECT_TIMEOUT_MS} ms`));
        socket.destroy();
      }, CONNECT_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        opened = true;
        this.connected = true;
        const hello: Promise<unknown>[] = [];
        if (password !== undefined)
          hello.push(this.send('AUTH', username ? [username, password] : [password]));
        if (db !== undefined) hello.push(this.send('SELECT', [String(db)]));
        Promise.all(hello).then(() => {
          resolve();
          this.onconnect?.();
        }, reject);
      });
      socket.on('data', (chunk) => this.read(chunk));
      socket.on('error', (err) => {
        clearTimeout(timer);
        if (!opened) reject(err);
      });
      socket.on('close', () => {
        const wasOpen = this.connected;
        this.connected = false;
        const err = new Error('Connection closed');
        for (const p of this.pending.splice(0)) p.reject(err);
        this.buffer = Buffer.alloc(0);
        if (wasOpen || opened) this.onclose?.(this.closedByUs ? undefined : err);
      });
    });
  }

  /** One command; replies come back in order, so concurrent sends pipeline. */
  send(command: string, args: readonly unknown[] = []): Promise<unknown> {
    if (!this.connected || !this.socket) return Promise.reject(new Error('Connection closed'));
    const parts: Buffer[] = [Buffer.from(`*${args.length + 1}\r\n`)];
    for (const a of [command, ...args]) {
      const b = Buffer.isBuffer(a) ? a : Buffer.from(a === undefined || a === null ? '' : String(a));
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket!.write(Buffer.concat(parts));
    });
  }

  close(): void {
    this.closedByUs = true;
    this.socket?.destroy();
  }

  disconnect(): void {
    this.close();
  }

  async duplicate(): Promise<RespClient> {
    const copy = new RespClient(this.url);
    await copy.connect();
    return copy;
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    for (;;) {
      const parsed = parseReply(this.buffer, offset);
      if (!parsed) break;
      offset = parsed.end;
      const v = parsed.value;
      // A subscriber's pushes arrive unasked: they answer no pending command.
      if (Array.isArray(v) && v[0] === 'message' && this.onmessage) {
        this.onmessage(String(v[1]), String(v[2]));
        continue;
      }
      const p = this.pending.shift();
      if (!p) continue;
      if (parsed.value instanceof Error) p.reject(parsed.value);
      else p.resolve(parsed.value);
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
  }
}

/** One reply at `offset`, or undefined when the buffer does not hold all of it yet. */
function parseReply(buf: Buffer, offset: number): { value: Reply; end: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[offset]!);
  const line = buf.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new Error(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: Reply[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if (!item) return undefined;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      return { value: new Error(`unexpected Redis reply type '${type}'`), end: next };
  }
}

let installed = false;

/**
 * Makes BullMQ open its connections with RespClient (through its adapter for
 * Bun-shaped clients). Called before any Queue or Worker is made; BullMQ's
 * connection options are then `{ url }`.
 */
export async function useRespClientForBullmq(): Promise<void> {
  if (installed) return;
  const { RedisConnection, createBunRedisClient } = await import('bullmq');
  RedisConnection.clientFactory = (opts) => {
    const o = opts as { url?: string; host?: string; port?: number };
    const url = o.url ?? `redis://${o.host ?? '127.0.0.1'}:${o.port ?? 6379}`;
    // biome-ignore lint/suspicious/noExplicitAny: BullMQ types the raw client as Bun's RedisClient.
    return createBunRedisClient(new RespClient(url) as any);
  };
  installed = true;
}
