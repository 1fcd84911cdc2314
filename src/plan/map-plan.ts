/**
 * A MAP statement after planning: options checked and defaulted, the cascade
 * resolved and loaded. The executor takes only this, never the AST.
 */
import type { OnError } from '../../grammar/index.js';
import type { Cascade } from '../cascade/index.js';

export interface TypedColumn {
  readonly name: string;
  /** DuckDB type text, e.g. DOUBLE or DECIMAL(10,2). */
  readonly type: string;
}

export type MapOutput =
  | { readonly kind: 'single'; readonly name: string }
  | { readonly kind: 'typed'; readonly columns: readonly TypedColumn[] };

export interface MapPlan {
  readonly cascadePath: string;
  readonly cascade: Cascade;
  /** The USING query as the user wrote it. */
  readonly usingSql: string;
  readonly usingHasLimit: boolean;
  /** Where the USING text starts in the statement, for DuckDB error positions. */
  readonly usingOrigin?: { readonly line: number; readonly column: number };
  /** Rows appended as `LIMIT n` when the USING query has none; 0 = no limit. */
  readonly autoLimit: number;
  readonly parallel: number;
  readonly distinct: boolean;
  readonly dedupeBy?: string;
  readonly batch?: number;
  readonly output: MapOutput;
  readonly asTable?: string;
  /** CREATE TEMP TABLE … AS RVBBIT MAP. */
  readonly asTableTemporary?: boolean;
  /** false = bypass the cache; a number = TTL in ms; undefined = no expiry. */
  readonly cache: false | number | undefined;
  readonly model?: string;
  readonly onError: OnError;
  readonly timeoutMs?: number;
  readonly budgetDollars?: number;
  readonly retries?: number;
}

/** The USING query with the auto-LIMIT applied (spec §1: an explicit LIMIT is kept). */
export function limitedUsingSql(plan: Pick<MapPlan, 'usingSql' | 'usingHasLimit' | 'autoLimit'>): string {
  if (plan.usingHasLimit || plan.autoLimit === 0) return plan.usingSql;
  // A newline first, so a trailing line comment in the USING text cannot swallow it.
  return `${plan.usingSql}\nLIMIT ${plan.autoLimit}`;
}
