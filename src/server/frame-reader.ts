/**
 * Cuts the byte stream into messages. The first message of a connection has
 * no type byte (startup, SSL, cancel); every later one does. A length that is
 * negative, too small or above the limit is a protocol violation. A message
 * of a type with a length limit of its own (Query, Parse) that is longer is
 * dropped as it arrives and handed on empty, so the connection can refuse it
 * and carry on without ever holding it. Every message held counts against
 * the server's input budget from its header until it has been handled.
 */
import { RvbbitError } from '../../base/errors.js';
import type { InputBudget } from './input-budget.js';
import { decodeUtf8 } from './utf8.js';

export interface Frame {
  /** '' for a startup-phase message. */
  readonly type: string;
  readonly body: Buffer;
  /** Set when the message was over its type's limit: its length, and `body` is empty. */
  readonly droppedLength?: number;
}

interface FrameReaderOptions {
  /** Per message type, the longest body kept; a longer one is dropped unread (after login only). */
  readonly dropAbove?: Readonly<Record<string, number>>;
  /** Shared by every connection of the server. */
  readonly budget?: InputBudget;
}

const EMPTY = Buffer.alloc(0);

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes of a dropped message still to come; then `dropped` is its frame. */
  private dropLeft = 0;
  private dropped: Frame | undefined;
  private droppedReady = false;
  /** Budget reserved for the message at the head of the buffer, and for the one being handled. */
  private headReserved = 0;
  private handedReserved = 0;
  /** True until the startup-phase message has been read. */
  startup = true;

  /** The limit until the client has logged in is smaller; the connection raises it then. */
  constructor(
    public maxMessageBytes: number,
    private readonly options: FrameReaderOptions = {},
  ) {}

  /** Throws SERVER_OUT_OF_MEMORY when the message that starts here does not fit in the budget. */
  push(data: Buffer): void {
    let rest = data;
    if (this.dropLeft > 0) {
      const n = Math.min(this.dropLeft, rest.length);
      this.dropLeft -= n;
      rest = rest.subarray(n);
      if (this.dropLeft === 0) this.droppedReady = true;
    }
    if (rest.length === 0) return;
    this.chunks.push(rest);
    this.buffered += rest.length;
    this.inspectHead();
  }

  /** Bytes received and not yet taken as messages. */
  get pending(): number {
    return this.buffered;
  }

  /** True when a whole message is buffered (so reading more can wait). */
  hasMessage(): boolean {
    if (this.droppedReady) return true;
    if (this.dropLeft > 0) return false;
    const header = this.startup ? 4 : 5;
    if (this.buffered < header) return false;
    const length = this.peek(header).readInt32BE(this.startup ? 0 : 1);
    return this.buffered >= length + (this.startup ? 0 : 1);
  }

  /**
   * The next whole message, or undefined if more bytes are needed. Throws on
   * a bad length. Asking for the next message gives back the budget of the
   * previous one: the caller is done with it.
   */
  next(): Frame | undefined {
    this.options.budget?.release(this.handedReserved);
    this.handedReserved = 0;
    if (this.droppedReady) {
      const frame = this.dropped!;
      this.dropped = undefined;
      this.droppedReady = false;
      this.inspectHead();
      return frame;
    }
    if (this.dropLeft > 0) return undefined;
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
    this.inspectHead();
    if (this.dropLeft > 0 || this.droppedReady) return this.next();
    const total = length + (this.startup ? 0 : 1);
    if (this.buffered < total) return undefined;
    const all = this.take(total);
    this.handedReserved = this.headReserved;
    this.headReserved = 0;
    return { type, body: all.subarray(header) };
  }

  /** Gives back every byte of budget this connection holds (it is closing). */
  dispose(): void {
    this.options.budget?.release(this.headReserved + this.handedReserved);
    this.headReserved = 0;
    this.handedReserved = 0;
    this.chunks = [];
    this.buffered = 0;
  }

  /**
   * Once the head message's header is in: a message over its type's limit
   * starts being dropped; any other reserves its length in the budget. A bad
   * length is left for next() to report.
   */
  private inspectHead(): void {
    if (this.dropLeft > 0 || this.droppedReady || this.headReserved > 0) return;
    const header = this.startup ? 4 : 5;
    if (this.buffered < header) return;
    const head = this.peek(header);
    const type = this.startup ? '' : String.fromCharCode(head[0]!);
    const length = head.readInt32BE(this.startup ? 0 : 1);
    if (length < 4 || length > this.maxMessageBytes) return;
    const total = length + (this.startup ? 0 : 1);
    const limit = this.startup ? undefined : this.options.dropAbove?.[type];
    if (limit !== undefined && length - 4 > limit) {
      const have = Math.min(this.buffered, total);
      this.take(have);
      this.dropLeft = total - have;
      this.dropped = { type, body: EMPTY, droppedLength: length };
      this.droppedReady = this.dropLeft === 0;
      return;
    }
    this.options.budget?.reserve(total);
    this.headReserved = total;
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
  /** A string that must be valid UTF-8 (SQL text): INVALID_UTF8 (22021) otherwise, not U+FFFD. */
  utf8cstring(): string {
    const end = this.body.indexOf(0, this.pos);
    if (end < 0) throw new RvbbitError('PROTOCOL_VIOLATION', 'unterminated string in message');
    const bytes = this.body.subarray(this.pos, end);
    this.pos = end + 1;
    return decodeUtf8(bytes);
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
