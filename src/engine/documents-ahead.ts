/**
 * Documents parsed ahead of a statement, off the main thread (the parser's
 * `parseAhead`), so that DOCUMENT_TEXT and DOCUMENT_PAGES, which run inside
 * DuckDB's call and must otherwise wait on the main thread for a parse, find
 * them parsed. What a statement will read is known before it runs only where
 * it is written: a `read_blob`, `read_text` or `glob` of string constants
 * (listed by DuckDB with the statement's own connection, so a server client's
 * file rules apply) and `DOCUMENT_TEXT('path')` constants. Anything else (a
 * path from a column, a BLOB from a table) is parsed when the function meets
 * it. Only a statement that names one of the two functions is looked at.
 */
import { SqlTok, type SqlToken, scanSql } from '../../grammar/sql-scan.js';
import type { DocumentParser } from '../documents/document-parser.js';

const NAMES_A_DOCUMENT_FUNCTION = /document_(?:text|pages)\s*\(/i;
const READERS = new Set(['read_blob', 'read_text', 'glob']);
const DOCUMENT_FUNCTIONS = new Set(['document_text', 'document_pages']);
/** Files listed per pattern at most (the parser takes at most this many per statement too). */
const MAX_FILES = 1000;

export interface WrittenReads {
  /** Glob patterns (or files) of read_blob/read_text/glob constants. */
  readonly patterns: string[];
  /** DOCUMENT_TEXT('path') / DOCUMENT_PAGES('path') constants. */
  readonly paths: string[];
}

/** The file constants a statement's text gives the readers and the document functions. */
export function writtenReads(sql: string): WrittenReads {
  const out: WrittenReads = { patterns: [], paths: [] };
  if (!NAMES_A_DOCUMENT_FUNCTION.test(sql)) return out;
  const tokens = scanSql(sql).tokens.filter(
    (t) => t.type !== SqlTok.LineComment && t.type !== SqlTok.BlockComment,
  );
  const word = (t: SqlToken | undefined) =>
    t?.type === SqlTok.Word ? sql.slice(t.start, t.end).toLowerCase() : '';
  const text = (t: SqlToken | undefined) =>
    t?.type === SqlTok.String && sql[t.start] === "'"
      ? sql.slice(t.start + 1, t.end - 1).replaceAll("''", "'")
      : undefined;
  for (let i = 0; i + 2 < tokens.length; i++) {
    const name = word(tokens[i]);
    if (tokens[i + 1]!.type !== SqlTok.LParen) continue;
    if (DOCUMENT_FUNCTIONS.has(name)) {
      const path = text(tokens[i + 2]);
      if (path !== undefined && tokens[i + 3]?.type === SqlTok.RParen) out.paths.push(path);
    } else if (READERS.has(name)) {
      const first = text(tokens[i + 2]);
      if (first !== undefined) out.patterns.push(first);
      else if (tokens[i + 2]!.type === SqlTok.LBracket) {
        for (let k = i + 3; k < tokens.length && tokens[k]!.type !== SqlTok.RBracket; k++) {
          const item = text(tokens[k]);
          if (item !== undefined) out.patterns.push(item);
        }
      }
    }
  }
  return out;
}

/**
 * Parses what the statement's text says it reads, before it runs. `list`
 * lists a pattern's files with the statement's connection (a pattern it
 * refuses lists nothing: the statement's own run says why).
 */
export async function parseDocumentsAhead(
  sql: string,
  parser: DocumentParser,
  connectionId: number,
  list: (pattern: string) => Promise<string[]>,
  signal?: AbortSignal,
): Promise<void> {
  const { patterns, paths } = writtenReads(sql);
  if (patterns.length === 0 && paths.length === 0) return;
  const files: ({ real: string } | { asPath: string })[] = paths.map((asPath) => ({ asPath }));
  for (const pattern of patterns) {
    try {
      for (const real of await list(pattern)) files.push({ real });
    } catch {
      // Refused or malformed: the statement fails with DuckDB's own message.
    }
  }
  // A cancel (or a server's statement timeout) ends the parse running and the statement (CANCELLED).
  await parser.parseAhead(connectionId, files, MAX_FILES, signal);
}

/** The SQL that lists a pattern's files (DuckDB's glob, as read_blob expands it). */
export function listFilesSql(pattern: string): string {
  return `SELECT file FROM glob('${pattern.replaceAll("'", "''")}') LIMIT ${MAX_FILES}`;
}
