/**
 * A statement's answers, tuple key → SQL value, for its whole run (issue 66).
 * A semantic statement over a million distinct rows keeps a million answers:
 * as a Map of string keys that was ~125 bytes of JS heap an answer, every one
 * an object the garbage collector walks on each full collection. Here a key
 * is its 128-bit digest (callKey's 16 characters) in an open-addressed table
 * of typed arrays, and a value is a tag and a number in typed arrays too,
 * outside the JS heap. The table grows a segment at a time (extendible
 * hashing): a full segment splits in two, half its keys moving to one new
 * segment, so no growth copies the whole table or holds it twice (a table
 * that doubled held its old and new arrays at once: ~51 MB for a moment at a
 * million boolean answers, where it then kept 34): growth allocates one
 * segment at a time. Segments are 3/8 to 3/4 full (they split in near
 * lockstep, the digests being uniform): 23–45 bytes a boolean answer, 33–67
 * with a number or text. Text answers are kept once each when they repeat (a
 * label, a class, a typed answer's few shapes): up to INTERNED distinct texts
 * share one copy.
 * Past them a text (a generation: each one distinct) is kept as its UTF-8
 * bytes in a file of the statement's own (answer-texts.ts), not as a JS
 * string: a million generated labels as strings were a million objects on
 * the heap the collector walks (and two bytes a character for any text not
 * Latin-1), and as bytes in memory they still grew with every answer.
 */

import { AnswerTexts } from './answer-texts.js';

/** An operator's answer as DuckDB receives it. */
export type SqlValue = string | number | boolean | null;

/** Distinct text answers kept as one shared copy each; past them a text is kept as it comes. */
const INTERNED = 4096;
/** Slots of one segment: what the table allocates at a time (68 KB of keys and tags, 116 KB with numbers and lengths). */
const SEGMENT_SLOTS = 4096;
/**
 * Answers a segment holds before it splits: three quarters of its slots (linear
 * probing, a uniform digest: ~2.5 slots read to find a key, ~8.5 to miss one).
 */
const SEGMENT_FULL = (SEGMENT_SLOTS * 3) / 4;
/**
 * Bits of a key's second word that choose its segment at most: a directory of
 * 2^22 places (32 MB of references) reaches ~10^10 answers of uniform digests;
 * only keys made to share their bits go deeper, and are refused, not held.
 */
const MAX_DEPTH = 22;

/** What a slot holds (tags). */
const EMPTY = 0;
const NULL = 1;
const FALSE = 2;
const TRUE = 3;
const NUMBER = 4;
const TEXT = 5;
/** A text past the interned ones: its UTF-8 bytes in the statement's answer texts (answer-texts.ts). */
const PAGED = 6;

/** Characters of a key the table reads: callKey's digest, 16 Latin-1 characters (128 bits). */
export const KEY_CHARS = 16;

/**
 * SEGMENT_SLOTS slots: the keys whose second word's low `depth` bits are its
 * place in the directory, placed by their first word (linear probing).
 */
class Segment {
  /** 4 × 32 bits of each slot's key. */
  readonly keys = new Uint32Array(SEGMENT_SLOTS * 4);
  readonly tags = new Uint8Array(SEGMENT_SLOTS);
  /** A NUMBER's value, a TEXT's index in `texts`, or a PAGED text's byte offset; made at the segment's first. */
  numbers: Float64Array | null = null;
  /** A PAGED text's bytes; made at the segment's first. */
  lengths: Uint32Array | null = null;
  count = 0;
  constructor(public depth: number) {}

  /** The slot holding the key (a, b, c, d), or the empty slot where it would go. */
  find(a: number, b: number, c: number, d: number): number {
    const { keys, tags } = this;
    // The key is a digest: its first word is already uniform.
    for (let slot = a & (SEGMENT_SLOTS - 1); ; slot = (slot + 1) & (SEGMENT_SLOTS - 1)) {
      if (tags[slot] === EMPTY) return slot;
      const k = slot * 4;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) return slot;
    }
  }

  numberSlots(): Float64Array {
    this.numbers ??= new Float64Array(SEGMENT_SLOTS);
    return this.numbers;
  }

  lengthSlots(): Uint32Array {
    this.lengths ??= new Uint32Array(SEGMENT_SLOTS);
    return this.lengths;
  }
}

export class AnswerStore {
  /**
   * Segment of each value of a key's second word's low `depth` bits; a
   * segment of a lesser depth fills every place that ends in its bits.
   */
  private directory: Segment[] = [new Segment(0)];
  private depth = 0;
  /** The segment of the last `locate`. */
  private located: Segment = this.directory[0]!;
  /** A split segment's entries while they are placed again: one segment's arrays, made at the first split. */
  private scratch: Segment | null = null;
  /** The interned texts (at most INTERNED). */
  private readonly texts: string[] = [];
  private readonly interned = new Map<string, number>();
  private readonly paged = new AnswerTexts();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Bytes of PAGED texts written to the statement's file, not held in memory. */
  get textBytesOnDisk(): number {
    return this.paged.onDisk;
  }

  /** Removes the file of PAGED texts (the statement ended). */
  close(): void {
    this.paged.close();
  }

  get(key: string): SqlValue | undefined {
    const slot = this.locate(key);
    const segment = this.located;
    return segment.tags[slot] === EMPTY ? undefined : this.valueAt(segment, slot);
  }

  has(key: string): boolean {
    const slot = this.locate(key);
    return this.located.tags[slot] !== EMPTY;
  }

  set(key: string, value: SqlValue): this {
    let slot = this.locate(key);
    let segment = this.located;
    if (segment.tags[slot] === EMPTY) {
      while (segment.count >= SEGMENT_FULL) {
        this.split(segment);
        slot = this.locate(key);
        segment = this.located;
      }
      segment.count++;
      this.count++;
      const k = slot * 4;
      segment.keys[k] = word(key, 0);
      segment.keys[k + 1] = word(key, 4);
      segment.keys[k + 2] = word(key, 8);
      segment.keys[k + 3] = word(key, 12);
    }
    this.put(segment, slot, value);
    return this;
  }

  /**
   * The slot holding `key` (or the empty slot where it would go) in the segment
   * it sets `located` to: a field, not a pair returned, so a lookup allocates nothing.
   */
  private locate(key: string): number {
    if (key.length !== KEY_CHARS)
      throw new Error(`an answer's key is ${KEY_CHARS} characters, got ${key.length}`);
    const b = word(key, 4);
    this.located = this.directory[b & ((1 << this.depth) - 1)]!;
    return this.located.find(word(key, 0), b, word(key, 8), word(key, 12));
  }

  /**
   * Parts `full` in two by the next bit of its keys' second word: the keys
   * with it set move to a new segment, the others are placed again in `full`
   * (taking keys out of a linear-probed table breaks the runs of the rest).
   */
  private split(full: Segment): void {
    if (full.depth >= MAX_DEPTH)
      throw new Error(
        `the statement's answers: ${full.count} keys share the ${MAX_DEPTH} bits that choose their segment`,
      );
    if (full.depth === this.depth) {
      this.directory = this.directory.concat(this.directory);
      this.depth++;
    }
    const bit = 1 << full.depth;
    const fresh = new Segment(full.depth + 1);
    full.depth++;
    // Every place that ended in full's bits and has the new bit set is fresh's now.
    for (let place = 0; place < this.directory.length; place++)
      if (this.directory[place] === full && (place & bit) !== 0) this.directory[place] = fresh;
    // full's entries into the scratch segment, full emptied, each entry placed again.
    this.scratch ??= new Segment(0);
    const old = this.scratch;
    old.keys.set(full.keys);
    old.tags.set(full.tags);
    const numbers = full.numbers && old.numberSlots();
    const lengths = full.lengths && old.lengthSlots();
    if (numbers) numbers.set(full.numbers!);
    if (lengths) lengths.set(full.lengths!);
    full.tags.fill(EMPTY);
    full.count = 0;
    for (let slot = 0; slot < SEGMENT_SLOTS; slot++) {
      if (old.tags[slot] === EMPTY) continue;
      const k = slot * 4;
      const a = old.keys[k]!;
      const b = old.keys[k + 1]!;
      const to = (b & bit) !== 0 ? fresh : full;
      const at = to.find(a, b, old.keys[k + 2]!, old.keys[k + 3]!);
      to.keys.set(old.keys.subarray(k, k + 4), at * 4);
      to.tags[at] = old.tags[slot]!;
      to.count++;
      if (numbers) to.numberSlots()[at] = numbers[slot]!;
      if (lengths) to.lengthSlots()[at] = lengths[slot]!;
    }
  }

  private valueAt(segment: Segment, slot: number): SqlValue {
    switch (segment.tags[slot]) {
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case NUMBER:
        return segment.numbers![slot]!;
      case TEXT:
        return this.texts[segment.numbers![slot]!]!;
      default:
        return this.paged.get(segment.numbers![slot]!, segment.lengths![slot]!);
    }
  }

  private put(segment: Segment, slot: number, value: SqlValue): void {
    if (value === null) segment.tags[slot] = NULL;
    else if (value === true) segment.tags[slot] = TRUE;
    else if (value === false) segment.tags[slot] = FALSE;
    else if (typeof value === 'number') {
      segment.tags[slot] = NUMBER;
      segment.numberSlots()[slot] = value;
    } else {
      const known = this.interned.get(value);
      if (known !== undefined || this.interned.size < INTERNED) {
        segment.tags[slot] = TEXT;
        segment.numberSlots()[slot] = known ?? this.intern(value);
      } else {
        const { place, length } = this.paged.add(value);
        segment.tags[slot] = PAGED;
        segment.numberSlots()[slot] = place;
        segment.lengthSlots()[slot] = length;
      }
    }
  }

  private intern(text: string): number {
    const index = this.texts.push(text) - 1;
    this.interned.set(text, index);
    return index;
  }
}

/** 32 bits of a Latin-1 key from character `at`. */
function word(key: string, at: number): number {
  return (
    (key.charCodeAt(at) |
      (key.charCodeAt(at + 1) << 8) |
      (key.charCodeAt(at + 2) << 16) |
      (key.charCodeAt(at + 3) << 24)) >>>
    0
  );
}
