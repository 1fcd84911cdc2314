/**
 * DuckDB errors inside text the user wrote (a USING query) carry a position
 * relative to that text ("LINE 2: …" and a caret). This maps it onto the
 * whole statement, so the error names the user's line and column.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbErrorCode } from '../../base/error-codes.js';
import { errorMessage, RvbbitError } from '../../base/errors.js';
import { keptFunctionError } from './function-errors.js';

export interface TextOrigin {
  /** 1-based line and column where the embedded text starts in the statement. */
  readonly line: number;
  readonly column: number;
}

/** Line and column (1-based) of DuckDB's caret within the text it ran, if it drew one. */
function caretPosition(message: string): { line: number; column: number } | undefined {
  const m = /^LINE (\d+): .*\n( *)\^/m.exec(message);
  if (!m) return undefined;
  const prefix = `LINE ${m[1]}: `.length;
  return { line: Number(m[1]), column: m[2]!.length - prefix + 1 };
}

export function duckdbError(
  err: unknown,
  origin?: TextOrigin,
  relative?: string,
  label = 'USING query',
): RvbbitError {
  if (err instanceof RvbbitError) return err;
  const message = errorMessage(err);
  // A JS scalar function's own error (function-errors.ts): its code and words, not DuckDB's wrapping.
  const own = keptFunctionError(message);
  if (own) return new RvbbitError(own.code, own.message, own.detail, { cause: err });
  // Types are one word ("Binder Error") or a few ("Invalid Input Error", "Out of Range Error").
  const kind = /^([A-Za-z]+(?: [A-Za-z]+){0,2}) Error:/.exec(message)?.[1];
  const code = duckdbErrorCode(kind);
  const at = origin ? caretPosition(relative ?? message) : undefined;
  if (!at || !origin) return new RvbbitError(code, message, {}, { cause: err });
  const line = origin.line + at.line - 1;
  const column = at.line === 1 ? origin.column + at.column - 1 : at.column;
  // Plain SQL (label '') keeps DuckDB's message, whose caret already shows the
  // place; the statement-relative position goes into detail for clients.
  if (!label) return new RvbbitError(code, relocated(message, origin), { line, column }, { cause: err });
  const first = (relative ?? message).split('\n')[0];
  return new RvbbitError(
    code,
    `${first} (${label}, line ${line}, column ${column})\n${relocated(relative ?? message, origin)}`,
    {
      line,
      column,
    },
  );
}

/**
 * DuckDB's `LINE n:` counts lines of the text it ran; the user counts lines of
 * what they wrote. Renumbered, with the caret moved by the width the number
 * gained, so it still points at the same character.
 */
function relocated(message: string, origin: TextOrigin): string {
  return message.replace(/^LINE (\d+): (.*)\n( *)\^/m, (_, n: string, text: string, pad: string) => {
    const head = `LINE ${origin.line + Number(n) - 1}: `;
    const shift = head.length - `LINE ${n}: `.length;
    return `${head}${text}\n${' '.repeat(pad.length + shift)}^`;
  });
}

/**
 * Runs `op`; if it fails, prepares the embedded text alone so DuckDB reports
 * the position relative to it, and maps that onto the statement.
 */
export async function withUserSqlErrors<T>(
  con: DuckDBConnection,
  userSql: string,
  origin: TextOrigin | undefined,
  op: () => Promise<T>,
): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (!origin) throw duckdbError(err);
    try {
      await con.prepare(userSql);
    } catch (alone) {
      throw duckdbError(alone, origin, errorMessage(alone));
    }
    throw duckdbError(err);
  }
}

/** What the user wrote of a statement the engine rewrote before DuckDB ran it (statements/semantic/rewrite/semantic-rewrite.ts). */
export interface UserText {
  readonly text: string;
  /** 1-based line and column of the text's start in the user's input. */
  readonly line: number;
  readonly column: number;
  /**
   * The offset in `text` that an offset of the rewritten SQL came from: the
   * same character in text the rewrite kept, the construct's start in text
   * it replaced (an operand inside a rewritten operator maps to the operator).
   */
  offsetOf(rewrittenOffset: number): number;
}

/** Widest excerpt of a line DuckDB-style errors show, in characters either side of the caret. */
const EXCERPT_HALF = 40;

/**
 * A DuckDB error about SQL the engine rewrote (`rvbbit_semantic_means(1, t, …)`)
 * pointed at what the user wrote instead: the excerpt DuckDB drew ("LINE n: …"
 * and a caret, cut with "..." when long) is found in the rewritten SQL, its
 * offset mapped back, and the user's own line shown with the caret there;
 * line and column (of the user's input) go into the detail. Unchanged when
 * DuckDB drew no caret or the excerpt cannot be found.
 */
export function userSqlError(err: unknown, rewritten: string, user: UserText): RvbbitError {
  const plain = duckdbError(err);
  const m = /^LINE (\d+): (.*)\n( *)\^/m.exec(plain.message);
  if (!m) return plain;
  const caret = m[3]!.length - `LINE ${m[1]}: `.length;
  const lead = m[2]!.startsWith('...') ? 3 : 0;
  const core = m[2]!.slice(lead, m[2]!.endsWith('...') ? -3 : undefined);
  const at = rewritten.indexOf(core);
  if (core.length === 0 || at < 0 || rewritten.indexOf(core, at + 1) >= 0) return plain;
  const offset = user.offsetOf(at + caret - lead);
  const before = user.text.slice(0, offset);
  const lineInText = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineText = user.text.slice(lineStart).split('\n')[0]!;
  const col = offset - lineStart;
  const line = user.line + lineInText - 1;
  const column = lineInText === 1 ? user.column + col : col + 1;
  const from = Math.max(0, col - EXCERPT_HALF);
  const to = Math.min(lineText.length, col + EXCERPT_HALF);
  const shown = `${from > 0 ? '...' : ''}${lineText.slice(from, to)}${to < lineText.length ? '...' : ''}`;
  const head = `LINE ${line}: `;
  const pad = head.length + col - from + (from > 0 ? 3 : 0);
  const message = plain.message.replace(m[0], `${head}${shown}\n${' '.repeat(pad)}^`);
  return new RvbbitError(plain.code, message, { line, column }, { cause: err });
}
