/**
 * Errors raised inside a JavaScript scalar function (IMAGE(), …): DuckDB
 * takes only a message from the function (`info.setError`) and throws
 * `Invalid Input Error: <message>` from the statement, wherever it runs (plain
 * SQL, a MAP's USING query, a semantic pass, a server client's statement).
 * The function keeps its error here by message, and duckdbError() gives the
 * statement's error back its code and words. A message is a function of the
 * value and the engine's settings, so two errors with one message are the
 * same error; the memory is bounded.
 */
import type { RvbbitError } from '../../base/errors.js';

const KEPT_MAX = 1024;
const kept = new Map<string, RvbbitError>();

/** Keeps `err` for duckdbError() and returns the message to give DuckDB. */
export function functionError(err: RvbbitError): string {
  if (!kept.has(err.message)) {
    if (kept.size >= KEPT_MAX) kept.delete(kept.keys().next().value as string);
    kept.set(err.message, err);
  }
  return err.message;
}

/** The kept error whose message DuckDB's error carries (after its error type), if any. */
export function keptFunctionError(duckdbMessage: string): RvbbitError | undefined {
  if (kept.size === 0) return undefined;
  const m = /^Invalid Input Error: ([\s\S]*)$/.exec(duckdbMessage);
  return m ? kept.get(m[1]!) : undefined;
}
