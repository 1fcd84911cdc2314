/**
 * A statement's answers, tuple key → SQL value, for its whole run (issue 66).
 * A semantic statement over a million distinct rows keeps a million answers:
 * as a Map of string keys that was ~125 bytes of JS heap an answer, every one
 * an object the garbage collector walks on each full collection. Here a key
 * is its 128-bit digest (callKey's 16 characters) in an open-addressed table
 * of typed arrays, and a value is a tag and a number in typed arrays too: ~50
 * bytes an answer at most (the table doubles at half full), outside the JS
 * heap. Text answers are kept once each when they repeat (a label, a class,
 * a typed answer's few shapes): up to INTERNED distinct texts share one copy.
 * Past them a text (a generation: each one distinct) is kept as its UTF-8
 * bytes in pages of PAGE_BYTES, not as a JS string: a million generated
 * labels as strings were a million objects on the heap the collector walks
 * (and two bytes a character for any text not Latin-1).
 */

/** An operator's answer as DuckDB receives it. */
export type SqlValue = string | number | boolean | null;

/** Distinct text answers kept as one shared copy each; past them a text is kept as it comes. */
const INTERNED = 4096;
const FIRST_CAPACITY = 1024;
/** Bytes of one page of text answers; a longer text has a page of its own. */
export const PAGE_BYTES = 1 << 20;
/** A PAGED text's place: page × PAGE_SPAN + offset in the page (exact in a double up to 2^32 pages). */
const PAGE_SPAN = 2 ** 21;

/** What a slot holds (tags). */
const EMPTY = 0;
const NULL = 1;
const FALSE = 2;
const TRUE = 3;
const NUMBER = 4;
const TEXT = 5;
/** A text past the interned ones: its UTF-8 bytes in `pages`. */
const PAGED = 6;

/** Characters of a key the table reads: callKey's digest, 16 Latin-1 characters (128 bits). */
export const KEY_CHARS = 16;

export class AnswerStore {
  /** 4 × 32 bits of each slot's key. */
  private keys = new Uint32Array(FIRST_CAPACITY * 4);
  private tags = new Uint8Array(FIRST_CAPACITY);
  /** A NUMBER's value, a TEXT's index in `texts`, or a PAGED text's place. */
  private numbers: Float64Array | null = null;
  /** A PAGED text's bytes. */
  private lengths: Uint32Array | null = null;
  /** The interned texts (at most INTERNED). */
  private readonly texts: string[] = [];
  private readonly interned = new Map<string, number>();
  private readonly pages: Buffer[] = [];
  /** Bytes used of the last page. */
  private pageUsed = PAGE_BYTES;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string): SqlValue | undefined {
    const slot = this.find(key);
    return this.tags[slot] === EMPTY ? undefined : this.valueAt(slot);
  }

  has(key: string): boolean {
    return this.tags[this.find(key)] !== EMPTY;
  }

  set(key: string, value: SqlValue): this {
    let slot = this.find(key);
    if (this.tags[slot] === EMPTY) {
      if ((this.count + 1) * 2 > this.tags.length) {
        this.grow();
        slot = this.find(key);
      }
      this.count++;
      const k = slot * 4;
      this.keys[k] = word(key, 0);
      this.keys[k + 1] = word(key, 4);
      this.keys[k + 2] = word(key, 8);
      this.keys[k + 3] = word(key, 12);
    }
    this.put(slot, value);
    return this;
  }

  /** The slot holding `key`, or the empty slot where it would go (linear probing). */
  private find(key: string): number {
    if (key.length !== KEY_CHARS)
      throw new Error(`an answer's key is ${KEY_CHARS} characters, got ${key.length}`);
    const a = word(key, 0);
    const b = word(key, 4);
    const c = word(key, 8);
    const d = word(key, 12);
    const mask = this.tags.length - 1;
    // The key is a digest: its first word is already uniform.
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      if (this.tags[slot] === EMPTY) return slot;
      const k = slot * 4;
      if (this.keys[k] === a && this.keys[k + 1] === b && this.keys[k + 2] === c && this.keys[k + 3] === d)
        return slot;
    }
  }

  private valueAt(slot: number): SqlValue {
    switch (this.tags[slot]) {
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case NUMBER:
        return this.numbers![slot]!;
      case TEXT:
        return this.texts[this.numbers![slot]!]!;
      default: {
        const place = this.numbers![slot]!;
        const at = place % PAGE_SPAN;
        return this.pages[(place - at) / PAGE_SPAN]!.toString('utf8', at, at + this.lengths![slot]!);
      }
    }
  }

  private put(slot: number, value: SqlValue): void {
    if (value === null) this.tags[slot] = NULL;
    else if (value === true) this.tags[slot] = TRUE;
    else if (value === false) this.tags[slot] = FALSE;
    else if (typeof value === 'number') {
      this.tags[slot] = NUMBER;
      this.numberSlots()[slot] = value;
    } else {
      const known = this.interned.get(value);
      if (known !== undefined || this.interned.size < INTERNED) {
        this.tags[slot] = TEXT;
        this.numberSlots()[slot] = known ?? this.intern(value);
      } else {
        this.tags[slot] = PAGED;
        this.numberSlots()[slot] = this.page(value);
        this.lengths ??= new Uint32Array(this.tags.length);
        this.lengths[slot] = Buffer.byteLength(value);
      }
    }
  }

  /**
   * The numbers' slots, made at the first number or text: a filter's answers
   * are booleans, and a million of them need no 8 bytes a slot (16 MB at 2^21).
   */
  private numberSlots(): Float64Array {
    this.numbers ??= new Float64Array(this.tags.length);
    return this.numbers;
  }

  private intern(text: string): number {
    const index = this.texts.push(text) - 1;
    this.interned.set(text, index);
    return index;
  }

  /** Writes `text` into the pages; its place. (A text set again over a PAGED one leaves the old bytes unused.) */
  private page(text: string): number {
    const bytes = Buffer.byteLength(text);
    if (bytes > PAGE_BYTES) {
      // A page of its own; the next text starts a new page (what the last one left is less than this text).
      this.pages.push(Buffer.from(text, 'utf8'));
      this.pageUsed = PAGE_BYTES;
      return (this.pages.length - 1) * PAGE_SPAN;
    }
    if (this.pageUsed + bytes > PAGE_BYTES) {
      this.pages.push(Buffer.allocUnsafe(PAGE_BYTES));
      this.pageUsed = 0;
    }
    const at = this.pageUsed;
    this.pages.at(-1)!.write(text, at, 'utf8');
    this.pageUsed += bytes;
    return (this.pages.length - 1) * PAGE_SPAN + at;
  }

  /** Twice the slots, every key placed again. */
  private grow(): void {
    const { keys, tags, numbers, lengths } = this;
    const capacity = tags.length * 2;
    this.keys = new Uint32Array(capacity * 4);
    this.tags = new Uint8Array(capacity);
    this.numbers = numbers && new Float64Array(capacity);
    this.lengths = lengths && new Uint32Array(capacity);
    const mask = capacity - 1;
    for (let old = 0; old < tags.length; old++) {
      if (tags[old] === EMPTY) continue;
      const k = old * 4;
      let slot = keys[k]! & mask;
      while (this.tags[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.keys.set(keys.subarray(k, k + 4), slot * 4);
      this.tags[slot] = tags[old]!;
      if (numbers) this.numbers![slot] = numbers[old]!;
      if (lengths) this.lengths![slot] = lengths[old]!;
    }
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
