/**
 * RunStatement (AST) → RunPlan: options defaulted, the cascade resolved and
 * loaded, the USING query limited. RUN and EXPLAIN RUN both take this plan.
 */
import { RvbbitError } from '../../../base/errors.js';
import { GrammarErrorCode, type RunStatement, withValues } from '../../../grammar/index.js';
import type { CallLimits, RunLimits } from '../../cascade/call-limits.js';
import type { Cascade } from '../../cascade/cascade-types.js';
import { loadCascade } from '../../cascade/load-cascade.js';
import type { CascadeResolver } from '../../plan/cascade-resolver.js';
import { type PlanDefaults, planRunLimits, withOrAnnotated } from '../../plan/plan-limits.js';
import { limitedUsingSql } from '../../plan/using-input.js';

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
   * The run's model, deadline, retries, cache and delivery, built as MAP's
   * (planRunLimits); one run: PARALLEL is moot and a budget refused (refuseBudget).
   */
  readonly limits: RunLimits & Pick<CallLimits, 'delivery'>;
}

export async function planRun(
  stmt: RunStatement,
  resolver: CascadeResolver,
  defaults: PlanDefaults,
): Promise<RunPlan> {
  refuseBudget(stmt);
  const given = withValues(stmt.with?.options);
  const w = withOrAnnotated(given, stmt.annotations);
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
    limits: planRunLimits(given, stmt.annotations, defaults),
  };
}

/**
 * WITH (budget_dollars = …) or (budget_tokens = …) on a RUN: refused, as
 * `-- @ budget_dollars` before one is (grammar/statement-options.ts). A budget
 * stops runs not yet started (MAP rows, operator calls: thread/budget.ts
 * checks it before each run), and a RUN starts one, so it could never stop
 * anything: accepted, it would be a promise not kept.
 */
function refuseBudget(stmt: RunStatement): void {
  const budget = stmt.with?.options.find((o) => o.key === 'budget_dollars' || o.key === 'budget_tokens');
  if (!budget) return;
  const { line, column } = budget.span;
  throw new RvbbitError(
    GrammarErrorCode.WITH_KEY_NOT_ALLOWED,
    `WITH (${budget.key} = …) does not apply to RVBBIT RUN: a budget stops runs not yet started, and RVBBIT RUN starts one; bound the run with WITH (timeout = …) (line ${line}, column ${column})`,
    { key: budget.key, line, column },
  );
}
