/**
 * A semantic statement's options, read once from its `-- @` annotations
 * (the grammar has already checked keys and values) and the engine defaults.
 * @see ../../docs/dialect.md §2 "Annotations"
 */
import type { Annotation, ProxySpec, Strategy } from '../../grammar/index.js';
import type { CallLimits } from '../cascade/call-limits.js';

export interface SemanticOptions {
  /**
   * `-- @ parallel`, `model`, `cache`, `timeout`, `retries`, `budget_dollars`,
   * `budget_tokens`, `delivery` over the engine's defaults: carried unchanged
   * to every operator chunk task and embedding call.
   */
  readonly limits: CallLimits;
  readonly threshold: number;
  readonly strategy: Strategy;
  /** Free-text annotations, appended to every operator prompt. */
  readonly hint: string;
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

/** Used when EMBED names no model (and by SIMILAR_TO and `-- @ prefilter`). */
export const DEFAULT_EMBED_MODEL = 'text-embedding-3-small';

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
  let cache = defaults.cache;
  const hints: string[] = [];
  let budgetDollars: number | undefined;
  let budgetTokens: number | undefined;
  let timeoutMs: number | undefined;
  let retries: number | undefined;
  let delivery: CallLimits['delivery'];
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
        if (!a.value) cache = false;
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
      case 'delivery':
        // 'sync' is the default spelt out: the field stays absent.
        delivery = a.value === 'batch' ? 'batch' : undefined;
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
    limits: {
      parallel,
      model,
      cache,
      timeoutMs,
      retries,
      budgetDollars,
      budgetTokens,
      ...(delivery ? { delivery } : {}),
    },
    threshold,
    strategy,
    hint: hints.join('\n'),
    prefilter,
    batch,
    proxy,
    embedModel,
  };
}
