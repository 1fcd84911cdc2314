import type { ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

/**
 * One error base for the whole engine. The `code` is the contract: it
 * survives worker-thread and wire boundaries (where it maps to a SQLSTATE),
 * and it is one of the listed codes (`error-codes.ts`), checked at compile time.
 */
export class RvbbitError extends Error {
  readonly code: ErrorCode;
  /** Extra structured detail (file, line, column, key, ...) safe to show a user. */
  readonly detail: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    detail: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RvbbitError';
    this.code = code;
    this.detail = detail;
  }

  /** Plain data, for crossing a thread boundary (an Error loses its custom properties there). */
  toJSON(): { code: ErrorCode; message: string; detail: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, detail: this.detail };
  }
}

/** Turns anything thrown into a message without leaking a stack. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
