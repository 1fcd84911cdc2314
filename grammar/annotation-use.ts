/**
 * Which statement kinds take which `-- @` annotation (each option's `use` in
 * statement-options.ts, and a hint's here). A key a
 * kind takes means there what it means before semantic SQL (which takes every
 * key); a key a kind does not take is refused before that statement,
 * E_ANNOTATION_NOT_ALLOWED at the annotation, with why and what to write
 * instead, never parsed and dropped. Plain SQL (no semantic operator) makes no
 * model call: there is nothing for an annotation to change, and it is kept.
 * @see ../docs/dialect.md §2 "Annotations"
 */
import type { Annotation } from './annotation-node.js';
import type { Statement } from './ast.js';
import { GrammarErrorCode } from './errors.js';
import type { SemanticError } from './semantic-ops.js';
import { classifyParsed } from './statement-kind.js';
import { type AnnotatedKind, annotationUse, type Use } from './statement-options.js';

/** A hint's use (the options' uses are in statement-options.ts). */
const HINT_USE =
  "it is added to semantic operator prompts; a cascade's prompts are in its file, and a comment that is not an annotation starts with -- alone";

/** What `kind` does with annotation `a`: true, it takes it; text, why not and what to write instead. */
const useOf = (a: Annotation, kind: AnnotatedKind): Use =>
  a.key === 'hint' ? HINT_USE : annotationUse(a.key, kind);

const KIND_NAME: Readonly<Record<AnnotatedKind, string>> = { map: 'RVBBIT MAP', run: 'RVBBIT RUN' };

/** The RVBBIT kind a statement is, for its annotations; null for SQL (semantic or plain) and CREATE/DROP SEMANTIC FUNCTION. */
export function annotatedKind(stmt: Statement): AnnotatedKind | null {
  const { kind } = classifyParsed(stmt);
  return kind === 'sql' || kind === 'function' ? null : kind;
}

/** One E_ANNOTATION_NOT_ALLOWED per annotation the statement's kind does not take, at the annotation. */
export function annotationMisuse(stmt: Statement): SemanticError[] {
  const kind = annotatedKind(stmt);
  if (kind === null) return [];
  const out: SemanticError[] = [];
  for (const a of stmt.annotations) {
    const use = useOf(a, kind);
    if (use === true) continue;
    const what = a.key === 'hint' ? 'a hint (-- @ text)' : `-- @ ${a.key}`;
    out.push({
      code: GrammarErrorCode.ANNOTATION_NOT_ALLOWED,
      message: `${what} does not apply to ${KIND_NAME[kind]}: ${use}`,
      offset: a.span.start,
    });
  }
  return out;
}
