/**
 * The text answers of a statement past its interned ones (answer-store.ts),
 * as UTF-8 bytes in a file of the statement's own, not in memory (issue 66).
 * A generation's answers are distinct texts: a million generated labels held
 * in memory grew the statement by their bytes, however the table of keys was
 * packed. Here memory holds two fixed buffers whatever the count: the last
 * TAIL_BYTES written (a statement's first megabyte of texts never reaches the
 * disk) and a window of WINDOW_BYTES read back, so rows that ask for answers
 * in about the order they were answered read the file a window at a time.
 *
 * Everything is synchronous: answers are read inside DuckDB's call of an
 * operator's function (statement-calls.ts), and written there too on the
 * blocking strategies (register-functions.ts). The file is made at the first
 * write past the tail, in a private folder (db/owned-folders.ts), and removed
 * with it by `close`.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makeOwnedFolder } from '../../../db/owned-folders.js';

/** Bytes of texts kept in memory before they are written to the file. */
export const TAIL_BYTES = 1 << 20;
/** Bytes read from the file at once: the texts after the one asked for come with it. */
export const WINDOW_BYTES = 1 << 16;

export class AnswerTexts {
  private folder: string | undefined;
  private fd = -1;
  /** The texts not yet in the file: file offsets [tailStart, tailStart + tailUsed). */
  private tail: Buffer | undefined;
  private tailStart = 0;
  private tailUsed = 0;
  /** The last window read: file offsets [windowStart, windowStart + windowLength). */
  private window: Buffer | undefined;
  private windowStart = 0;
  private windowLength = 0;

  /** Bytes written (the next text's place). */
  get bytes(): number {
    return this.tailStart + this.tailUsed;
  }

  /** Bytes held in the file, not in memory. */
  get onDisk(): number {
    return this.tailStart;
  }

  /** Adds `text`; its place (a byte offset) and its length in bytes. */
  add(text: string): { place: number; length: number } {
    const length = Buffer.byteLength(text);
    if (this.tailUsed + length > TAIL_BYTES) this.flush();
    const place = this.bytes;
    if (length > TAIL_BYTES) {
      // Longer than the tail: straight to the file.
      this.writeAt(Buffer.from(text, 'utf8'), length, place);
      this.tailStart += length;
    } else {
      // Made at the first text: a statement whose answers are booleans or a few labels never needs it.
      this.tail ??= Buffer.allocUnsafe(TAIL_BYTES);
      this.tail.write(text, this.tailUsed, 'utf8');
      this.tailUsed += length;
    }
    return { place, length };
  }

  /** The text at `place` of `length` bytes. */
  get(place: number, length: number): string {
    if (place >= this.tailStart) {
      const at = place - this.tailStart;
      return this.tail!.toString('utf8', at, at + length);
    }
    if (place >= this.windowStart && place + length <= this.windowStart + this.windowLength)
      return this.window!.toString('utf8', place - this.windowStart, place - this.windowStart + length);
    if (length > WINDOW_BYTES) {
      const whole = Buffer.allocUnsafe(length);
      this.readAt(whole, length, place);
      return whole.toString('utf8');
    }
    this.window ??= Buffer.allocUnsafe(WINDOW_BYTES);
    // What the file holds from `place` on, up to a window.
    const read = Math.min(WINDOW_BYTES, this.tailStart - place);
    this.readAt(this.window, read, place);
    this.windowStart = place;
    this.windowLength = read;
    return this.window.toString('utf8', 0, length);
  }

  /** Removes the file and its folder. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.folder) rmSync(this.folder, { recursive: true, force: true });
    this.folder = undefined;
  }

  /** Writes the tail to the file. */
  private flush(): void {
    if (this.tailUsed === 0) return;
    this.writeAt(this.tail!, this.tailUsed, this.tailStart);
    this.tailStart += this.tailUsed;
    this.tailUsed = 0;
  }

  private writeAt(buf: Buffer, length: number, position: number): void {
    if (this.fd < 0) {
      this.folder = makeOwnedFolder('rvbbit-answer-texts-');
      this.fd = openSync(join(this.folder, 'texts'), 'w+', 0o600);
    }
    for (let off = 0; off < length; ) off += writeSync(this.fd, buf, off, length - off, position + off);
  }

  private readAt(buf: Buffer, length: number, position: number): void {
    for (let off = 0; off < length; ) {
      const n = readSync(this.fd, buf, off, length - off, position + off);
      if (n === 0)
        throw new Error(`the statement's answer texts end at ${position + off} of ${position + length}`);
      off += n;
    }
  }
}
