/**
 * The misses of a record pass past its `tuplesPerPass` bound, kept on disk
 * (issue 66). A pass used to count them and meet them again next pass, so a
 * million distinct tuples at 32,768 a pass took 31 passes, each a scan that
 * keys every row: rows/s fell as rows grew. Spilled, each is asked right
 * after the pass that met it, read back in chunks of at most the bound, so
 * the passes number the statement's nesting depth + 1, whatever its rows, and
 * what JavaScript holds stays one chunk of tuples and two fixed buffers.
 *
 * DuckDB calls the operators' functions synchronously inside its query, so
 * `append` writes with writeSync (never through DuckDB: a query from inside
 * the function would re-enter it); the read back is async, between passes.
 * A record: u32 bytes of what follows, u16 the function's index, the key's
 * KEY_CHARS Latin-1 bytes, then the operand values as JSON (inputValue makes
 * them plain JSON data: text, numbers, booleans, lists).
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { makeOwnedFolder } from '../../../db/owned-folders.js';
import type { SemanticFunction } from '../../../plan/operator-catalog.js';
import { KEY_CHARS } from './answer-store.js';

/** Bytes gathered before one write to the file, and read from it at once: the two fixed buffers. */
export const SPILL_BLOCK_BYTES = 1 << 20;
/** u32 length + u16 function index. */
const HEAD_BYTES = 6;

/** A spilled miss as read back: the function, its key, its operand values. */
export interface SpilledMiss {
  readonly fn: SemanticFunction;
  readonly key: string;
  readonly values: readonly unknown[];
}

/**
 * Made at the first write: every record pass of a semantic statement has one, and most never
 * spill (a 100-row MEANS filter paid ~0.65 ms for the folder's mkdtemp and rmSync, and a 1 MB
 * block, out of ~16 ms: bench/run.ts --quick's filter at n = 100).
 */
interface SpillFile {
  readonly folder: string;
  readonly path: string;
  fd: number;
}

export class TupleSpill {
  private file: SpillFile | undefined;
  private block: Buffer | undefined;
  private used = 0;
  private readonly fns: SemanticFunction[] = [];
  private readonly fnIndex = new Map<SemanticFunction, number>();
  /** Records appended since the last `clear`. */
  records = 0;
  /** Bytes appended since the last `clear`. */
  bytes = 0;

  /** The file, made now if it was not. */
  private opened(): SpillFile {
    if (this.file === undefined) {
      const folder = makeOwnedFolder('rvbbit-tuple-spill-');
      const path = join(folder, 'misses');
      this.file = { folder, path, fd: openSync(path, 'w+', 0o600) };
    }
    return this.file;
  }

  /** Appends one miss (synchronous: called inside DuckDB's call of the function). */
  append(fn: SemanticFunction, key: string, values: readonly unknown[]): void {
    let index = this.fnIndex.get(fn);
    if (index === undefined) {
      index = this.fns.push(fn) - 1;
      this.fnIndex.set(fn, index);
    }
    const json = JSON.stringify(values);
    const size = HEAD_BYTES + KEY_CHARS + Buffer.byteLength(json);
    if (this.used + size > SPILL_BLOCK_BYTES) this.flush();
    this.block ??= Buffer.allocUnsafe(SPILL_BLOCK_BYTES);
    // A record larger than the block (one huge operand) is written on its own.
    const target = size > SPILL_BLOCK_BYTES ? Buffer.allocUnsafe(size) : this.block;
    const at = target === this.block ? this.used : 0;
    target.writeUInt32LE(size - 4, at);
    target.writeUInt16LE(index, at + 4);
    target.write(key, at + HEAD_BYTES, KEY_CHARS, 'latin1');
    target.write(json, at + HEAD_BYTES + KEY_CHARS, 'utf8');
    if (target === this.block) this.used += size;
    else writeAll(this.opened().fd, target, size);
    this.records++;
    this.bytes += size;
  }

  /** Writes what the block gathered. */
  private flush(): void {
    if (this.used === 0) return;
    writeAll(this.opened().fd, this.block!, this.used);
    this.used = 0;
  }

  /**
   * Every record appended since the last `clear`, in order, read a block at a
   * time (a record longer than the block is read whole, on its own).
   */
  async *read(): AsyncGenerator<SpilledMiss> {
    this.flush();
    if (this.file === undefined) return;
    const file = await open(this.file.path, 'r');
    try {
      let buf = Buffer.allocUnsafe(SPILL_BLOCK_BYTES);
      let start = 0; // the file offset of buf[0]
      let have = 0;
      let at = 0;
      for (;;) {
        if (have - at < 4 || have - at < 4 + buf.readUInt32LE(at)) {
          // Keep the partial record, read on after it.
          const rest = have - at;
          const need = rest >= 4 ? 4 + buf.readUInt32LE(at) : 4;
          const next = need > buf.length ? Buffer.allocUnsafe(need) : buf;
          buf.copy(next, 0, at, have);
          buf = next;
          start += at;
          at = 0;
          have = rest;
          const { bytesRead } = await file.read(buf, have, buf.length - have, start + have);
          if (bytesRead === 0) {
            if (rest !== 0) throw new Error(`the tuple spill ends inside a record (${rest} bytes)`);
            return;
          }
          have += bytesRead;
          continue;
        }
        const size = buf.readUInt32LE(at);
        const fn = this.fns[buf.readUInt16LE(at + 4)]!;
        const key = buf.toString('latin1', at + HEAD_BYTES, at + HEAD_BYTES + KEY_CHARS);
        const values = JSON.parse(
          buf.toString('utf8', at + HEAD_BYTES + KEY_CHARS, at + 4 + size),
        ) as unknown[];
        at += 4 + size;
        // A record larger than the block had its own buffer: back to the block's size.
        if (at === have && buf.length > SPILL_BLOCK_BYTES) {
          start += at;
          at = 0;
          have = 0;
          buf = Buffer.allocUnsafe(SPILL_BLOCK_BYTES);
        }
        yield { fn, key, values };
      }
    } finally {
      await file.close();
    }
  }

  /** Forgets every record: the next pass spills into an empty file. */
  clear(): void {
    this.used = 0;
    if (this.file !== undefined) {
      closeSync(this.file.fd);
      this.file.fd = openSync(this.file.path, 'w+', 0o600);
    }
    this.records = 0;
    this.bytes = 0;
  }

  /** Removes the file and its folder (if one was made). */
  close(): void {
    const file = this.file;
    if (file === undefined) return;
    this.file = undefined;
    try {
      closeSync(file.fd);
    } catch {
      // already closed
    }
    rmSync(file.folder, { recursive: true, force: true });
  }
}

function writeAll(fd: number, buf: Buffer, length: number): void {
  for (let off = 0; off < length; ) off += writeSync(fd, buf, off, length - off);
}
