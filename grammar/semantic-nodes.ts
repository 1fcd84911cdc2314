/**
 * Records of the semantic operators found inside SQL text. Every record holds
 * the exact source text and span of its parts, so a planner rewrites by
 * splicing spans (innermost first) without parsing again.
 * @see ../docs/dialect.md §2
 */
import type { Span } from './span.js';
import type { SqlTypeTree } from './sql-type.js';

/** Where an operator sits; a bare ABOUT in where/having/join_on means `> threshold`. */
export type Clause = 'select' | 'where' | 'having' | 'join_on' | 'order_by' | 'other';

/** One operand: a primary expression, as written. */
export interface Operand {
  readonly kind: 'Operand';
  readonly text: string;
  readonly span: Span;
}

/** `left WORD right`, e.g. `text MEANS 'eco'` → semantic_means(text, 'eco'). */
export interface OperatorCall {
  readonly kind: 'OperatorCall';
  /** The operator word upper-cased as defined (`MEANS`, `ALIGNS`, `~`). */
  readonly operator: string;
  readonly functionName: string;
  readonly returns: string;
  readonly left: Operand;
  readonly right: Operand;
  /** Span of the operator word(s), e.g. both words of `ALIGNS WITH`, `NOT MEANS`, or `!~`. */
  readonly operatorSpan: Span;
  /**
   * larsql's negated forms, `a NOT MEANS b` and `a !~ b` (of `~`): the answer is
   * NOT fn(a, b). Only an operator that returns BOOLEAN is negated (the grammar refuses the rest).
   */
  readonly negated: boolean;
  readonly clause: Clause;
  /** A comparison operator written right after (or right before) the expression, e.g. '>' in `a ABOUT b > 0.7`. */
  readonly comparison: string | null;
  /** From the start of `left` to the end of `right`. */
  readonly span: Span;
}

/** `ORDER BY a RELEVANCE TO b [ASC|DESC]`; the span includes the direction word when written. */
export interface RelevanceOrder {
  readonly kind: 'RelevanceOrder';
  readonly functionName: string;
  readonly left: Operand;
  readonly right: Operand;
  readonly direction: 'ASC' | 'DESC';
  readonly explicitDirection: boolean;
  readonly span: Span;
}

/** `SEMANTIC JOIN`: `span` covers both words, `semanticSpan` only SEMANTIC (delete it to get a JOIN). */
export interface SemanticJoin {
  readonly kind: 'SemanticJoin';
  readonly semanticSpan: Span;
  readonly span: Span;
}

/** `LLM_SUMMARIZE(a[, prompt])` and friends. */
export interface AggregateCall {
  readonly kind: 'AggregateCall';
  /** Upper-case name as defined, e.g. LLM_SUMMARIZE. */
  readonly name: string;
  readonly functionName: string;
  readonly args: readonly Operand[];
  /** `RETURNING type` written after the last argument: the result type the caller chose. */
  readonly returning?: { readonly text: string; readonly type: SqlTypeTree; readonly span: Span };
  readonly span: Span;
}

/** Every semantic construct of one piece of SQL, each list in source order. */
export interface SemanticCalls {
  readonly operators: readonly OperatorCall[];
  readonly relevance: readonly RelevanceOrder[];
  readonly joins: readonly SemanticJoin[];
  readonly aggregates: readonly AggregateCall[];
}
