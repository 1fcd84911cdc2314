/** A raw protocol client for tests that need to send what no driver would. */
import { connect, type Socket } from 'node:net';

export function startupMessage(user = 'raw'): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0rvbbit\0\0`);
  const b = Buffer.alloc(8 + params.length);
  b.writeInt32BE(b.length, 0);
  b.writeInt32BE(196608, 4);
  params.copy(b, 8);
  return b;
}

export function message(type: string, body: Buffer): Buffer {
  const b = Buffer.alloc(5 + body.length);
  b.write(type, 0, 'latin1');
  b.writeInt32BE(body.length + 4, 1);
  body.copy(b, 5);
  return b;
}

export const query = (sql: string): Buffer => message('Q', Buffer.from(`${sql}\0`));

export interface RawClient {
  readonly socket: Socket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves when the socket closes. */
  readonly closed: Promise<void>;
  /** Resolves once the bytes received contain `count` ReadyForQuery messages. */
  readyCount(count: number, timeoutMs?: number, skipBytes?: number): Promise<void>;
}

export function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const waiters: (() => void)[] = [];
    socket.on('data', (b) => {
      data = Buffer.concat([data, b]);
      for (const w of waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    const countReady = (skip: number) => {
      let n = 0;
      let i = skip;
      while (i + 5 <= data.length) {
        if (data[i] === 0x5a) n++;
        i += 1 + data.readInt32BE(i + 1);
      }
      return n;
    };
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => data,
        closed,
        readyCount: (count, timeoutMs = 5000, skipBytes = 0) =>
          new Promise<void>((res, rej) => {
            const timer = setTimeout(
              () => rej(new Error(`timed out waiting for ${count} ReadyForQuery`)),
              timeoutMs,
            );
            const check = () => {
              if (countReady(skipBytes) >= count) {
                clearTimeout(timer);
                res();
              } else waiters.push(check);
            };
            check();
          }),
      }),
    );
    socket.once('error', reject);
  });
}

/** The ErrorResponse fields in a byte stream (code letter → value), first error only. */
/**
 * How long a raw login may take before the test calls it hung: a wait, not a bound the server
 * promises (six logins to a child server at load 14 took over 5 s; its own login timeout is 10 s).
 */
export const LOGIN_WAIT_MS = 60_000;

/** A raw client past its login: the startup message sent and its ReadyForQuery read. */
export async function loggedIn(port: number, noDelay = false): Promise<RawClient> {
  const raw = await rawClient(port);
  if (noDelay) raw.socket.setNoDelay(true);
  raw.socket.write(startupMessage());
  await raw.readyCount(1, LOGIN_WAIT_MS);
  return raw;
}

export function firstError(data: Buffer): Record<string, string> | undefined {
  let i = 0;
  while (i + 5 <= data.length) {
    const len = data.readInt32BE(i + 1);
    if (data[i] === 0x45) {
      const fields: Record<string, string> = {};
      let j = i + 5;
      while (data[j] !== 0 && j < i + 1 + len) {
        const code = String.fromCharCode(data[j]!);
        const end = data.indexOf(0, j + 1);
        fields[code] = data.toString('utf8', j + 1, end);
        j = end + 1;
      }
      return fields;
    }
    i += 1 + len;
  }
  return undefined;
}
