/**
 * One statement's documents pass on one DuckDB connection: while it runs in
 * record mode, DOCUMENT_TEXT, DOCUMENT_PAGES and TEXT_CHUNKS answer what is
 * parsed already and record the rest (answering NULL) instead of parsing on
 * the main thread inside DuckDB's call; the parser thread then parses the
 * recorded inputs while the main thread serves others, and the statement runs
 * again, until a pass records nothing: that pass ran with every real answer
 * (engine/documents-pass.ts runs the passes; docs/documents.md, "How parsing
 * runs").
 *
 * Bounds: a pass holds the inputs it records up to RECORD_BYTES (more are
 * only counted as missed, for a later pass); the answers a statement keeps
 * for its next pass (pinned: the engine-wide cache may drop them) are at most
 * ANSWER_CHARS characters. Past that, or after MAX_PASSES, the next pass is
 * `in-call`: what is still missing is parsed in the call, as before passes.
 */
import type { DocumentErrorData } from './document-error.js';

/** Inputs one pass keeps to parse (BLOB bytes, texts to chunk); past this a miss waits for a later pass. */
export const RECORD_BYTES = 128 * 1024 * 1024;
/** Answers one statement keeps for its passes (characters of pages and chunks). */
export const ANSWER_CHARS = 64 * 1024 * 1024;
/** Record passes at most; then one in the call. Nested functions take one each (pages, then their chunks). */
export const MAX_PASSES = 8;
/** TEXT_CHUNKS of a text this short may be cut in the call (prose: about 60,000 token-counter steps)… */
export const INLINE_CHUNK_CHARS = 16 * 1024;
/**
 * …while one DuckDB call (a chunk of up to 2,048 rows) has spent fewer
 * token-counter steps than this cutting (llm/bpe-merge.ts tokenSteps: about
 * 0.3–0.7 µs each, so 60–140 ms, and one more text over it at most: a
 * 16 K-character CJK word is about 270,000). Between calls the main thread
 * turns its event loop, so other clients, statement_timeout and cancel get
 * in. Counted for a pass only before, and in characters: a macro (no pass)
 * cut 20 texts of 16 K CJK in one call, 127 s under load, and
 * statement_timeout could not fire.
 */
export const CALL_INLINE_STEPS = 200_000;

/** What one DuckDB call (a chunk of rows) has spent cutting texts on the main thread, in token-counter steps. */
export interface CallWork {
  inlineSteps: number;
}

/** Pages (or chunks), or the error as data (a bad document fails again without a second parse). */
export type Outcome = { readonly pages: string[] } | { readonly error: DocumentErrorData };

/** What a record pass could not answer: parsed or cut on the parser thread before the next pass. */
export type PassInput =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'file'; readonly real: string; readonly shown: string }
  | {
      readonly kind: 'chunks';
      readonly text: string;
      readonly maxTokens: number;
      readonly overlapTokens: number;
    };

export class DocumentPass {
  mode: 'record' | 'in-call' = 'record';
  /** Inputs recorded this pass, by cache key. */
  readonly recorded = new Map<string, PassInput>();
  /** Misses this pass, recorded or not. */
  missed = 0;
  private recordedBytes = 0;
  /** Answers parsed for this statement, kept until it ends. */
  readonly answers = new Map<string, Outcome>();
  private answerChars = 0;

  constructor(readonly connectionId: number) {}

  startPass(): void {
    this.recorded.clear();
    this.missed = 0;
    this.recordedBytes = 0;
  }

  /** A miss: recorded while the pass's inputs fit, else only counted (a later pass records it). */
  record(key: string, input: PassInput): void {
    this.missed++;
    if (this.recorded.has(key)) return;
    const size =
      input.kind === 'bytes' ? input.bytes.length : input.kind === 'chunks' ? input.text.length * 2 : 0;
    if (this.recordedBytes + size > RECORD_BYTES && this.recorded.size > 0) return;
    this.recorded.set(key, input);
    this.recordedBytes += size;
  }

  /** Keeps an answer for the statement's next passes; false when the statement's answers are full. */
  keep(key: string, outcome: Outcome): boolean {
    const chars = outcomeChars(outcome);
    if (this.answerChars + chars > ANSWER_CHARS) return false;
    this.answers.set(key, outcome);
    this.answerChars += chars;
    return true;
  }
}

export function outcomeChars(outcome: Outcome): number {
  return 'error' in outcome ? outcome.error.message.length : outcome.pages.reduce((n, p) => n + p.length, 0);
}
