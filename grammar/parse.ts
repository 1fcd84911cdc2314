/**
 * parse(): input text → { statements, errors }. Scan once by hand, split at
 * `;`, attach annotations, then parse RVBBIT statements with Chevrotain and
 * scan passthrough SQL for semantic operators. Never throws.
 */

import { annotationMisuse } from './annotation-use.js';
import { isAnnotation, parseAnnotation } from './annotations.js';
import type { Annotation, SqlStatement, Statement } from './ast.js';
import { GrammarErrorCode, makeError, type ParseError } from './errors.js';
import type { OperatorSet } from './operators.js';
import { parseRvbbitStatement } from './rvbbit-statement.js';
import { isSemanticFunctionStatement, parseSemanticFunction } from './semantic-function.js';
import { findSemanticCalls, type SemanticError } from './semantic-ops.js';
import { LineIndex } from './span.js';
import { explainPrefix, isRvbbitStatement, type StatementChunk, splitStatements } from './split.js';
import { SqlTok, type SqlToken, scanSql } from './sql-scan.js';

export interface ParseResult {
  /** Every statement that parsed without error, in input order. */
  readonly statements: readonly Statement[];
  readonly errors: readonly ParseError[];
}

/** Parses with one operator set; module-level `parse` binds the defaults. */
export function parseWith(ops: OperatorSet, input: unknown): ParseResult {
  const text = typeof input === 'string' ? input : String(input ?? '');
  const index = new LineIndex(text);
  const statements: Statement[] = [];
  const errors: ParseError[] = [];
  const report = errorSink(index, errors);
  try {
    const scan = splitStatements(text);
    const { chunks, trailing } = scan;
    if (scan.error) {
      const { code, what, offset } = scan.error;
      report({ code, message: `unterminated ${what}: it starts here and is never closed`, offset });
    }
    for (const chunk of chunks) {
      const annotations = readAnnotations(index, [...chunk.leading, ...afterExplain(text, chunk)], report);
      if (chunk.error || annotations === null) continue;
      const stmt = statementOf(index, chunk, ops, annotations);
      if (Array.isArray(stmt)) stmt.forEach(report);
      else statements.push(stmt);
    }
    const dangling = trailing.find(
      (t) => t.type === SqlTok.LineComment && isAnnotation(text.slice(t.start, t.end)),
    );
    if (dangling && !scan.error) {
      report({
        code: GrammarErrorCode.DANGLING_ANNOTATION,
        message: 'annotation is not followed by a statement',
        offset: dangling.start,
      });
    }
    if (chunks.length === 0 && !scan.error && !dangling) {
      report({
        code: GrammarErrorCode.EMPTY,
        message: 'expected a statement but found only whitespace and comments',
        offset: 0,
      });
    }
  } catch (err) {
    // A bug must not become a crash of the caller: report it as data.
    report({ code: GrammarErrorCode.INTERNAL, message: `internal grammar error: ${String(err)}`, offset: 0 });
  }
  return { statements, errors };
}

function statementOf(
  index: LineIndex,
  chunk: StatementChunk,
  ops: OperatorSet,
  annotations: readonly Annotation[],
): Statement | SemanticError[] {
  if (isSemanticFunctionStatement(index.text, chunk.tokens)) {
    return parseSemanticFunction(index, chunk.tokens, annotations);
  }
  if (isRvbbitStatement(index.text, chunk.tokens)) {
    const stmt = parseRvbbitStatement(index, chunk.start, chunk.end, ops, annotations, chunk.tokens);
    if (Array.isArray(stmt)) return stmt;
    // An annotation its kind does not take is refused, never dropped (annotation-use.ts).
    const misuse = annotationMisuse(stmt);
    return misuse.length > 0 ? misuse : stmt;
  }
  const calls = findSemanticCalls(index.text, chunk.tokens, ops, index);
  if ('code' in calls) return [calls];
  const stmt: SqlStatement = {
    kind: 'SqlStatement',
    annotations,
    text: index.text.slice(chunk.start, chunk.end),
    span: index.span(chunk.start, chunk.end),
    ...calls,
  };
  return stmt;
}

/**
 * The comments between `EXPLAIN [ (FORMAT …) ]` and the statement it
 * explains (`EXPLAIN⏎-- @ parallel: 7⏎SELECT …`): their annotations are the
 * statement's, as those before EXPLAIN are; none unless the chunk is an EXPLAIN.
 */
function afterExplain(text: string, chunk: StatementChunk): SqlToken[] {
  const first = chunk.tokens[0]!;
  if (first.type !== SqlTok.Word || first.end - first.start !== 7) return [];
  const prefix = explainPrefix(text.slice(chunk.start, chunk.end));
  if (!prefix) return [];
  const base = chunk.start;
  return scanSql(text.slice(base, base + prefix.length))
    .tokens.filter((t) => t.type === SqlTok.LineComment || t.type === SqlTok.BlockComment)
    .map((t) => ({ ...t, start: t.start + base, end: t.end + base }));
}

/** Annotations of the leading comments; null when one of them is an error (already reported). */
function readAnnotations(
  index: LineIndex,
  leading: readonly SqlToken[],
  report: (e: SemanticError) => void,
): Annotation[] | null {
  const out: Annotation[] = [];
  let ok = true;
  for (const t of leading) {
    if (t.type !== SqlTok.LineComment || !isAnnotation(index.text.slice(t.start, t.end))) continue;
    const a = parseAnnotation(index, t.start, t.end);
    if ('code' in a) {
      report(a);
      ok = false;
    } else if (a.key === 'hint' && a.value === '') {
    } else if (a.key !== 'hint' && out.some((b) => b.key === a.key)) {
      report({
        code: GrammarErrorCode.DUPLICATE_ANNOTATION,
        message: `annotation ${a.key} is given twice`,
        offset: t.start,
      });
      ok = false;
    } else out.push(a);
  }
  return ok ? out : null;
}

function errorSink(index: LineIndex, errors: ParseError[]): (e: SemanticError) => void {
  return (e) => {
    errors.push(makeError(index, e.code, e.message, e.offset));
  };
}
