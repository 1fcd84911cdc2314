/**
 * A statement's answers, tuple key → SQL value, for its whole run (issue 66).
 * A semantic statement over a million distinct rows keeps a million answers,
 * and reads each one back synchronously, inside DuckDB's call of the
 * operator's function (register-functions.ts). Memory holds at most
 * `inMemory` of them (the engine's `answersInMemory`, default
 * ANSWERS_IN_MEMORY) in a table of typed arrays (answer-table.ts); when it
 * is full, they all move to a file of the statement's own (answer-file.ts)
 * and the table is emptied for the next ones. A lookup asks the memory, then
 * the file. A statement of fewer answers never makes the file: a small one
 * pays nothing for the bound.
 *
 * A value is a tag and a number: booleans and NULL are the tag alone, a
 * number is kept as it is, and a text is kept once each when it repeats (a
 * label, a class, a typed answer's few shapes): up to INTERNED distinct texts
 * share one copy. Past them a text (a generation: each one distinct) is kept
 * as its UTF-8 bytes in a file of the statement's own (answer-texts.ts), not
 * as a JS string: a million generated labels as strings were a million
 * objects on the heap the collector walks (and two bytes a character for any
 * text not Latin-1), and as bytes in memory they still grew with every answer.
 */

import { AnswerFile } from './answer-file.js';
import { FALSE, MemoryAnswers, NULL, NUMBER, PAGED, TEXT, TRUE } from './answer-table.js';
import { AnswerTexts } from './answer-texts.js';

/** An operator's answer as DuckDB receives it. */
export type SqlValue = string | number | boolean | null;

/**
 * Answers a statement holds in memory before they move to its file (the
 * engine's default `answersInMemory`): ~2.5–4.4 MB of typed arrays when full,
 * a 65,536-row statement's answers, past which a million-row one no longer
 * grows (it held ~52 MB of them in memory at a million).
 */
export const ANSWERS_IN_MEMORY = 65_536;

/** Distinct text answers kept as one shared copy each; past them a text is kept as it comes. */
const INTERNED = 4096;

/** Characters of a key the table reads: callKey's digest, 16 Latin-1 characters (128 bits). */
export const KEY_CHARS = 16;

export class AnswerStore {
  private readonly memory = new MemoryAnswers();
  /** The answers that moved out of memory: made at the first move. */
  private file: AnswerFile | undefined;
  /** The interned texts (at most INTERNED). */
  private readonly texts: string[] = [];
  private readonly interned = new Map<string, number>();
  private readonly paged = new AnswerTexts();
  /** The most answers memory held at once: never more than `inMemory`. */
  private most = 0;
  /** The key's words (`words`): a field, not an array returned, so a lookup allocates nothing. */
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(
    /** Answers held in memory at most (a positive integer: engine.ts checks the option); past them they move to the statement's file. */
    readonly inMemory: number = ANSWERS_IN_MEMORY,
  ) {}

  /**
   * Distinct keys set. A key set again after it moved to the file is in
   * memory and in the file until the next move: counted once, by looking the
   * memory's keys up in the file here (tests read the size), not at each
   * `set` (a read of the file per answer: ~4 s of a million-row statement).
   */
  get size(): number {
    const { file, memory } = this;
    if (!file) return memory.count;
    let both = 0;
    memory.forEachKey((a, b, c, d) => {
      if (file.lookup(a, b, c, d)) both++;
    });
    return file.count + memory.count - both;
  }

  /** Answers held in memory now. */
  get heldInMemory(): number {
    return this.memory.count;
  }

  /** The most answers held in memory at once, over the statement's run. */
  get mostInMemory(): number {
    return this.most;
  }

  /** Answers in the statement's answer file (moved out of memory). */
  get inFile(): number {
    return this.file?.count ?? 0;
  }

  /** Bytes of PAGED texts written to the statement's file, not held in memory. */
  get textBytesOnDisk(): number {
    return this.paged.onDisk;
  }

  /** Removes the statement's files (the statement ended). */
  close(): void {
    this.paged.close();
    this.file?.close();
  }

  get(key: string): SqlValue | undefined {
    this.words(key);
    const { a, b, c, d, memory, file } = this;
    if (memory.lookup(a, b, c, d)) return this.valueOf(memory.tag, memory.number, memory.length);
    if (file?.lookup(a, b, c, d)) return this.valueOf(file.tag, file.number, file.length);
    return undefined;
  }

  has(key: string): boolean {
    this.words(key);
    const { a, b, c, d } = this;
    return this.memory.lookup(a, b, c, d) || (this.file?.lookup(a, b, c, d) ?? false);
  }

  set(key: string, value: SqlValue): this {
    this.words(key);
    const { a, b, c, d, memory } = this;
    // Full: its answers move to the file, unless the key is there to be set again.
    if (memory.count >= this.inMemory && !memory.lookup(a, b, c, d)) this.moveToFile();
    let tag: number;
    let number = 0;
    let length = 0;
    if (value === null) tag = NULL;
    else if (value === true) tag = TRUE;
    else if (value === false) tag = FALSE;
    else if (typeof value === 'number') {
      tag = NUMBER;
      number = value;
    } else {
      const known = this.interned.get(value);
      if (known !== undefined || this.interned.size < INTERNED) {
        tag = TEXT;
        number = known ?? this.intern(value);
      } else {
        tag = PAGED;
        ({ place: number, length } = this.paged.add(value));
      }
    }
    if (memory.put(a, b, c, d, tag, number, length) && memory.count > this.most) this.most = memory.count;
    return this;
  }

  /** Every answer held in memory into the file; memory emptied for the next ones. */
  private moveToFile(): void {
    this.file ??= new AnswerFile();
    this.file.absorb(this.memory);
    this.memory.clear();
  }

  /** The key's four 32-bit words into `a`–`d`. */
  private words(key: string): void {
    if (key.length !== KEY_CHARS)
      throw new Error(`an answer's key is ${KEY_CHARS} characters, got ${key.length}`);
    this.a = word(key, 0);
    this.b = word(key, 4);
    this.c = word(key, 8);
    this.d = word(key, 12);
  }

  private valueOf(tag: number, number: number, length: number): SqlValue {
    switch (tag) {
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case NUMBER:
        return number;
      case TEXT:
        return this.texts[number]!;
      default:
        return this.paged.get(number, length);
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
