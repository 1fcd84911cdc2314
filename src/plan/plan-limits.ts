/**
 * A statement's CallLimits (cascade/call-limits.ts), built one way for every
 * kind: MAP and RUN from their WITH options, semantic SQL from none, each over
 * its `-- @` annotations (the WITH option wins: withOrAnnotated), over the
 * engine's defaults. A new limit is read here once, for all of them.
 */
import type { Annotation, WithOptionValues } from '../../grammar/index.js';
import type { CallLimits, RunLimits } from '../cascade/call-limits.js';

export interface PlanDefaults {
  readonly parallel: number;
  /** Why the engine's PARALLEL is what it is (chosen for the provider, or an option): EXPLAIN's words. */
  readonly parallelChosen?: string;
  /** Engine-wide cache switch and TTL (ms; undefined = no expiry). */
  readonly cache: false | number | undefined;
  /** Operator tuples per prompt when a statement does not say (`-- @ batch: n`); 1 = one call per tuple. */
  readonly operatorBatch?: number;
  /** Embedding model when a statement names none (default text-embedding-3-small). */
  readonly embedModel?: string;
  /**
   * A pair predicate whose one side has at most this many distinct values may
   * take the small-side plan when a statement does not say (`-- @ small_side: n`); 0 = never.
   */
  readonly smallSide?: number;
  /** false: pair conditions are never split into per-row labels when a statement does not say (`-- @ pair_split`). */
  readonly pairSplit?: boolean;
  /** Distinct tuples a semantic statement's record pass holds waiting for answers (engine option tuplesPerPass). */
  readonly tuplesPerPass?: number;
  /** Answers a semantic statement holds in memory before they move to its file (engine option answersInMemory). */
  readonly answersInMemory?: number;
}

type AnnotationValues = { readonly [A in Annotation as A['key']]: A['value'] };

/** The value of the annotation `key`, or undefined when the statement has none. */
export function annotationValue<K extends Annotation['key']>(
  annotations: readonly Annotation[] = [],
  key: K,
): AnnotationValues[K] | undefined {
  const a = annotations.find((x) => x.key === key);
  return a?.value as AnnotationValues[K] | undefined;
}

/**
 * The limits an RVBBIT statement's annotations give where its WITH options
 * are silent (grammar/statement-options.ts says which keys MAP and RUN take): the
 * WITH option wins, as PARALLEL wins over `-- @ parallel`. `-- @ cache:
 * true` is the default spelt out; `false` is WITH (cache = false).
 */
export function withOrAnnotated(
  w: Partial<WithOptionValues>,
  annotations: readonly Annotation[] = [],
): Partial<WithOptionValues> {
  const cache = annotationValue(annotations, 'cache');
  return {
    ...w,
    model: w.model ?? annotationValue(annotations, 'model'),
    cache: w.cache ?? (cache === false ? { enabled: false, ttl: null } : undefined),
    timeout: w.timeout ?? annotationValue(annotations, 'timeout'),
    retries: w.retries ?? annotationValue(annotations, 'retries'),
    max_tokens: w.max_tokens ?? annotationValue(annotations, 'max_tokens'),
    budget_dollars: w.budget_dollars ?? annotationValue(annotations, 'budget_dollars'),
    budget_tokens: w.budget_tokens ?? annotationValue(annotations, 'budget_tokens'),
    delivery: w.delivery ?? annotationValue(annotations, 'delivery'),
  };
}

/**
 * The limits of a statement with WITH values `w` (already typed by the
 * grammar) and `annotations`. PARALLEL: the statement's clause (MAP's
 * `PARALLEL n`), else `-- @ parallel`, else the engine's.
 */
export function planLimits(
  w: Partial<WithOptionValues>,
  annotations: readonly Annotation[] | undefined,
  defaults: Pick<PlanDefaults, 'parallel' | 'cache'>,
  parallelClause?: number,
): CallLimits {
  const o = withOrAnnotated(w, annotations);
  return {
    parallel: parallelClause ?? annotationValue(annotations, 'parallel') ?? defaults.parallel,
    ...eachRun(o, defaults),
    budgetDollars: o.budget_dollars,
    budgetTokens: o.budget_tokens,
  };
}

/** A RUN's limits: its one run's, read as any statement's; no PARALLEL, and a budget is refused (plan-run.ts). */
export function planRunLimits(
  w: Partial<WithOptionValues>,
  annotations: readonly Annotation[] | undefined,
  defaults: Pick<PlanDefaults, 'cache'>,
): RunLimits & Pick<CallLimits, 'delivery'> {
  return eachRun(withOrAnnotated(w, annotations), defaults);
}

/** What holds each run (model, cache, deadline, retries, answer tokens) and how its calls are delivered. */
function eachRun(
  o: Partial<WithOptionValues>,
  defaults: Pick<PlanDefaults, 'cache'>,
): RunLimits & Pick<CallLimits, 'delivery'> {
  return {
    model: o.model,
    cache: cacheSetting(o.cache, defaults.cache),
    timeoutMs: o.timeout?.ms,
    retries: o.retries,
    ...(o.max_tokens === undefined ? {} : { maxTokens: o.max_tokens }),
    // 'sync' is the default spelt out (WITH (delivery = 'sync'), -- @ delivery: sync): the field stays absent.
    ...(o.delivery === 'batch' ? { delivery: 'batch' as const } : {}),
  };
}

/** WITH (cache = …) over the engine default: true keeps the default TTL, a duration sets one. */
export function cacheSetting(
  setting: WithOptionValues['cache'] | undefined,
  fallback: PlanDefaults['cache'],
): CallLimits['cache'] {
  if (setting === undefined) return fallback;
  if (!setting.enabled) return false;
  return setting.ttl?.ms ?? (fallback === false ? undefined : fallback);
}
