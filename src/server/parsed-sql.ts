/**
 * A statement's text as the engine's grammar reads it, parsed once, when
 * first needed, and kept with its error for every step that needs it: the
 * check of a message of several statements, Describe, a streaming portal and
 * the run. The session parses the text with Postgres' literals made DuckDB's
 * (types/pg-literals.ts). Kept, a parse costs about the text's own size (the
 * statements hold their text and the spans of their semantic constructs).
 */
import type { Session, SessionStatement } from '../engine/session.js';
import { pgLiteralsForDuckDB } from './types/pg-literals.js';

/** The statements of one text; throws its grammar error (the same one each time). */
export type ParsedSql = () => readonly SessionStatement[];

export function parseOnce(session: Session, sql: string): ParsedSql {
  let statements: readonly SessionStatement[] | undefined;
  let failed: { readonly error: unknown } | undefined;
  return () => {
    if (statements) return statements;
    if (failed) throw failed.error;
    try {
      statements = session.statements(pgLiteralsForDuckDB(sql));
      return statements;
    } catch (error) {
      failed = { error };
      throw error;
    }
  };
}
