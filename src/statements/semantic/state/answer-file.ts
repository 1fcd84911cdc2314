/**
 * A statement's answers past the ones it holds in memory (answer-store.ts),
 * in a file of its own (issue 66): at a million answers the table of keys in
 * memory (answer-table.ts) was ~52 MB of typed arrays, growing with every row
 * answered. Here memory holds the directory (a few bytes a segment: ~440
 * segments at a million answers) and three segment-sized pages used while
 * answers move in, whatever the count.
 *
 * DuckDB calls an operator's function synchronously and the function reads
 * its answers here (register-functions.ts), so the file is read with readSync,
 * never through DuckDB (a query from inside the function would re-enter it).
 * The same extendible hashing as answer-table.ts, on disk: a segment is
 * SEGMENT_SLOTS slots of 32 bytes (the key's four words, the tag, a text's
 * length, the number) at its own place in the file; a lookup reads the slots
 * from the key's home slot, PROBE_SLOTS at a time (one read, nearly always:
 * segments are at most 3/4 full). Answers move in in bulk (`absorb`: the
 * memory table's, all at once), a segment read, filled and written whole, so
 * a million answers cost ~16 moves of whole segments, not a million writes of
 * 32 bytes (10 µs each on this machine, against 3 µs a read of 512 bytes).
 * The file is made at the first move, in a private folder
 * (db/owned-folders.ts), and removed with it by `close`.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makeOwnedFolder } from '../../../db/owned-folders.js';
import {
  EMPTY,
  hasNumber,
  MAX_DEPTH,
  type MemoryAnswers,
  PAGED,
  SEGMENT_FULL,
  SEGMENT_SLOTS,
  tooDeep,
} from './answer-table.js';

/** 32-bit words of a slot: key 0–3, tag 4, a PAGED text's length 5, the number 6–7. */
const SLOT_WORDS = 8;
const SLOT_BYTES = SLOT_WORDS * 4;
/** Bytes of one segment in the file (128 KB). */
export const SEGMENT_BYTES = SEGMENT_SLOTS * SLOT_BYTES;
/** Slots a lookup reads at once (512 bytes): a hit is ~2.5 slots from home, a miss ~8.5 at 3/4 full. */
const PROBE_SLOTS = 16;

/** Slots in memory: a segment's (a page) or a lookup's (the probe), with word and number views of the same bytes. */
class Slots {
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;
  readonly numbers: Float64Array;
  constructor(slots: number) {
    this.bytes = new Uint8Array(slots * SLOT_BYTES);
    this.words = new Uint32Array(this.bytes.buffer);
    this.numbers = new Float64Array(this.bytes.buffer);
  }

  /** In a whole segment's page: the slot holding the key, or the empty slot where it would go. */
  find(a: number, b: number, c: number, d: number): number {
    const w = this.words;
    for (let slot = a & (SEGMENT_SLOTS - 1); ; slot = (slot + 1) & (SEGMENT_SLOTS - 1)) {
      const k = slot * SLOT_WORDS;
      if (w[k + 4] === EMPTY) return slot;
      if (w[k] === a && w[k + 1] === b && w[k + 2] === c && w[k + 3] === d) return slot;
    }
  }
}

/** A segment in the file: the keys whose second word's low `depth` bits are `bits`, at byte `at`. */
interface FileSegment {
  depth: number;
  bits: number;
  readonly at: number;
  count: number;
}

export class AnswerFile {
  private folder: string | undefined;
  private fd = -1;
  /** As answer-table.ts's: the segment of each value of a key's second word's low `depth` bits. */
  private directory: FileSegment[] = [{ depth: 0, bits: 0, at: 0, count: 0 }];
  private depth = 0;
  /** Segments placed in the file: the next one's place. */
  private placed = 1;
  private readonly probe = new Slots(PROBE_SLOTS);
  /** A segment being filled, the new half of one split, and a split segment's entries: made at the first move. */
  private pages: { page: Slots; half: Slots; scratch: Slots } | undefined;
  /** Answers in the file. */
  count = 0;
  /** The value `lookup` found. */
  tag = EMPTY;
  number = 0;
  length = 0;

  /** Bytes of the file (its segments). */
  get bytes(): number {
    return this.placed * SEGMENT_BYTES;
  }

  /** Whether the file holds the key; its value in `tag`, `number`, `length`. */
  lookup(a: number, b: number, c: number, d: number): boolean {
    const segment = this.directory[b & ((1 << this.depth) - 1)]!;
    if (segment.count === 0) return false;
    const { words, numbers, bytes } = this.probe;
    for (let slot = a & (SEGMENT_SLOTS - 1); ; ) {
      // Up to PROBE_SLOTS slots, not past the segment's end (its probing wraps to its first slot).
      const n = Math.min(PROBE_SLOTS, SEGMENT_SLOTS - slot);
      this.readAt(bytes, n * SLOT_BYTES, segment.at + slot * SLOT_BYTES);
      for (let i = 0; i < n; i++) {
        const k = i * SLOT_WORDS;
        const tag = words[k + 4]!;
        if (tag === EMPTY) return false;
        if (words[k] === a && words[k + 1] === b && words[k + 2] === c && words[k + 3] === d) {
          this.tag = tag;
          this.number = hasNumber(tag) ? numbers[i * 4 + 3]! : 0;
          this.length = tag === PAGED ? words[k + 5]! : 0;
          return true;
        }
      }
      slot = (slot + n) & (SEGMENT_SLOTS - 1);
    }
  }

  /**
   * Moves every answer of `memory` in (a key the file holds already takes the
   * memory's value). Segment by segment: the memory's keys that belong to it
   * counted first, and a segment they would fill past SEGMENT_FULL split
   * before any is placed (its halves then taken in turn), so no segment is
   * read twice to take its keys.
   */
  absorb(memory: MemoryAnswers): void {
    this.pages ??= {
      page: new Slots(SEGMENT_SLOTS),
      half: new Slots(SEGMENT_SLOTS),
      scratch: new Slots(SEGMENT_SLOTS),
    };
    const { page } = this.pages;
    const todo = [...new Set(this.directory)];
    for (let segment = todo.pop(); segment !== undefined; segment = todo.pop()) {
      const mask = segment.depth === 0 ? 0 : 2 ** segment.depth - 1;
      const sources = memory.segmentsMatching(segment.bits, segment.depth);
      let coming = 0;
      for (const m of sources)
        for (let slot = 0; slot < SEGMENT_SLOTS; slot++)
          if (m.tags[slot] !== EMPTY && (m.keys[slot * 4 + 1]! & mask) === segment.bits) coming++;
      if (coming === 0) continue;
      // Keys the file holds already are counted as coming too: at worst a segment splits early.
      if (segment.count + coming > SEGMENT_FULL) {
        todo.push(segment, this.split(segment));
        continue;
      }
      this.load(segment, page);
      const { words, numbers } = page;
      for (const m of sources)
        for (let slot = 0; slot < SEGMENT_SLOTS; slot++) {
          const tag = m.tags[slot]!;
          const q = slot * 4;
          const b = m.keys[q + 1]!;
          if (tag === EMPTY || (b & mask) !== segment.bits) continue;
          const a = m.keys[q]!;
          const c = m.keys[q + 2]!;
          const d = m.keys[q + 3]!;
          const at = page.find(a, b, c, d);
          const k = at * SLOT_WORDS;
          if (words[k + 4] === EMPTY) {
            words[k] = a;
            words[k + 1] = b;
            words[k + 2] = c;
            words[k + 3] = d;
            segment.count++;
            this.count++;
          }
          words[k + 4] = tag;
          words[k + 5] = tag === PAGED ? m.lengths![slot]! : 0;
          numbers[at * 4 + 3] = hasNumber(tag) ? m.numbers![slot]! : 0;
        }
      this.writeAt(page.bytes, SEGMENT_BYTES, segment.at);
    }
  }

  /** Removes the file and its folder. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.folder) rmSync(this.folder, { recursive: true, force: true });
    this.folder = undefined;
  }

  /**
   * Parts `full` in two by the next bit of its keys' second word, as
   * answer-table.ts splits a segment: the keys with it set move to a new
   * segment placed at the file's end. Returns the new segment.
   */
  private split(full: FileSegment): FileSegment {
    if (full.depth >= MAX_DEPTH) throw tooDeep(full.count);
    if (full.depth === this.depth) {
      this.directory = this.directory.concat(this.directory);
      this.depth++;
    }
    const bit = 2 ** full.depth;
    const fresh: FileSegment = { depth: full.depth + 1, bits: full.bits + bit, at: this.bytes, count: 0 };
    this.placed++;
    full.depth++;
    for (let place = 0; place < this.directory.length; place++)
      if (this.directory[place] === full && (place & bit) !== 0) this.directory[place] = fresh;
    if (full.count === 0) return fresh;
    const { page, half, scratch } = this.pages!;
    this.load(full, scratch);
    page.bytes.fill(0);
    half.bytes.fill(0);
    full.count = 0;
    const from = scratch.words;
    for (let slot = 0; slot < SEGMENT_SLOTS; slot++) {
      const k = slot * SLOT_WORDS;
      if (from[k + 4] === EMPTY) continue;
      const [to, segment] = (from[k + 1]! & bit) !== 0 ? [half, fresh] : [page, full];
      const at = to.find(from[k]!, from[k + 1]!, from[k + 2]!, from[k + 3]!);
      to.words.set(from.subarray(k, k + SLOT_WORDS), at * SLOT_WORDS);
      segment.count++;
    }
    this.writeAt(page.bytes, SEGMENT_BYTES, full.at);
    this.writeAt(half.bytes, SEGMENT_BYTES, fresh.at);
    return fresh;
  }

  /** A segment's slots into `into` (a segment never written holds none). */
  private load(segment: FileSegment, into: Slots): void {
    if (segment.count === 0) into.bytes.fill(0);
    else this.readAt(into.bytes, SEGMENT_BYTES, segment.at);
  }

  private writeAt(buf: Uint8Array, length: number, position: number): void {
    if (this.fd < 0) {
      this.folder = makeOwnedFolder('rvbbit-answer-table-');
      this.fd = openSync(join(this.folder, 'answers'), 'w+', 0o600);
    }
    for (let off = 0; off < length; ) off += writeSync(this.fd, buf, off, length - off, position + off);
  }

  private readAt(buf: Uint8Array, length: number, position: number): void {
    for (let off = 0; off < length; ) {
      const n = readSync(this.fd, buf, off, length - off, position + off);
      if (n === 0)
        throw new Error(`the statement's answer file ends at ${position + off} of ${position + length}`);
      off += n;
    }
  }
}
