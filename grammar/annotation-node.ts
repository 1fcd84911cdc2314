/**
 * `-- @ key: value` annotations. A "key" is one identifier at the start of the
 * annotation text followed by `:` and then whitespace or the end of the line
 * (so `-- @ see http://x` is a hint, not a key). Anything else is a hint.
 * @see ../docs/dialect.md §2 "Annotations"
 */
import type { Span } from './span.js';
import type { Delivery, Duration } from './with-options.js';

export const STRATEGIES = ['batch', 'sequential', 'union_all', 'vectorized'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** The valid `key:` words, in canonical order. */
export const ANNOTATION_KEYS = [
  'parallel',
  'model',
  'threshold',
  'strategy',
  'cache',
  'budget_dollars',
  'budget_tokens',
  'timeout',
  'retries',
  'max_tokens',
  'delivery',
  'prefilter',
  'batch',
  'proxy',
  'embed_model',
  'small_side',
  // larsql's explicit spelling of a hint: `-- @ prompt: text` is the hint `text` (no Annotation of its own).
  'prompt',
] as const;
export type AnnotationKey = (typeof ANNOTATION_KEYS)[number];

/** The proxy name meaning the statement's embedding model (its similarity scores rows; targets only). */
export const EMBEDDING_PROXY = 'embedding';

/**
 * `-- @ proxy: small-fast confidence 0.8`, or with targets: `-- @ proxy: small-fast recall 0.9 precision 0.9 delta 0.05`
 * (a filter), `-- @ proxy: small-fast accuracy 0.9` (a classification); the same as a function's
 * `WITH (proxy = 'small-fast', recall = 0.9, …)` (proxy-spec.ts builds both).
 */
export interface ProxySpec {
  readonly model: string;
  /** Proxy answers at or above this confidence (0..1) are kept (without targets). */
  readonly confidence: number;
  /** Targets against the statement's model's answers, met with probability ≥ 1 − delta (SUPG, src/plan/supg.ts). */
  readonly targets?: ProxyTargets;
}

export interface ProxyTargets {
  readonly recall?: number;
  readonly precision?: number;
  /** A classification's target: share of answers the same as the statement model's, 0..1 (src/plan/accuracy-cascade.ts). */
  readonly accuracy?: number;
  /** Failure probability (default 0.05). */
  readonly delta: number;
  /** Draws of the first importance-sample round (default: 10% of the rows, 100..1,000). */
  readonly sample?: number;
}

interface AnnotationBase {
  readonly kind: 'Annotation';
  readonly span: Span;
}
/** `value: null` is the bare `-- @ parallel` (the engine default). */
export type Annotation = AnnotationBase &
  (
    | { readonly key: 'parallel'; readonly value: number | null }
    | { readonly key: 'model'; readonly value: string }
    | { readonly key: 'threshold'; readonly value: number }
    | { readonly key: 'strategy'; readonly value: Strategy }
    | { readonly key: 'cache'; readonly value: boolean }
    /** The same values as the WITH options of the same names (with-options.ts). */
    | { readonly key: 'budget_dollars'; readonly value: number }
    | { readonly key: 'budget_tokens'; readonly value: number }
    | { readonly key: 'timeout'; readonly value: Duration }
    | { readonly key: 'retries'; readonly value: number }
    | { readonly key: 'max_tokens'; readonly value: number }
    /** 'batch': the calls go through the provider's Batch API; 'sync': one call each (the default). */
    | { readonly key: 'delivery'; readonly value: Delivery }
    /** `~` asks the model only about each left value's k nearest right values by embedding. */
    | { readonly key: 'prefilter'; readonly value: number }
    /** Up to n distinct tuples of one operator packed into one prompt. */
    | { readonly key: 'batch'; readonly value: number }
    /** A cheap model answers first; answers under `confidence` go to the statement's model. */
    | { readonly key: 'proxy'; readonly value: ProxySpec }
    /** The embedding model of `~` prefilters, SIMILAR_TO and EMBED / VECTOR_SEARCH without a model. */
    | { readonly key: 'embed_model'; readonly value: string }
    /** A pair predicate whose one side has at most n distinct values asks one call per value of the other side (0: never). */
    | { readonly key: 'small_side'; readonly value: number }
    /** Free text, or the text of `-- @ prompt: …`: appended to every operator prompt. */
    | { readonly key: 'hint'; readonly value: string }
  );
