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
 */

/** An operator's answer as DuckDB receives it. */
export type SqlValue = string | number | boolean | null;

/** Distinct text answers kept as one shared copy each; past them a text is kept as it comes. */
const INTERNED = 4096;
const FIRST_CAPACITY = 1024;

/** What a slot holds (tags). */
const EMPTY = 0;
const NULL = 1;
const FALSE = 2;
const TRUE = 3;
const NUMBER = 4;
const TEXT = 5;

/** Characters of a key the table reads: callKey's digest, 16 Latin-1 characters (128 bits). */
export const KEY_CHARS = 16;

export class AnswerStore {
  /** 4 × 32 bits of each slot's key. */
  private keys = new Uint32Array(FIRST_CAPACITY * 4);
  private tags = new Uint8Array(FIRST_CAPACITY);
  /** A NUMBER's value, or a TEXT's index in `texts`. */
  private numbers = new Float64Array(FIRST_CAPACITY);
  private readonly texts: string[] = [];
  private readonly interned = new Map<string, number>();
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
        return this.numbers[slot]!;
      default:
        return this.texts[this.numbers[slot]!]!;
    }
  }

  private put(slot: number, value: SqlValue): void {
    if (value === null) this.tags[slot] = NULL;
    else if (value === true) this.tags[slot] = TRUE;
    else if (value === false) this.tags[slot] = FALSE;
    else if (typeof value === 'number') {
      this.tags[slot] = NUMBER;
      this.numbers[slot] = value;
    } else {
      this.tags[slot] = TEXT;
      this.numbers[slot] = this.textIndex(value);
    }
  }

  private textIndex(text: string): number {
    const known = this.interned.get(text);
    if (known !== undefined) return known;
    const index = this.texts.push(text) - 1;
    if (this.interned.size < INTERNED) this.interned.set(text, index);
    return index;
  }

  /** Twice the slots, every key placed again. */
  private grow(): void {
    const { keys, tags, numbers } = this;
    const capacity = tags.length * 2;
    this.keys = new Uint32Array(capacity * 4);
    this.tags = new Uint8Array(capacity);
    this.numbers = new Float64Array(capacity);
    const mask = capacity - 1;
    for (let old = 0; old < tags.length; old++) {
      if (tags[old] === EMPTY) continue;
      const k = old * 4;
      let slot = keys[k]! & mask;
      while (this.tags[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.keys.set(keys.subarray(k, k + 4), slot * 4);
      this.tags[slot] = tags[old]!;
      this.numbers[slot] = numbers[old]!;
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
