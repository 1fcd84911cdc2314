/**
 * The replies of one connection, batched. Messages queue up and go out in one
 * socket write when the client is about to wait for them (ReadyForQuery,
 * Flush, the end of a startup step): one write per round trip instead of one
 * per DataRow. A long result is written early so the queue stays bounded.
 */
import type { Socket } from 'node:net';

/** Queued bytes past which a result still being encoded is written out early. */
const EARLY_WRITE_BYTES = 256 * 1024;

export class ReplyBuffer {
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  /** The socket's next 'drain' (or 'close'), while a write is waiting for it. */
  private drained: Promise<void> | undefined;

  constructor(
    private readonly socket: Socket,
    /** True once the connection is closed: nothing more is written. */
    private readonly closed: () => boolean,
  ) {}

  send(message: Buffer): void {
    this.queued.push(message);
    this.queuedBytes += message.length;
  }

  /**
   * Writes everything queued; resolves once the socket takes more (or closes), so a slow client slows us down.
   * Flushes that find the socket full wait for the same drain: a progress notice flushes without
   * waiting (statement-executor.ts), and a listener pair per such flush piled up on a client that
   * did not read (MaxListenersExceededWarning: 11 close listeners added to [Socket]).
   */
  async flush(): Promise<void> {
    if (this.queued.length === 0 || this.closed()) return;
    const data = this.queued.length === 1 ? this.queued[0]! : Buffer.concat(this.queued);
    this.queued = [];
    this.queuedBytes = 0;
    if (this.socket.write(data)) return;
    this.drained ??= new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        this.drained = undefined;
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
    await this.drained;
  }

  /** Flushes only when enough is queued: called between rows of a large result. */
  async flushIfLarge(): Promise<void> {
    if (this.queuedBytes >= EARLY_WRITE_BYTES) await this.flush();
  }

  /** Writes what is queued and then `last`, and ends the socket: the way out after a FATAL error. */
  end(last: Buffer): void {
    this.send(last);
    const data = Buffer.concat(this.queued);
    this.queued = [];
    this.queuedBytes = 0;
    this.socket.end(data);
  }
}
