/**
 * Cuts the byte stream into messages. The first message of a connection has
 * no type byte (startup, SSL, cancel); every later one does. A length that is
 * negative, too small or above the limit is a protocol violation.
 */
import { RvbbitError } from '../errors.js';

export interface Frame {
  /** '' for a startup-phase message. */
  readonly type: string;
  readonly body: Buffer;
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** True until the startup-phase message has been read. */
  startup = true;

  /** The limit until the client has logged in is smaller; the connection raises it then. */
  constructor(public maxMessageBytes: number) {}

  push(data: Buffer): void {
    this.chunks.push(data);
    this.buffered += data.length;
  }

  /** Bytes received and not yet taken as messages. */
  get pending(): number {
    return this.buffered;
  }

  /** True when a whole message is buffered (so reading more can wait). */
  hasMessage(): boolean {
    const header = this.startup ? 4 : 5;
    if (this.buffered < header) return false;
    const length = this.peek(header).readInt32BE(this.startup ? 0 : 1);
    return this.buffered >= length + (this.startup ? 0 : 1);
  }

  /** The next whole message, or undefined if more bytes are needed. Throws on a bad length. */
  next(): Frame | undefined {
    const header = this.startup ? 4 : 5;
    if (this.buffered < header) return undefined;
    const head = this.peek(header);
    const type = this.startup ? '' : String.fromCharCode(head[0]!);
    const length = head.readInt32BE(this.startup ? 0 : 1);
    if (length < 4) throw new RvbbitError('PROTOCOL_VIOLATION', `invalid message length ${length}`);
    if (length > this.maxMessageBytes) {
      throw new RvbbitError(
        'MESSAGE_TOO_LARGE',
        `message of ${length} bytes exceeds the limit of ${this.maxMessageBytes} bytes`,
      );
    }
    const total = length + (this.startup ? 0 : 1);
    if (this.buffered < total) return undefined;
    const all = this.take(total);
    return { type, body: all.subarray(header) };
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const first = this.peek(n);
    const out = first.subarray(0, n);
    const rest = first.subarray(n);
    // peek() joins only what the message needs: later chunks stay queued behind the rest.
    this.chunks[0] = rest;
    if (rest.length === 0) this.chunks.shift();
    this.buffered -= n;
    return out;
  }
}

/** Reads fields out of a message body; any read past the end is a protocol violation. */
export class BodyReader {
  private pos = 0;

  constructor(private readonly body: Buffer) {}

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.body.length) {
      throw new RvbbitError('PROTOCOL_VIOLATION', 'message is shorter than its fields');
    }
  }
  int16(): number {
    this.need(2);
    const v = this.body.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.body.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  byte(): string {
    this.need(1);
    return String.fromCharCode(this.body[this.pos++]!);
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.body.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  cstring(): string {
    const end = this.body.indexOf(0, this.pos);
    if (end < 0) throw new RvbbitError('PROTOCOL_VIOLATION', 'unterminated string in message');
    const v = this.body.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return v;
  }
  rest(): Buffer {
    const v = this.body.subarray(this.pos);
    this.pos = this.body.length;
    return v;
  }
  get remaining(): number {
    return this.body.length - this.pos;
  }
}
