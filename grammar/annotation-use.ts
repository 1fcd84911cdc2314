/**
 * Which statement kinds take which `-- @` annotation: the one table. A key a
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

/** The RVBBIT statement kinds (EXPLAIN and CREATE TABLE … AS are the kind they hold). */
export type AnnotatedKind = 'map' | 'run';

/** true: the kind takes the key; text: why not, and what to write instead. */
type Use = true | string;

const NOT_SEMANTIC = 'an RVBBIT statement has no semantic operator';

/** Every key (a hint as 'hint'): what each RVBBIT kind does with it. */
export const ANNOTATION_USE: Readonly<Record<Annotation['key'], Readonly<Record<AnnotatedKind, Use>>>> = {
  parallel: {
    map: true,
    run: 'RVBBIT RUN runs its cascade once, so there is nothing to run in parallel; for one run per row, write RVBBIT MAP PARALLEL n',
  },
  model: { map: true, run: true },
  threshold: {
    map: `it is the cut-off of ABOUT and SIMILAR_TO used as a predicate, and ${NOT_SEMANTIC}`,
    run: `it is the cut-off of ABOUT and SIMILAR_TO used as a predicate, and ${NOT_SEMANTIC}`,
  },
  strategy: {
    map: `it chooses how semantic operators run inside DuckDB, and ${NOT_SEMANTIC}; its cascade runs on the worker pool`,
    run: `it chooses how semantic operators run inside DuckDB, and ${NOT_SEMANTIC}; its cascade runs on the worker pool`,
  },
  cache: { map: true, run: true },
  budget_dollars: {
    map: true,
    run: 'a budget stops runs not yet started, and RVBBIT RUN starts one; bound the run with -- @ timeout',
  },
  budget_tokens: {
    map: true,
    run: 'a budget stops runs not yet started, and RVBBIT RUN starts one; bound the run with -- @ timeout',
  },
  timeout: { map: true, run: true },
  retries: { map: true, run: true },
  max_tokens: { map: true, run: true },
  delivery: { map: true, run: true },
  prefilter: {
    map: `it prunes the pairs of a semantic pair predicate (a ~ b) by embedding, and ${NOT_SEMANTIC}`,
    run: `it prunes the pairs of a semantic pair predicate (a ~ b) by embedding, and ${NOT_SEMANTIC}`,
  },
  batch: {
    map: 'it packs semantic operator tuples into one prompt; to send n rows to one cascade run, write RVBBIT MAP BATCH n',
    run: 'it packs semantic operator tuples into one prompt; RVBBIT RUN already sends every row to its one run',
  },
  proxy: {
    map: `it asks a cheaper model first about semantic filters and scores, and ${NOT_SEMANTIC}; choose the cascade's model with -- @ model`,
    run: `it asks a cheaper model first about semantic filters and scores, and ${NOT_SEMANTIC}; choose the cascade's model with -- @ model`,
  },
  embed_model: {
    map: `it names the embedding model of ~ prefilters, SIMILAR_TO and EMBED, and ${NOT_SEMANTIC}`,
    run: `it names the embedding model of ~ prefilters, SIMILAR_TO and EMBED, and ${NOT_SEMANTIC}`,
  },
  small_side: {
    map: `it bounds the small side of a semantic pair predicate (LLM_FILTER('…', a, b), a ~ b), and ${NOT_SEMANTIC}`,
    run: `it bounds the small side of a semantic pair predicate (LLM_FILTER('…', a, b), a ~ b), and ${NOT_SEMANTIC}`,
  },
  hint: {
    map: "it is added to semantic operator prompts; a cascade's prompts are in its file, and a comment that is not an annotation starts with -- alone",
    run: "it is added to semantic operator prompts; a cascade's prompts are in its file, and a comment that is not an annotation starts with -- alone",
  },
};

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
    const use = ANNOTATION_USE[a.key][kind];
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
