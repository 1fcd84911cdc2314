/**
 * A query string's statements for the server, without parsing them: the
 * grammar's own cutter (grammar/split.ts statementChunks, so both cut at the
 * same `;`), which holds only the current statement, so a query of millions
 * of statements costs no more memory than its longest one; each statement is
 * parsed only when it runs. Parameters (`$1`, `?`, `$name`) are noted on the
 * way for Bind's count check.
 */
import { isAnnotation } from '../../grammar/annotations.js';
import { statementChunks } from '../../grammar/split.js';
import { SqlTok, type SqlToken } from '../../grammar/sql-scan.js';

export interface SqlPiece {
  /** The statement with its leading `-- @` annotations, without the `;`. */
  readonly text: string;
  /** Offset of `text` in the query string (for an error's position). */
  readonly start: number;
  /** The highest `$n` in it (0: none). */
  readonly maxParam: number;
  /** It has `?` or `$name` parameters, which DuckDB numbers itself. */
  readonly otherParams: boolean;
  /** Only comments after the last statement, one of them an annotation (the grammar calls it dangling, an error). */
  readonly trailing?: true;
}

/** The statements of `sql` in order, each when it is reached. */
export function* sqlPieces(sql: string): Generator<SqlPiece> {
  const firstAnnotation = (comments: readonly SqlToken[]) =>
    comments.find((t) => t.type === SqlTok.LineComment && isAnnotation(sql.slice(t.start, t.end)));
  const cut = statementChunks(sql);
  let any = false;
  for (let r = cut.next(); ; r = cut.next()) {
    if (r.done) {
      const annotation = firstAnnotation(r.value);
      if (annotation && any) {
        const { start } = annotation;
        yield { text: sql.slice(start), start, maxParam: 0, otherParams: false, trailing: true };
      }
      return;
    }
    const chunk = r.value;
    // Comments before a statement's first token are where its annotations live.
    const start = firstAnnotation(chunk.leading)?.start ?? chunk.start;
    let maxParam = 0;
    let otherParams = false;
    for (const t of chunk.tokens) {
      if (t.type !== SqlTok.Param) continue;
      const numbered = sql.charCodeAt(t.start) === 36 && isDigitAt(sql, t.start + 1);
      if (numbered) maxParam = Math.max(maxParam, Number(sql.slice(t.start + 1, t.end)));
      else otherParams = true;
    }
    yield { text: sql.slice(start, chunk.end), start, maxParam, otherParams };
    any = true;
  }
}

function isDigitAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57;
}
