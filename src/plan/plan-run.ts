/**
 * RunStatement (AST) → RunPlan: options defaulted, the cascade resolved and
 * loaded, the USING query limited. RUN and EXPLAIN RUN both take this plan.
 */
import { type RunStatement, withValues } from '../../grammar/index.js';
import type { CallLimits, RunLimits } from '../cascade/call-limits.js';
import type { Cascade } from '../cascade/cascade-types.js';
import { loadCascade } from '../cascade/load-cascade.js';
import type { CascadeResolver } from './cascade-resolver.js';
import {
  cacheSetting,
  deliveryLimit,
  limitedUsingSql,
  type PlanDefaults,
  withOrAnnotated,
} from './plan-map.js';

export const DEFAULT_RUN_LIMIT = 10_000;

export interface RunPlan {
  readonly cascadePath: string;
  readonly cascade: Cascade;
  /** The USING query with the auto-LIMIT applied. */
  readonly usingSql: string;
  readonly usingOrigin: { readonly line: number; readonly column: number };
  /** WITH (as_table = …); otherwise the executor names a fresh table. */
  readonly asTable?: string;
  /** Where `as_table = …` is written (for RUN_TABLE_EXISTS). */
  readonly asTableAt?: { readonly line: number; readonly column: number };
  /** WITH (persist = true): the input table outlives the session; otherwise it is TEMP. */
  readonly persist: boolean;
  /** WITH (replace = true): an existing as_table is replaced instead of refused. */
  readonly replace: boolean;
  readonly async: boolean;
  /**
   * The run's model, deadline, retries, cache and delivery, as for MAP (one
   * run: no PARALLEL, no budget).
   */
  readonly limits: RunLimits & Pick<CallLimits, 'delivery'>;
}

export async function planRun(
  stmt: RunStatement,
  resolver: CascadeResolver,
  defaults: PlanDefaults,
): Promise<RunPlan> {
  const w = withOrAnnotated(withValues(stmt.with?.options), stmt.annotations);
  const asTableOption = stmt.with?.options.find((o) => o.key === 'as_table');
  const cascadePath = resolver.resolve(stmt.cascade.value);
  return {
    cascadePath,
    cascade: await loadCascade(cascadePath),
    usingSql: limitedUsingSql({
      usingSql: stmt.using.sql,
      usingHasLimit: stmt.using.hasLimit,
      autoLimit: w.limit ?? DEFAULT_RUN_LIMIT,
    }),
    usingOrigin: { line: stmt.using.sqlSpan.line, column: stmt.using.sqlSpan.column },
    asTable: w.as_table,
    asTableAt: asTableOption
      ? { line: asTableOption.span.line, column: asTableOption.span.column }
      : undefined,
    persist: w.persist ?? false,
    replace: w.replace ?? false,
    async: stmt.async,
    limits: {
      model: w.model,
      cache: cacheSetting(w.cache, defaults.cache),
      timeoutMs: w.timeout?.ms,
      retries: w.retries,
      ...deliveryLimit(w.delivery),
    },
  };
}
