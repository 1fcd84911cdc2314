/**
 * A semantic statement's options, read once from its `-- @` annotations
 * (the grammar has already checked keys and values) and the engine defaults.
 * @see ../../docs/dialect.md §2 "Annotations"
 */
import type { Annotation, ProxySpec, Strategy } from '../../grammar/index.js';

export interface SemanticOptions {
  readonly parallel: number;
  readonly model?: string;
  readonly threshold: number;
  readonly strategy: Strategy;
  /** false: bypass the cache; number: ttl ms; undefined: no expiry. */
  readonly cacheTtl: number | false | undefined;
  /** Free-text annotations, appended to every operator prompt. */
  readonly hint: string;
  /** No operator call starts once the statement has spent this much (`-- @ budget_dollars: n`). */
  readonly budgetDollars?: number;
  /** …or this many tokens, in + out (`-- @ budget_tokens: n`). */
  readonly budgetTokens?: number;
  /** Deadline of one cascade run, ms (`-- @ timeout: 30s`); the engine's LLM timeout otherwise. */
  readonly timeoutMs?: number;
  /** Attempts per LLM call (`-- @ retries: n`); the engine's default otherwise. */
  readonly retries?: number;
  /** `~` asks only about each left value's k nearest right values by embedding (`-- @ prefilter: k`). */
  readonly prefilter?: number;
  /** Distinct tuples of one operator packed into one prompt (`-- @ batch: n`); 1 = unpacked. */
  readonly batch: number;
  /** A cheap model answers first; only its unsure answers go to the statement's model (`-- @ proxy: m confidence t`). */
  readonly proxy?: ProxySpec;
  /** The embedding model when a statement names none (`-- @ embed_model: m`, engine option `embedModel`). */
  readonly embedModel?: string;
}

export const DEFAULT_THRESHOLD = 0.5;

export function semanticOptions(
  annotations: readonly Annotation[],
  defaults: {
    readonly parallel: number;
    readonly cache: number | false | undefined;
    readonly operatorBatch?: number;
    readonly embedModel?: string;
  },
): SemanticOptions {
  let parallel = defaults.parallel;
  let model: string | undefined;
  let threshold = DEFAULT_THRESHOLD;
  let strategy: Strategy = 'batch';
  let cacheTtl = defaults.cache;
  const hints: string[] = [];
  let budgetDollars: number | undefined;
  let budgetTokens: number | undefined;
  let timeoutMs: number | undefined;
  let retries: number | undefined;
  let prefilter: number | undefined;
  let batch = defaults.operatorBatch ?? 1;
  let proxy: ProxySpec | undefined;
  let embedModel = defaults.embedModel;
  for (const a of annotations) {
    switch (a.key) {
      case 'parallel':
        parallel = a.value ?? defaults.parallel;
        break;
      case 'model':
        model = a.value;
        break;
      case 'threshold':
        threshold = a.value;
        break;
      case 'strategy':
        strategy = a.value;
        break;
      case 'cache':
        if (!a.value) cacheTtl = false;
        break;
      case 'hint':
        hints.push(a.value);
        break;
      case 'budget_dollars':
        budgetDollars = a.value;
        break;
      case 'budget_tokens':
        budgetTokens = a.value;
        break;
      case 'timeout':
        timeoutMs = a.value.ms;
        break;
      case 'retries':
        retries = a.value;
        break;
      case 'prefilter':
        prefilter = a.value;
        break;
      case 'batch':
        batch = a.value;
        break;
      case 'proxy':
        proxy = a.value;
        break;
      case 'embed_model':
        embedModel = a.value;
        break;
    }
  }
  return {
    parallel,
    model,
    threshold,
    strategy,
    cacheTtl,
    hint: hints.join('\n'),
    budgetDollars,
    budgetTokens,
    timeoutMs,
    retries,
    prefilter,
    batch,
    proxy,
    embedModel,
  };
}
