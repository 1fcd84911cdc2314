/**
 * What one HTTP attempt is asked and answers, apart from the undici Pool that
 * sends it (http.ts): the LLM client's public options name these types
 * (a gate wraps a Send), and a module of its own keeps undici's types out
 * of the package's declarations, so a user's `tsc` never reads them.
 */
import type { PaceTicket } from './gate-budget.js';

export interface HttpAttempt {
  readonly path: string;
  /** JSON text; bytes when image files were written into it (image-files.ts bodyWithImageFiles). */
  readonly body: string | Buffer;
  readonly headers: Record<string, string>;
  /** The caller's signal: aborts the attempt (and is re-thrown as is). */
  readonly signal?: AbortSignal;
  /** Deadline of this attempt; starts when the attempt starts (after any gate wait). */
  readonly timeoutMs: number;
  /** What the attempt draws on the provider's announced budget (the gate reads it; HTTP ignores it). */
  readonly pace?: PaceTicket;
  /** The model asked (for what the layers above HTTP log about its answers; HTTP ignores it). */
  readonly model?: string;
}

export interface HttpReply {
  readonly status: number;
  /**
   * The response headers the client reads (content-length, content-type,
   * retry-after, the rate-limit budget's, the simulator's mark), names in lower case.
   */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

export type Send = (attempt: HttpAttempt) => Promise<HttpReply>;
