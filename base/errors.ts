import type { ErrorCode } from './error-codes.js';
import { withoutSecrets } from './secrets.js';

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
    // A provider key never reaches a user through an error (base/secrets.ts).
    super(withoutSecrets(message), options);
    this.name = 'RvbbitError';
    this.code = code;
    this.detail = detail;
  }

  /** Plain data, for crossing a thread boundary (an Error loses its custom properties there). */
  toJSON(): { code: ErrorCode; message: string; detail: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, detail: this.detail };
  }
}

/** Turns anything thrown into a message without leaking a stack or a provider key. */
export function errorMessage(err: unknown): string {
  return withoutSecrets(err instanceof Error ? err.message : String(err));
}
