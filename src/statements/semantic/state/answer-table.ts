/**
 * The table of a statement's answers held in memory (answer-store.ts: at
 * most its `inMemory` answers, then they move to the statement's answer file,
 * answer-file.ts). A key is its 128-bit digest (callKey's 16 characters, as
 * four 32-bit words) in an open-addressed table of typed arrays, and a value
 * is what answer-store.ts encodes it as: a tag, a number and a length, in
 * typed arrays too, outside the JS heap. The table grows a segment at a time
 * (extendible hashing): a full segment splits in two, half its keys moving to
 * one new segment, so no growth copies the whole table or holds it twice (a
 * table that doubled held its old and new arrays at once: ~51 MB for a moment
 * at a million boolean answers, where it then kept 34): growth allocates one
 * segment at a time. Segments are 3/8 to 3/4 full (they split in near
 * lockstep, the digests being uniform): 23–45 bytes a boolean answer, 33–67
 * with a number or text. Emptied (`clear`, once its answers moved to the
 * file), the table keeps its segments and takes them again as it refills: the
 * typed arrays never hold more than the table held at its fullest.
 */

/** Slots of one segment: what the table allocates at a time (68 KB of keys and tags, 116 KB with numbers and lengths). */
export const SEGMENT_SLOTS = 4096;
/**
 * Answers a segment holds before it splits: three quarters of its slots (linear
 * probing, a uniform digest: ~2.5 slots read to find a key, ~8.5 to miss one).
 */
export const SEGMENT_FULL = (SEGMENT_SLOTS * 3) / 4;
/**
 * Bits of a key's second word that choose its segment at most: a directory of
 * 2^22 places (32 MB of references) reaches ~10^10 answers of uniform digests;
 * only keys made to share their bits go deeper, and are refused, not held.
 */
export const MAX_DEPTH = 22;

/** What a slot holds (tags); 0 is an empty slot. */
export const EMPTY = 0;
export const NULL = 1;
export const FALSE = 2;
export const TRUE = 3;
export const NUMBER = 4;
/** An interned text: its index in the store's texts. */
export const TEXT = 5;
/** A text past the interned ones: its UTF-8 bytes in the statement's answer texts (answer-texts.ts). */
export const PAGED = 6;

/** Whether a tag's value has a number (a NUMBER's value, a TEXT's index, a PAGED text's byte offset). */
export const hasNumber = (tag: number) => tag >= NUMBER;

/** The error for keys that share every bit that may choose their segment (made to, not digests). */
export function tooDeep(count: number): Error {
  return new Error(
    `the statement's answers: ${count} keys share the ${MAX_DEPTH} bits that choose their segment`,
  );
}

/**
 * SEGMENT_SLOTS slots: the keys whose second word's low `depth` bits are its
 * place in the directory, placed by their first word (linear probing).
 */
export class Segment {
  /** 4 × 32 bits of each slot's key. */
  readonly keys = new Uint32Array(SEGMENT_SLOTS * 4);
  readonly tags = new Uint8Array(SEGMENT_SLOTS);
  /** A value's number (hasNumber); made at the segment's first. */
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

export class MemoryAnswers {
  /**
   * Segment of each value of a key's second word's low `depth` bits; a
   * segment of a lesser depth fills every place that ends in its bits.
   */
  private directory: Segment[] = [new Segment(0)];
  private depth = 0;
  /** A split segment's entries while they are placed again: one segment's arrays, made at the first split. */
  private scratch: Segment | null = null;
  /** Segments of the table before its last `clear`, taken again as it grows. */
  private readonly spare: Segment[] = [];
  count = 0;
  /** The value `lookup` found. */
  tag = EMPTY;
  number = 0;
  length = 0;

  /** Whether the table holds the key; its value in `tag`, `number`, `length` (no object per lookup). */
  lookup(a: number, b: number, c: number, d: number): boolean {
    const segment = this.segmentOf(b);
    const slot = segment.find(a, b, c, d);
    const tag = segment.tags[slot]!;
    if (tag === EMPTY) return false;
    this.tag = tag;
    this.number = hasNumber(tag) ? segment.numbers![slot]! : 0;
    this.length = tag === PAGED ? segment.lengths![slot]! : 0;
    return true;
  }

  /** Sets the key's value; true when the key is new to the table. */
  put(a: number, b: number, c: number, d: number, tag: number, number: number, length: number): boolean {
    let segment = this.segmentOf(b);
    let slot = segment.find(a, b, c, d);
    const fresh = segment.tags[slot] === EMPTY;
    if (fresh) {
      while (segment.count >= SEGMENT_FULL) {
        this.split(segment);
        segment = this.segmentOf(b);
        slot = segment.find(a, b, c, d);
      }
      segment.count++;
      this.count++;
      const k = slot * 4;
      segment.keys[k] = a;
      segment.keys[k + 1] = b;
      segment.keys[k + 2] = c;
      segment.keys[k + 3] = d;
    }
    segment.tags[slot] = tag;
    if (hasNumber(tag)) segment.numberSlots()[slot] = number;
    if (tag === PAGED) segment.lengthSlots()[slot] = length;
    return fresh;
  }

  /**
   * The distinct segments holding keys whose second word's low `depth` bits
   * are `bits` (with others, when a segment is shallower).
   */
  segmentsMatching(bits: number, depth: number): Segment[] {
    if (this.depth <= depth) return [this.segmentOf(bits)];
    const found = new Set<Segment>();
    for (let place = bits; place < this.directory.length; place += 1 << depth)
      found.add(this.directory[place]!);
    return [...found];
  }

  /** Calls `visit` with each key's four words. */
  forEachKey(visit: (a: number, b: number, c: number, d: number) => void): void {
    for (const s of new Set(this.directory))
      for (let slot = 0; slot < SEGMENT_SLOTS; slot++) {
        if (s.tags[slot] === EMPTY) continue;
        const k = slot * 4;
        visit(s.keys[k]!, s.keys[k + 1]!, s.keys[k + 2]!, s.keys[k + 3]!);
      }
  }

  /** Empties the table, keeping its segments for its next answers. */
  clear(): void {
    const all = new Set(this.directory);
    for (const s of all) {
      s.tags.fill(EMPTY);
      s.count = 0;
      s.depth = 0;
      this.spare.push(s);
    }
    this.directory = [this.segment(0)];
    this.depth = 0;
    this.count = 0;
  }

  private segmentOf(b: number): Segment {
    return this.directory[b & ((1 << this.depth) - 1)]!;
  }

  /** A segment of `depth`: a spare one, else a new one. */
  private segment(depth: number): Segment {
    const s = this.spare.pop() ?? new Segment(depth);
    s.depth = depth;
    return s;
  }

  /**
   * Parts `full` in two by the next bit of its keys' second word: the keys
   * with it set move to a new segment, the others are placed again in `full`
   * (taking keys out of a linear-probed table breaks the runs of the rest).
   */
  private split(full: Segment): void {
    if (full.depth >= MAX_DEPTH) throw tooDeep(full.count);
    if (full.depth === this.depth) {
      this.directory = this.directory.concat(this.directory);
      this.depth++;
    }
    const bit = 1 << full.depth;
    const fresh = this.segment(full.depth + 1);
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
}
