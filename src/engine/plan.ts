/**
 * What the session runs: every statement kind planned into one readonly,
 * `kind`-tagged union, run by its kind's executor in engine/plan-executors.ts
 * (a table typed over every kind: a new kind without an executor does not
 * compile). Plain SQL is planned here, without loading anything; the other
 * kinds in plan-statement.ts, which the engine imports with the first
 * statement that calls a model.
 */
import type {
  CreateSemanticFunctionStatement,
  DropSemanticFunctionStatement,
  SqlStatement,
  Statement,
} from '../../grammar/index.js';
import type { MapPlan } from '../statements/map/plan-map.js';
import type { RunPlan } from '../statements/run/plan-run.js';
import type { SemanticPlan } from '../statements/semantic/plan/semantic-plan.js';

export interface SqlOrigin {
  readonly line: number;
  readonly column: number;
}

export type Plan =
  /** DuckDB SQL, passed byte for byte. */
  | { readonly kind: 'sql'; readonly sql: string; readonly origin: SqlOrigin }
  /** A SELECT (or other SQL) with semantic operators, run on its planned path. */
  | { readonly kind: 'semantic'; readonly semantic: SemanticPlan }
  /** `EXPLAIN [JSON]` of a statement with semantic operators: what it would call, without calling. */
  | { readonly kind: 'explain-semantic'; readonly semantic: SemanticPlan; readonly json: boolean }
  /** RVBBIT MAP, and CREATE TABLE … AS RVBBIT MAP (then `map.asTable` is set). */
  | { readonly kind: 'map'; readonly map: MapPlan }
  | { readonly kind: 'run'; readonly run: RunPlan }
  /** CREATE [OR REPLACE] SEMANTIC FUNCTION: checked and stored when it runs (sql-function-statements.ts). */
  | { readonly kind: 'create-function'; readonly stmt: CreateSemanticFunctionStatement }
  | { readonly kind: 'drop-function'; readonly stmt: DropSemanticFunctionStatement }
  | {
      readonly kind: 'explain';
      readonly json: boolean;
      readonly target:
        | { readonly kind: 'map'; readonly map: MapPlan }
        | { readonly kind: 'run'; readonly run: RunPlan };
    };

/** CREATE/DROP SEMANTIC FUNCTION, planned without loading the model statements' planner. */
export function planFunctionStatement(stmt: Statement): Plan | undefined {
  if (stmt.kind === 'CreateSemanticFunctionStatement') return { kind: 'create-function', stmt };
  if (stmt.kind === 'DropSemanticFunctionStatement') return { kind: 'drop-function', stmt };
  return undefined;
}

/** True when a statement is DuckDB SQL with nothing for a model to do. */
export function isPlainSql(stmt: Statement): stmt is SqlStatement {
  return stmt.kind === 'SqlStatement' && !hasSemantics(stmt);
}

export function hasSemantics(stmt: {
  readonly operators: readonly unknown[];
  readonly relevance: readonly unknown[];
  readonly joins: readonly unknown[];
  readonly aggregates: readonly unknown[];
}): boolean {
  return stmt.operators.length + stmt.relevance.length + stmt.joins.length + stmt.aggregates.length > 0;
}

export function planPlainSql(stmt: SqlStatement): Plan {
  return { kind: 'sql', sql: stmt.text, origin: { line: stmt.span.line, column: stmt.span.column } };
}
